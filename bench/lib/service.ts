import type { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppProcess, SERVICE_NODE_ARGS } from '../../test/support/app-process';
import { loadConfig } from '../../src/config/app-config';
import { addPartitionSql, parseBound, partitionsToAdd } from '../../src/vector-store/chunk-partitions';
import { CHUNK_COPY_COLUMNS, ChunkRow, chunkCopyLine } from './rows';

/** Starts the built service on `schema` (migrations applied at boot). */
export async function startService(
  url: string,
  schema: string,
  extra: Record<string, string> = {},
  nodeArgs = SERVICE_NODE_ARGS,
): Promise<AppProcess> {
  const app = await AppProcess.start(
    {
      DATABASE_URL: url,
      DB_SCHEMA: schema,
      MIGRATIONS_RUN_ON_BOOT: 'true',
      POLL_INTERVAL_MS: '20',
      LOG_LEVEL: 'warn',
      // The bench is one client sending thousands of requests a minute: measure throughput, not the rate limit.
      RATE_LIMIT_MAX: '0',
      ...extra,
    },
    { nodeArgs },
  );
  return app.ready(60_000);
}

/** The service's chunk partitions (see ChunkPartitions), and where the last one ends. */
async function partitionsOf(pool: Pool, schema: string) {
  const { rows } = await pool.query<{ name: string; bound: string }>(
    `select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = $1::regclass`,
    [`"${schema}".chunk_vectors`],
  );
  return rows.map((r) => parseBound(r.name, r.bound)).sort((a, b) => a.seqFrom - b.seqFrom);
}

/**
 * Appends chunk rows (and their completed request rows) to the service's tables, then waits for the service's
 * indexer to take them into one HNSW segment per partition (a bulk load as the service handles it). A COPY
 * bypasses the service's claims, which add the partitions chunks go to: so they are added here first.
 */
export async function seedServiceTables(pool: Pool, schema: string, rows: ChunkRow[]): Promise<void> {
  const client = await pool.connect();
  try {
    const [{ last }] = (await client.query<{ last: string }>(`select coalesce(max(seq), 0) as last from "${schema}".chunk_vectors`)).rows;
    const width = loadConfig({}).INDEX_PARTITION_CHUNKS;
    for (const range of partitionsToAdd(await partitionsOf(pool, schema), Number(last) + rows.length, width)) {
      for (const sql of addPartitionSql(schema, range)) await client.query(sql);
    }
    const requests = new Map<string, number>();
    for (const r of rows) requests.set(r.ingestionId, (requests.get(r.ingestionId) ?? 0) + 1);
    await pipeline(
      Readable.from(
        (function* () {
          for (const [id, count] of requests) {
            yield `${id}\tcompleted\t(seeded by the bench)\t20\t{}\t{"strategy":"fixed","chunk_size":1000,"chunk_overlap":200}\t1\t3\t${count}\n`;
          }
        })(),
      ),
      client.query(
        copyFrom(
          `copy "${schema}".ingestion_requests (id, status, text, text_length, source_metadata, chunking, attempts, max_attempts, chunk_count) from stdin`,
        ),
      ),
    );
    await pipeline(
      Readable.from(rows.map(chunkCopyLine)),
      client.query(copyFrom(`copy "${schema}".chunk_vectors (${CHUNK_COPY_COLUMNS}) from stdin`)),
    );
    await client.query(`analyze "${schema}".chunk_vectors`);
  } finally {
    client.release();
  }
  await waitUntilIndexed(pool, schema, { onePerPartition: true });
}

/** The service's index segments and how many chunks no segment covers yet. */
export async function indexState(pool: Pool, schema: string): Promise<{ tail: number; segments: { seqFrom: number; seqTo: number }[] }> {
  const { rows: segments } = await pool.query<{ seqFrom: string; seqTo: string }>(
    `select seq_from as "seqFrom", seq_to as "seqTo" from "${schema}".vector_index_segments order by seq_from`,
  );
  const through = segments.length ? Number(segments[segments.length - 1].seqTo) : 0;
  const { rows } = await pool.query<{ n: number }>(`select count(*)::int as n from "${schema}".chunk_vectors where seq > $1`, [through]);
  return { tail: rows[0].n, segments: segments.map((s) => ({ seqFrom: Number(s.seqFrom), seqTo: Number(s.seqTo) })) };
}

/** Waits until every chunk is in an HNSW segment (and, with `onePerPartition`, the indexer has merged each partition's into one). */
export async function waitUntilIndexed(pool: Pool, schema: string, options: { onePerPartition?: boolean } = {}): Promise<void> {
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    const state = await indexState(pool, schema);
    const partitions = new Set(
      (await partitionsOf(pool, schema)).filter((p) => state.segments.some((s) => s.seqTo > p.seqFrom && s.seqTo <= p.seqTo)).map((p) => p.name),
    );
    if (state.tail === 0 && (!options.onePerPartition || state.segments.length === partitions.size)) return;
    if (Date.now() > deadline) throw new Error(`not indexed after 30 minutes: ${JSON.stringify(state)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until every ingestion of `ids` is completed or failed; their counts and the chunks stored (bounded: 30 minutes). */
export async function untilFinished(pool: Pool, schema: string, ids: string[]): Promise<{ completed: number; failed: number; chunks: number }> {
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    const { rows } = await pool.query<{ completed: number; failed: number; chunks: number }>(
      `select count(*) filter (where status = 'completed')::int as completed, count(*) filter (where status = 'failed')::int as failed,
              coalesce(sum(chunk_count), 0)::int as chunks
         from "${schema}".ingestion_requests where id = any($1::uuid[])`,
      [ids],
    );
    if (rows[0].completed + rows[0].failed >= ids.length) return rows[0];
    if (Date.now() > deadline) throw new Error(`not finished after 30 minutes: ${JSON.stringify(rows[0])}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
