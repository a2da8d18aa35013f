import { Migration } from '@mikro-orm/migrations';

/**
 * An Idempotency-Key belongs to its caller (the API key's id; '' without API keys) and to the collection it
 * was used in: one tenant can no longer take a key before another uses it, nor learn another collection's
 * ingestion id from a 409. Keys stored before this migration get the caller '' (they were global); a keyed
 * client that repeats one of them gets a new ingestion instead of a replay.
 */
export class Migration20261202000000_idempotency_per_caller extends Migration {
  override name = 'Migration20261202000000_idempotency_per_caller';

  override up(): void {
    const schema = this.config.get('schema');
    const t = `"${schema}".ingestion_requests`;
    this.addSql(`alter table ${t} add column if not exists idempotency_caller text;`);
    this.addSql(`update ${t} set idempotency_caller = '' where idempotency_key is not null and idempotency_caller is null;`);
    this.addSql(`create unique index if not exists ingestion_requests_idempotency_uq on ${t} (idempotency_key, idempotency_caller, collection);`);
    this.addSql(`drop index if exists "${schema}".ingestion_requests_idempotency_key_uq;`);
  }

  override down(): void {
    const schema = this.config.get('schema');
    const t = `"${schema}".ingestion_requests`;
    // Keys that are now unique only per caller or collection would break the global index: they lose the key.
    this.addSql(`
      update ${t} r set idempotency_key = null, request_hash = null
        where idempotency_key is not null
          and exists (select 1 from ${t} o where o.idempotency_key = r.idempotency_key and o.id < r.id);`);
    this.addSql(`create unique index if not exists ingestion_requests_idempotency_key_uq on ${t} (idempotency_key);`);
    this.addSql(`drop index if exists "${schema}".ingestion_requests_idempotency_uq;`);
    this.addSql(`alter table ${t} drop column if exists idempotency_caller;`);
  }
}
