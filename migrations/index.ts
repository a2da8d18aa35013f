import { Migration20261125000000_initial } from './Migration20261125000000_initial';

/** Every migration, oldest first. `npm run migration:create` appends new ones here. */
export const migrationsList = [Migration20261125000000_initial];
