import { Migration } from '@mikro-orm/migrations';

/**
 * Page numbers for uploaded PDFs: the request keeps where each page starts in its extracted text, and each
 * chunk gets per-chunk metadata (`{"page": 3}`). chunk_metadata is shared with the chunking work, which adds
 * the same column: `if not exists` lets either migration run first.
 */
export class Migration20261125140000_file_pages extends Migration {
  override name = 'Migration20261125140000_file_pages';

  override up(): void {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`alter table ${s}.ingestion_requests add column if not exists page_starts jsonb;`);
    this.addSql(`alter table ${s}.chunk_vectors add column if not exists chunk_metadata jsonb not null default '{}';`);
  }

  override down(): void {
    const s = `"${this.config.get('schema')}"`;
    // chunk_metadata stays: the chunking migration owns it too, and dropping it would lose its data.
    this.addSql(`alter table ${s}.ingestion_requests drop column if exists page_starts;`);
  }
}
