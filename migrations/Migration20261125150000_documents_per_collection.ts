import { Migration } from '@mikro-orm/migrations';

/**
 * A document id is unique within its collection, not across the service: two collections (two teams, or two
 * API keys scoped to different collections) may both hold a `handbook.md` without one replacing the other.
 */
export class Migration20261125150000_documents_per_collection extends Migration {
  override name = 'Migration20261125150000_documents_per_collection';

  override up(): void {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`drop index if exists ${s}.ingestion_requests_document_version_uq;`);
    this.addSql(
      `create unique index if not exists ingestion_requests_document_version_uq on ${s}.ingestion_requests (collection, document_id, document_version)
         where document_id is not null;`,
    );
  }

  override down(): void {
    // Fails, changing nothing, if two collections now hold the same document id and version: the old index cannot hold them.
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`drop index if exists ${s}.ingestion_requests_document_version_uq;`);
    this.addSql(
      `create unique index ingestion_requests_document_version_uq on ${s}.ingestion_requests (document_id, document_version) where document_id is not null;`,
    );
  }
}
