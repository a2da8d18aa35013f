import { Migration } from '@mikro-orm/migrations';

/**
 * What a user needs to see why an ingestion failed twice before it succeeded, and how far a running one is:
 * one row per processing attempt (written by the queue's statements as the attempt starts and ends), and the
 * running attempt's stage and chunk counts on the request (written at most once a second by its worker).
 */
export class Migration20261203000000_attempts_and_progress extends Migration {
  override name = 'Migration20261203000000_attempts_and_progress';

  override up(): void {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(
      `create table ${s}.ingestion_attempts (
         id bigint generated always as identity primary key,
         ingestion_id uuid not null references ${s}.ingestion_requests (id) on delete cascade,
         attempt integer not null,
         worker text not null,
         started_at timestamptz not null default now(),
         ended_at timestamptz,
         outcome text check (outcome in ('completed', 'retry', 'failed', 'superseded', 'cancelled', 'interrupted', 'lease-expired')),
         error text
       );`,
    );
    // Read per ingestion in order, and found open (ended_at is null) by the statement that ends an attempt.
    this.addSql(`create index ingestion_attempts_ingestion_idx on ${s}.ingestion_attempts (ingestion_id, id);`);
    this.addSql(
      `alter table ${s}.ingestion_requests add column progress_stage text, add column chunks_done integer, add column chunks_total integer;`,
    );
    this.addSql(
      `alter table ${s}.ingestion_requests add constraint ingestion_requests_progress_stage_check
         check (progress_stage in ('chunking', 'embedding', 'storing'));`,
    );
  }

  override down(): void {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`alter table ${s}.ingestion_requests drop column progress_stage, drop column chunks_done, drop column chunks_total;`);
    this.addSql(`drop table ${s}.ingestion_attempts;`);
  }
}
