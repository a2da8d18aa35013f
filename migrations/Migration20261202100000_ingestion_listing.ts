import { Migration } from '@mikro-orm/migrations';

/**
 * GET /v1/ingest pages through requests in (created_at, id) order, newest or oldest first, optionally within
 * one collection. With these two indexes a page is a range scan that stops after limit + 1 rows, whatever the
 * table's size and however deep the page: no sort, no scan of the rows before the cursor. Ascending indexes
 * serve both orders (a btree is read backwards for desc). id breaks ties: a batch's rows share created_at.
 * (collection, created_at, id) replaces (collection, created_at), its prefix, which serves nothing it does not.
 */
export class Migration20261202100000_ingestion_listing extends Migration {
  override name = 'Migration20261202100000_ingestion_listing';

  override up(): void {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`create index if not exists ingestion_requests_created_id_idx on ${s}.ingestion_requests (created_at, id);`);
    this.addSql(`create index if not exists ingestion_requests_collection_created_id_idx on ${s}.ingestion_requests (collection, created_at, id);`);
    this.addSql(`drop index if exists ${s}.ingestion_requests_collection_idx;`);
  }

  override down(): void {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`create index if not exists ingestion_requests_collection_idx on ${s}.ingestion_requests (collection, created_at);`);
    this.addSql(`drop index if exists ${s}.ingestion_requests_collection_created_id_idx;`);
    this.addSql(`drop index if exists ${s}.ingestion_requests_created_id_idx;`);
  }
}
