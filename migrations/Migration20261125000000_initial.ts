import { Migration } from '@mikro-orm/migrations';

/** Requests (the job rows) and their chunk vectors, in the service's own schema (DB_SCHEMA). */
export class Migration20261125000000_initial extends Migration {
  override name = 'Migration20261125000000_initial';

  override up(): void {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`create extension if not exists vector;`);
    this.addSql(`create schema if not exists ${s};`);
    this.addSql(`
      create table ${s}.ingestion_requests (
        id uuid primary key,
        status text not null default 'accepted' check (status in ('accepted', 'running', 'completed', 'failed')),
        text text not null,
        text_length integer not null,
        source_metadata jsonb not null default '{}',
        chunking jsonb not null,
        attempts integer not null default 0,
        max_attempts integer not null,
        next_attempt_at timestamptz not null default now(),
        locked_at timestamptz,
        locked_by text,
        error_message text,
        chunk_count integer,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        started_at timestamptz,
        completed_at timestamptz
      );`);
    // The poller's claim query scans only due accepted rows and expired running ones: keep that scan small.
    this.addSql(`create index ingestion_requests_due_idx on ${s}.ingestion_requests (next_attempt_at) where status in ('accepted', 'running');`);
    this.addSql(`
      create table ${s}.chunk_vectors (
        chunk_id uuid primary key,
        ingestion_id uuid not null references ${s}.ingestion_requests (id) on delete cascade,
        chunk_index integer not null,
        chunk_strategy text not null,
        chunk_text text not null,
        start_offset integer not null,
        end_offset integer not null,
        source_metadata jsonb not null default '{}',
        embedding vector(384) not null,
        created_at timestamptz not null default now(),
        unique (ingestion_id, chunk_index)
      );`);
    // pgvector 0.6.0–0.8.1 has CVE-2026-3172 in *parallel* HNSW builds: build serially. The table is empty
    // here, so this costs nothing; any later index rebuild must do the same until pgvector >= 0.8.2.
    this.addSql(`set local max_parallel_maintenance_workers = 0;`);
    this.addSql(`create index chunk_vectors_embedding_hnsw on ${s}.chunk_vectors using hnsw (embedding vector_cosine_ops);`);
  }

  override down(): void {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`drop table if exists ${s}.chunk_vectors;`);
    this.addSql(`drop table if exists ${s}.ingestion_requests;`);
  }
}
