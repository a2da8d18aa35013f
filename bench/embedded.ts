import * as lancedb from '@lancedb/lancedb';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import type { HashingEmbedder } from '../src/embedding/hashing.embedder';
import { AppProcess } from '../test/support/app-process';
import { HttpClient } from './lib/http-client';
import { prepareRows } from './lib/rows';
import { startService } from './lib/service';
import { inParallel, latencySummary, round } from './lib/stats';

const NATIVE_SCHEMA = 'bench_embedded_native';
const BATCH_DOCUMENTS = 50;
const TOP_K = 10;

interface Side {
  /** From the first POST until every ingestion completed and no chunk was left unindexed. */
  secondsUntilIndexed: number;
  chunksPerSecond: number;
  searchMs: { p50: number; p99: number };
}

/**
 * `embedded`: the same corpus through the same API into the service on native PostgreSQL and on its embedded
 * default (PGlite, DATA_DIR), each measured from the first POST until completed and indexed (read from
 * GET /v1/collections and the vector_index_* metrics, which both databases answer alike), then searched over
 * HTTP. Beside them LanceDB (embedded, in this process) given the same documents, chunked and embedded alike:
 * time until searchable and search p50, without HTTP in between (and without an ANN index: it scans).
 */
export async function measureEmbedded(
  url: string,
  pool: Pool,
  documents: string[],
  queries: string[],
  embedder: HashingEmbedder,
  chunking: Record<string, unknown>,
  serviceEnv: Record<string, string>,
): Promise<Record<string, unknown>> {
  await pool.query(`drop schema if exists "${NATIVE_SCHEMA}" cascade`);
  const native = await throughService(await startService(url, NATIVE_SCHEMA, serviceEnv), documents, queries, chunking);
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-embedded-'));
  try {
    const app = await AppProcess.start({ DATA_DIR: dataDir, POLL_INTERVAL_MS: '20', LOG_LEVEL: 'warn', RATE_LIMIT_MAX: '0', ...serviceEnv });
    const embedded = await throughService(await app.ready(60_000), documents, queries, chunking);
    const lance = await throughLanceDb(documents, queries, embedder);
    return {
      native,
      embedded,
      lancedb: lance,
      embeddedVsNative: {
        ingest: round(embedded.chunksPerSecond / native.chunksPerSecond, 2),
        searchP50: round(embedded.searchMs.p50 / native.searchMs.p50, 2),
      },
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function throughService(app: AppProcess, documents: string[], queries: string[], chunking: Record<string, unknown>): Promise<Side> {
  const client = new HttpClient(app.baseUrl);
  try {
    const started = process.hrtime.bigint();
    const batches = Array.from({ length: Math.ceil(documents.length / BATCH_DOCUMENTS) }, (_, i) =>
      documents.slice(i * BATCH_DOCUMENTS, (i + 1) * BATCH_DOCUMENTS),
    );
    await inParallel(batches, 2, async (batch) => {
      const response = await client.json('POST', '/v1/ingest/batch', { documents: batch.map((text) => ({ text, chunking })) });
      if (response.status !== 202) throw new Error(`batch ingest answered ${response.status}: ${JSON.stringify(response.body)}`);
    });
    const chunks = await untilCompletedAndIndexed(client, documents.length);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const latencies: number[] = [];
    for (const query of queries) {
      const t = process.hrtime.bigint();
      const response = await client.json('POST', '/v1/search', { query, top_k: TOP_K });
      if (response.status !== 200) throw new Error(`search answered ${response.status}`);
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const { p50, p99 } = latencySummary(latencies);
    return {
      secondsUntilIndexed: round(seconds, 2),
      chunksPerSecond: round(chunks / seconds, 0),
      searchMs: { p50: round(p50, 2), p99: round(p99, 2) },
    };
  } finally {
    client.close();
    await app.stop();
  }
}

/** Polls until `documents` ingestions of the default collection completed and the tail is indexed; the chunks stored (30 minutes at most). */
async function untilCompletedAndIndexed(client: HttpClient, documents: number): Promise<number> {
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    const { body } = await client.json<{ ingestions: Record<string, number>; chunks: number }>('GET', '/v1/collections/default');
    if (body.ingestions.failed > 0) throw new Error(`${body.ingestions.failed} ingestions failed`);
    if (body.ingestions.completed >= documents && (await unindexedChunks(client)) === 0) return body.chunks;
    if (Date.now() > deadline) throw new Error(`not completed and indexed after 30 minutes: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function unindexedChunks(client: HttpClient): Promise<number> {
  const text = await client.text('GET', '/metrics');
  const line = text.split('\n').find((l) => l.startsWith('vector_index_unindexed_chunks '));
  if (!line) throw new Error('no vector_index_unindexed_chunks in /metrics');
  return Number(line.split(' ')[1]);
}

/** Chunked and embedded as the service does (bench/lib/rows.ts), then loaded: all of it counted until searchable. */
async function throughLanceDb(
  documents: string[],
  queries: string[],
  embedder: HashingEmbedder,
): Promise<{ secondsUntilSearchable: number; chunksPerSecond: number; searchMs: { p50: number; p99: number } }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-lancedb-'));
  try {
    const db = await lancedb.connect(dir);
    const started = process.hrtime.bigint();
    const rows = prepareRows(documents, embedder);
    const table = await db.createTable(
      'chunks',
      rows.map((r) => ({ id: r.chunkId, text: r.text, vector: Array.from(r.embedding) })),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const latencies: number[] = [];
    for (const query of queries) {
      const vector = Array.from(embedder.embedOne(query));
      const t = process.hrtime.bigint();
      const hits = await table.vectorSearch(vector).distanceType('cosine').limit(TOP_K).toArray();
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (hits.length === 0) throw new Error('LanceDB found nothing');
    }
    const { p50, p99 } = latencySummary(latencies);
    return {
      secondsUntilSearchable: round(seconds, 2),
      chunksPerSecond: round(rows.length / seconds, 0),
      searchMs: { p50: round(p50, 2), p99: round(p99, 2) },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
