import { Migration } from '@mikro-orm/migrations';

/**
 * Idempotent submission and document versions, additively:
 *  - `idempotency_key` + `request_hash`: the client's Idempotency-Key and a hash of the body it came with; the
 *    unique index makes concurrent duplicates collapse into one row (`insert … on conflict do nothing`).
 *  - `document_id` + `document_version` + `content_hash`: successive versions of one client document; the
 *    newest completed version holds the document's chunks, older ones become `superseded` (by `superseded_by`).
 */
export class Migration20261125130000_idempotency_and_documents extends Migration {
  override name = 'Migration20261125130000_idempotency_and_documents';

  override up(): void {
    const t = `"${this.config.get('schema')}".ingestion_requests`;
    this.addSql(`
      alter table ${t}
        add column if not exists idempotency_key text,
        add column if not exists request_hash text,
        add column if not exists document_id text,
        add column if not exists document_version integer,
        add column if not exists content_hash text,
        add column if not exists superseded_by uuid;`);
    // NULLs are distinct in a unique index, so requests without a key are unconstrained.
    this.addSql(`create unique index if not exists ingestion_requests_idempotency_key_uq on ${t} (idempotency_key);`);
    this.addSql(
      `create unique index if not exists ingestion_requests_document_version_uq on ${t} (document_id, document_version) where document_id is not null;`,
    );
    // The heartbeat touches the rows one worker holds; only running rows have an owner.
    this.addSql(`create index if not exists ingestion_requests_locked_by_idx on ${t} (locked_by) where status = 'running';`);
    // A fifth status, for an older document version whose chunks a newer version replaced.
    this.addSql(`alter table ${t} drop constraint if exists ingestion_requests_status_check;`);
    this.addSql(
      `alter table ${t} add constraint ingestion_requests_status_check check (status in ('accepted', 'running', 'completed', 'failed', 'superseded'));`,
    );
  }

  override down(): void {
    const t = `"${this.config.get('schema')}".ingestion_requests`;
    // Superseded versions hold no chunks (chunk_count 0): the old schema can only call them completed.
    this.addSql(`update ${t} set status = 'completed' where status = 'superseded';`);
    this.addSql(`alter table ${t} drop constraint if exists ingestion_requests_status_check;`);
    this.addSql(`alter table ${t} add constraint ingestion_requests_status_check check (status in ('accepted', 'running', 'completed', 'failed'));`);
    this.addSql(`drop index if exists "${this.config.get('schema')}".ingestion_requests_locked_by_idx;`);
    this.addSql(`drop index if exists "${this.config.get('schema')}".ingestion_requests_document_version_uq;`);
    this.addSql(`drop index if exists "${this.config.get('schema')}".ingestion_requests_idempotency_key_uq;`);
    this.addSql(
      `alter table ${t} drop column if exists superseded_by, drop column if exists content_hash, drop column if exists document_version,
         drop column if exists document_id, drop column if exists request_hash, drop column if exists idempotency_key;`,
    );
  }
}
