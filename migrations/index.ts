import { Migration20261125000000_initial } from './Migration20261125000000_initial';
import { Migration20261125120000_collections_and_keyword_search } from './Migration20261125120000_collections_and_keyword_search';
import { Migration20261125130000_idempotency_and_documents } from './Migration20261125130000_idempotency_and_documents';
import { Migration20261125140000_file_pages } from './Migration20261125140000_file_pages';
import { Migration20261125150000_documents_per_collection } from './Migration20261125150000_documents_per_collection';
import { Migration20261125160000_vector_index_segments } from './Migration20261125160000_vector_index_segments';
import { Migration20261125170000_embedding_stored_inline } from './Migration20261125170000_embedding_stored_inline';
import { Migration20261125180000_chunk_rows_inline } from './Migration20261125180000_chunk_rows_inline';
import { Migration20261202000000_idempotency_per_caller } from './Migration20261202000000_idempotency_per_caller';
import { Migration20261202100000_ingestion_listing } from './Migration20261202100000_ingestion_listing';
import { Migration20261202200000_cancelled_status } from './Migration20261202200000_cancelled_status';
import { Migration20261203000000_attempts_and_progress } from './Migration20261203000000_attempts_and_progress';
import { Migration20261203100000_embedding_budget } from './Migration20261203100000_embedding_budget';
import { Migration20261204000000_partitioned_chunk_vectors } from './Migration20261204000000_partitioned_chunk_vectors';

/** Every migration, oldest first. `npm run migration:create` appends new ones here. */
export const migrationsList = [
  Migration20261125000000_initial,
  Migration20261125120000_collections_and_keyword_search,
  Migration20261125130000_idempotency_and_documents,
  Migration20261125140000_file_pages,
  Migration20261125150000_documents_per_collection,
  Migration20261125160000_vector_index_segments,
  Migration20261125170000_embedding_stored_inline,
  Migration20261125180000_chunk_rows_inline,
  Migration20261202000000_idempotency_per_caller,
  Migration20261202100000_ingestion_listing,
  Migration20261202200000_cancelled_status,
  Migration20261203000000_attempts_and_progress,
  Migration20261203100000_embedding_budget,
  Migration20261204000000_partitioned_chunk_vectors,
];
