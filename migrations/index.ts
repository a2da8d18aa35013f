import { Migration20261125000000_initial } from './Migration20261125000000_initial';
import { Migration20261125140000_file_pages } from './Migration20261125140000_file_pages';

/** Every migration, oldest first. `npm run migration:create` appends new ones here. */
export const migrationsList = [Migration20261125000000_initial, Migration20261125140000_file_pages];
