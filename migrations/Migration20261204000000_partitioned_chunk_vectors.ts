import { Migration } from '@mikro-orm/migrations';

/** Partitions the existing chunks are split into (later ones take INDEX_PARTITION_CHUNKS; see chunk-partitions.ts). */
const EXISTING_PARTITION_CHUNKS = 200_000;

/** The indexes and constraints every chunk_vectors table carries, under the names the earlier migrations gave them. */
function indexesAndConstraints(s: string): string[] {
  const table = `${s}.chunk_vectors`;
  return [
    `create index chunk_vectors_collection_created_idx on ${table} (collection, created_at);`,
    `create index chunk_vectors_source_metadata_gin on ${table} using gin (source_metadata jsonb_path_ops);`,
    `create index chunk_vectors_tsv_gin on ${table} using gin (chunk_tsv);`,
    `alter table ${table} add constraint chunk_vectors_ingestion_id_fkey
       foreign key (ingestion_id) references ${s}.ingestion_requests (id) on delete cascade;`,
  ];
}

/** Frees the index and constraint names of the table about to be replaced, and its identity sequence. */
function releaseNames(s: string, old: string): string[] {
  return [
    `alter table ${old} drop constraint if exists chunk_vectors_pkey, drop constraint if exists chunk_vectors_ingestion_id_chunk_index_key,
       drop constraint if exists chunk_vectors_ingestion_id_fkey;`,
    `drop index if exists ${s}.chunk_vectors_seq_idx, ${s}.chunk_vectors_collection_created_idx, ${s}.chunk_vectors_source_metadata_gin,
       ${s}.chunk_vectors_tsv_gin, ${s}.chunk_vectors_ingestion_chunk_idx;`,
    `alter table ${old} alter column seq drop identity;`,
  ];
}

/**
 * Replaces chunk_vectors by the table `create` makes under the same name (from the old one, renamed), with the
 * shared indexes and constraints, and moves every chunk into it with its seq; the identity goes on after them.
 * The segment indexes are dropped (the indexer rebuilds them). `beforeCopy` prepares the new table for the rows.
 */
function rebuildChunkTable(s: string, create: (old: string) => string[], beforeCopy: (old: string) => string[] = () => []): string[] {
  const old = `${s}.chunk_vectors_old`;
  return [
    `do $$
     declare segment record;
     begin
       for segment in select index_name from ${s}.vector_index_segments loop
         execute format('drop index if exists ${s}.%I', segment.index_name);
       end loop;
     end $$;`,
    `delete from ${s}.vector_index_segments;`,
    `alter table ${s}.chunk_vectors rename to chunk_vectors_old;`,
    ...releaseNames(s, old),
    ...create(old),
    `alter table ${s}.chunk_vectors alter column seq add generated always as identity;`,
    ...indexesAndConstraints(s),
    ...beforeCopy(old),
    `do $$
     declare last bigint := (select coalesce(max(seq), 0) from ${old});
     begin
       insert into ${s}.chunk_vectors (chunk_id, ingestion_id, chunk_index, chunk_strategy, chunk_text, start_offset, end_offset,
           source_metadata, embedding, created_at, collection, chunk_metadata, token_count, seq)
         overriding system value
         select chunk_id, ingestion_id, chunk_index, chunk_strategy, chunk_text, start_offset, end_offset,
           source_metadata, embedding, created_at, collection, chunk_metadata, token_count, seq
         from ${old};
       if last > 0 then
         perform setval(pg_get_serial_sequence('${s}.chunk_vectors', 'seq'), last);
       end if;
     end $$;`,
    `drop table ${old} cascade;`,
  ];
}

/**
 * chunk_vectors becomes a table partitioned by ranges of `seq`, so that building an HNSW segment reads only
 * its partition: a partial index on the whole table scanned every chunk in it, so each build cost O(table)
 * and builds fell further behind as the store grew. Each partition covers (from, to] of seq, like a segment,
 * and is named chunk_vectors_p<from>_<to>; the service keeps partitions ahead of the newest chunk.
 *
 * What partitioning cannot keep: a unique constraint must include the partition key. So the primary key is
 * seq (which also serves the range scans the seq index did), chunk_id has no constraint (a random UUID, looked
 * up by nothing) and (ingestion_id, chunk_index) is a plain index — a document's chunks are written by the
 * lease holder only, in the one transaction that first deletes the old ones. Storage parameters
 * (toast_tuple_target) are set per partition.
 *
 * The existing chunks are copied into partitions of EXISTING_PARTITION_CHUNKS; their HNSW segments are
 * dropped and rebuilt by the indexer after the next boot (searches are exact, and so correct, until then).
 */
export class Migration20261204000000_partitioned_chunk_vectors extends Migration {
  override name = 'Migration20261204000000_partitioned_chunk_vectors';

  override up(): void {
    const s = `"${this.config.get('schema')}"`;
    const create = (old: string) => [
      `create table ${s}.chunk_vectors (like ${old} including defaults including generated including storage) partition by range (seq);`,
      `alter table ${s}.chunk_vectors add constraint chunk_vectors_pkey primary key (seq);`,
      `create index chunk_vectors_ingestion_chunk_idx on ${s}.chunk_vectors (ingestion_id, chunk_index);`,
    ];
    const partitionsForExisting = (old: string) => [
      `do $$
       declare
         last bigint := (select coalesce(max(seq), 0) from ${old});
         low bigint := 0;
       begin
         while low < last loop
           execute format('create table ${s}.%I partition of ${s}.chunk_vectors for values from (%s) to (%s) with (toast_tuple_target = 8160)',
             'chunk_vectors_p' || low || '_' || (low + ${EXISTING_PARTITION_CHUNKS}), low + 1, low + ${EXISTING_PARTITION_CHUNKS} + 1);
           low := low + ${EXISTING_PARTITION_CHUNKS};
         end loop;
       end $$;`,
    ];
    for (const sql of rebuildChunkTable(s, create, partitionsForExisting)) this.addSql(sql);
  }

  override down(): void {
    const s = `"${this.config.get('schema')}"`;
    const create = (old: string) => [
      `create table ${s}.chunk_vectors (like ${old} including defaults including generated including storage) with (toast_tuple_target = 8160);`,
      `alter table ${s}.chunk_vectors add constraint chunk_vectors_pkey primary key (chunk_id);`,
      `create index chunk_vectors_seq_idx on ${s}.chunk_vectors (seq);`,
      `alter table ${s}.chunk_vectors add constraint chunk_vectors_ingestion_id_chunk_index_key unique (ingestion_id, chunk_index);`,
    ];
    for (const sql of rebuildChunkTable(s, create)) this.addSql(sql);
  }
}
