import { Migration } from '@mikro-orm/migrations';

/**
 * Chunks are no longer inserted into an HNSW index as they are written. Every chunk gets an increasing `seq`;
 * HNSW indexes are partial, each covering one range of it (a *segment*, listed in vector_index_segments), and
 * are built in bulk by the VectorIndexer in the background. Chunks above the last segment (the *tail*) are
 * found by an exact scan until a segment covers them. Incremental HNSW inserts cost about 1 ms a chunk of
 * the writer's time; a bulk build of the same rows costs a fraction of that, off the ingest path.
 *
 * The full-table index is dropped here; the indexer builds the first segment over the existing chunks
 * shortly after the next boot (searches are exact, and so correct, until then).
 */
export class Migration20261125160000_vector_index_segments extends Migration {
  override name = 'Migration20261125160000_vector_index_segments';

  override up(): void {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`alter table ${s}.chunk_vectors add column if not exists seq bigint generated always as identity;`);
    this.addSql(`create index if not exists chunk_vectors_seq_idx on ${s}.chunk_vectors (seq);`);
    this.addSql(`
      create table if not exists ${s}.vector_index_segments (
        index_name text primary key,
        seq_from bigint not null,
        seq_to bigint not null,
        chunk_count integer not null,
        built_at timestamptz not null default now(),
        check (seq_from < seq_to)
      );`);
    this.addSql(`drop index if exists ${s}.chunk_vectors_embedding_hnsw;`);
  }

  override down(): void {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`
      do $$
      declare segment record;
      begin
        for segment in select index_name from ${s}.vector_index_segments loop
          execute format('drop index if exists ${s}.%I', segment.index_name);
        end loop;
      end $$;`);
    this.addSql(`drop table if exists ${s}.vector_index_segments;`);
    this.addSql(`drop index if exists ${s}.chunk_vectors_seq_idx;`);
    this.addSql(`alter table ${s}.chunk_vectors drop column if exists seq;`);
    // Serial build: pgvector below 0.8.2 has CVE-2026-3172 in parallel HNSW builds.
    this.addSql(`set local max_parallel_maintenance_workers = 0;`);
    this.addSql(`create index if not exists chunk_vectors_embedding_hnsw on ${s}.chunk_vectors using hnsw (embedding vector_cosine_ops);`);
  }
}
