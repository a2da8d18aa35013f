import type { Pool } from 'pg';
import { loadConfig } from '../src/config/app-config';
import { HttpClient } from './lib/http-client';
import { renderChart } from './lib/chart';
import { indexState, startService } from './lib/service';
import { latencySummary, percentile, round } from './lib/stats';

const SCHEMA = 'bench_sustained';
/** Documents a request (POST /v1/ingest/batch) and requests in flight: more than the service takes, so it sets the pace. */
const BATCH_DOCUMENTS = 50;
const INGEST_CONNECTIONS = 4;
/** Search p99 is held to its target in every window of this length ("throughout"). */
const WINDOW_SECONDS = 10;
/** The service's backlog bound here: far below the default, so the run ends with a short queue to drain. */
const MAX_BACKLOG = 2000;

export interface SustainedSize {
  seconds: number;
}

interface Sample {
  second: number;
  tail: number;
  chunks: number;
  searchP99?: number;
}

/**
 * `sustained`: `seconds` of ingest as fast as the service takes it (batches of BATCH_DOCUMENTS, INGEST_CONNECTIONS
 * in flight, each 503 INGEST_BACKLOG_FULL waited out as Retry-After says) with one search client all along.
 * Every second: the unindexed tail and the chunks stored; every WINDOW_SECONDS: the search p99. The chart of
 * both goes to `chartFile`.
 */
export async function measureSustained(
  url: string,
  pool: Pool,
  documents: string[],
  queries: string[],
  chunking: Record<string, unknown>,
  size: SustainedSize,
  serviceEnv: Record<string, string>,
  chartFile: string,
): Promise<Record<string, unknown>> {
  await pool.query(`drop schema if exists "${SCHEMA}" cascade`);
  const env = { INGEST_MAX_BACKLOG: String(MAX_BACKLOG), ...serviceEnv };
  const maxTail = loadConfig(env).INDEX_MAX_TAIL_CHUNKS;
  const app = await startService(url, SCHEMA, env);
  const client = new HttpClient(app.baseUrl);
  const started = Date.now();
  const elapsed = () => (Date.now() - started) / 1000;
  const running = () => elapsed() < size.seconds;
  let accepted = 0;
  let refused = 0;
  const searches: { at: number; ms: number }[] = [];
  const samples: Sample[] = [];
  try {
    const ingest = async (connection: number) => {
      for (let next = connection * BATCH_DOCUMENTS; running(); next += INGEST_CONNECTIONS * BATCH_DOCUMENTS) {
        const batch = Array.from({ length: BATCH_DOCUMENTS }, (_, i) => ({ text: documents[(next + i) % documents.length], chunking }));
        const response = await client.json('POST', '/v1/ingest/batch', { documents: batch });
        if (response.status === 202) accepted += BATCH_DOCUMENTS;
        else if (response.status === 503) {
          refused++;
          await new Promise((resolve) => setTimeout(resolve, 200));
        } else throw new Error(`batch ingest answered ${response.status}: ${JSON.stringify(response.body)}`);
      }
    };
    const search = async () => {
      for (let i = 0; running(); i++) {
        const t = process.hrtime.bigint();
        const response = await client.json('POST', '/v1/search', { query: queries[i % queries.length], top_k: 10 });
        if (response.status !== 200) throw new Error(`search answered ${response.status}: ${JSON.stringify(response.body)}`);
        searches.push({ at: elapsed(), ms: Number(process.hrtime.bigint() - t) / 1e6 });
      }
    };
    const sample = async () => {
      while (running()) {
        const { tail } = await indexState(pool, SCHEMA);
        const { rows } = await pool.query<{ n: string | null }>(`select max(seq) as n from "${SCHEMA}".chunk_vectors`);
        samples.push({ second: round(elapsed(), 1), tail, chunks: Number(rows[0].n ?? 0) });
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    };
    await Promise.all([...Array.from({ length: INGEST_CONNECTIONS }, (_, c) => ingest(c)), search(), sample()]);
  } finally {
    client.close();
    await app.stop();
  }
  const windows: { from: number; p99: number; searches: number }[] = [];
  for (let from = 0; from < size.seconds; from += WINDOW_SECONDS) {
    const inWindow = searches.filter((s) => s.at >= from && s.at < from + WINDOW_SECONDS).map((s) => s.ms);
    if (inWindow.length > 0) windows.push({ from, p99: round(percentile(inWindow, 99), 1), searches: inWindow.length });
  }
  for (const s of samples) s.searchP99 = windows.find((w) => s.second >= w.from && s.second < w.from + WINDOW_SECONDS)?.p99;
  const first = samples.find((s) => s.chunks > 0) ?? samples[0];
  const last = samples.at(-1)!;
  const chunksPerSecond = (last.chunks - first.chunks) / Math.max(1e-9, last.second - first.second);
  await renderChart(chartFile, samples, { tailBound: 2 * maxTail, p99Target: 100, seconds: size.seconds });
  const overall = latencySummary(searches.map((s) => s.ms));
  return {
    seconds: size.seconds,
    documentsAccepted: accepted,
    requestsRefused503: refused,
    chunksStored: last.chunks,
    chunksPerSecond: round(chunksPerSecond, 0),
    tailBound: 2 * maxTail,
    maxTail: Math.max(...samples.map((s) => s.tail)),
    searches: searches.length,
    searchMs: { p50: round(overall.p50, 1), p99: round(overall.p99, 1) },
    maxWindowP99: Math.max(...windows.map((w) => w.p99)),
    windows,
    samples,
    chart: chartFile,
  };
}
