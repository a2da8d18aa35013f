import { Migration } from '@mikro-orm/migrations';

/** A sixth status: `cancelled`, for an ingestion stopped by `POST /v1/ingest/{id}/cancel` before it completed. */
export class Migration20261202200000_cancelled_status extends Migration {
  override name = 'Migration20261202200000_cancelled_status';

  override up(): void {
    const t = `"${this.config.get('schema')}".ingestion_requests`;
    this.addSql(`alter table ${t} drop constraint if exists ingestion_requests_status_check;`);
    this.addSql(
      `alter table ${t} add constraint ingestion_requests_status_check
         check (status in ('accepted', 'running', 'completed', 'failed', 'superseded', 'cancelled'));`,
    );
  }

  override down(): void {
    const t = `"${this.config.get('schema')}".ingestion_requests`;
    // The old schema has no word for it: a cancelled ingestion stored nothing and will not run, as a failed one.
    this.addSql(`update ${t} set status = 'failed', error_message = coalesce(error_message, 'cancelled') where status = 'cancelled';`);
    this.addSql(`alter table ${t} drop constraint if exists ingestion_requests_status_check;`);
    this.addSql(
      `alter table ${t} add constraint ingestion_requests_status_check check (status in ('accepted', 'running', 'completed', 'failed', 'superseded'));`,
    );
  }
}
