import type { Pool } from 'pg';
import { loadConfig } from '../src/config/app-config';
import type { HashingEmbedder } from '../src/embedding/hashing.embedder';
import { HNSW_INDEX_METHOD } from '../src/vector-store/index-segments';
import type { AppProcess } from '../test/support/app-process';
import { HttpClient } from './lib/http-client';
import { indexState, startService, waitUntilIndexed } from './lib/service';
import { vectorLiteral } from './lib/rows';
import { latencySummary, round } from './lib/stats';

const SCHEMA = 'bench_organic';
const TOP_K = 10;

/** Ingests documents through the service's API until all are completed (run.ts's ingestThroughApi). */
export type IngestThroughApi = (app: AppProcess, schema: string, documents: string[]) => Promise<Record<string, unknown>>;

interface Latency {
  p50: number;
  p95: number;
  p99: number;
}

/**
 * `organic`: the corpus ingested through the API, then searched over HTTP exactly as ingestion left the store —
 * no ANALYZE, rebuild or wait of the bench's own — at once when the last ingestion completed, and again once the
 * service's indexer had taken in the whole tail by itself. The reference: raw SQL on one freshly built HNSW index
 * over the same chunks (a copy of the table). Recall@10 of both against an exact scan.
 */
export async function measureOrganic(
  url: string,
  pool: Pool,
  documents: string[],
  queries: string[],
  embedder: HashingEmbedder,
  ingestThroughApi: IngestThroughApi,
  serviceEnv: Record<string, string>,
): Promise<Record<string, unknown>> {
  await pool.query(`drop schema if exists "${SCHEMA}" cascade`);
  const app = await startService(url, SCHEMA, serviceEnv);
  try {
    const ingest = await ingestThroughApi(app, SCHEMA, documents);
    const vectors = queries.map((q) => embedder.embedOne(q));
    const exact = await exactNeighbours(pool, vectors);
    const atCompletion = { ...(await segmentsAndTail(pool)), ...(await httpSearch(app, queries, exact)) };
    log(`organic, as the last ingestion completed: ${JSON.stringify(atCompletion)}`);
    // The service's own indexer, left to itself (a small last tail is sealed once ingestion is idle).
    await waitUntilIndexed(pool, SCHEMA);
    const afterIndexer = { ...(await segmentsAndTail(pool)), ...(await httpSearch(app, queries, exact)) };
    log(`organic, after the indexer took the tail in: ${JSON.stringify(afterIndexer)}`);
    const raw = await rawFreshIndex(pool, vectors, exact);
    log(`organic, raw SQL on one fresh HNSW index: ${JSON.stringify(raw)}`);
    return { chunks: ingest.chunks, ingestChunksPerSecond: ingest.chunksPerSecond, atCompletion, afterIndexer, raw };
  } finally {
    await app.stop();
  }
}

function log(message: string): void {
  console.log(`[bench] ${message}`);
}

/** Each query's 10th exact distance: an answer no farther than it is a hit (ties are interchangeable). */
async function exactNeighbours(pool: Pool, vectors: Float32Array[]): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('set local enable_indexscan = off');
    const boundaries: number[] = [];
    for (const vector of vectors) {
      const { rows } = await client.query<{ distance: number }>(
        `select embedding <=> $1::vector as distance from "${SCHEMA}".chunk_vectors order by 1 limit ${TOP_K}`,
        [vectorLiteral(vector)],
      );
      boundaries.push(rows[rows.length - 1].distance + 1e-9);
    }
    await client.query('commit');
    return boundaries;
  } finally {
    client.release();
  }
}

async function httpSearch(app: AppProcess, queries: string[], exact: number[]): Promise<{ httpMs: Latency; recallAt10: number }> {
  const client = new HttpClient(app.baseUrl);
  try {
    const latencies: number[] = [];
    let hits = 0;
    for (const [i, query] of queries.entries()) {
      const t = process.hrtime.bigint();
      const response = await client.json<{ results: { score: number }[] }>('POST', '/v1/search', { query, top_k: TOP_K });
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (response.status !== 200) throw new Error(`search answered ${response.status}`);
      // score is cosine similarity: 1 - distance.
      hits += response.body.results.filter((r) => 1 - r.score <= exact[i] + 1e-6).length;
    }
    return { httpMs: summary(latencies), recallAt10: round(hits / (queries.length * TOP_K), 3) };
  } finally {
    client.close();
  }
}

/** The same chunks copied into a table of their own with one HNSW index built over all of them. */
async function rawFreshIndex(
  pool: Pool,
  vectors: Float32Array[],
  exact: number[],
): Promise<{ rawSqlMs: Latency; recallAt10: number; buildSeconds: number }> {
  const table = `"${SCHEMA}".fresh_chunks`;
  await pool.query(`create table ${table} as select chunk_id, embedding from "${SCHEMA}".chunk_vectors`);
  const started = process.hrtime.bigint();
  await pool.query(`create index on ${table} using ${HNSW_INDEX_METHOD}`);
  const buildSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const client = await pool.connect();
  try {
    await client.query(`set hnsw.ef_search = ${loadConfig({}).SEARCH_EF_SEARCH}`);
    const latencies: number[] = [];
    let hits = 0;
    for (const [i, vector] of vectors.entries()) {
      const t = process.hrtime.bigint();
      const { rows } = await client.query<{ distance: number }>(
        `select chunk_id, embedding <=> $1::vector as distance from ${table} order by embedding <=> $1::vector limit ${TOP_K}`,
        [vectorLiteral(vector)],
      );
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      hits += rows.filter((r) => r.distance <= exact[i]).length;
    }
    return { rawSqlMs: summary(latencies), recallAt10: round(hits / (vectors.length * TOP_K), 3), buildSeconds: round(buildSeconds, 2) };
  } finally {
    await client.query('reset hnsw.ef_search');
    client.release();
  }
}

const summary = (latencies: number[]): Latency => {
  const { p50, p95, p99 } = latencySummary(latencies);
  return { p50: round(p50, 2), p95: round(p95, 2), p99: round(p99, 2) };
};

/** Segments the service built, and chunks it has not indexed yet. */
async function segmentsAndTail(pool: Pool): Promise<{ segments: number; tail: number }> {
  const { segments, tail } = await indexState(pool, SCHEMA);
  return { segments: segments.length, tail };
}
