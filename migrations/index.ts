import { Migration20261125000000_initial } from './Migration20261125000000_initial';
import { Migration20261125130000_idempotency_and_documents } from './Migration20261125130000_idempotency_and_documents';

/** Every migration, oldest first. `npm run migration:create` appends new ones here. */
export const migrationsList = [Migration20261125000000_initial, Migration20261125130000_idempotency_and_documents];
