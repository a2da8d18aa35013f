import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { loadConfig } from '../src/config/app-config';
import { HashingEmbedder } from '../src/embedding/hashing.embedder';
import { AppProcess, SERVICE_NODE_ARGS } from '../test/support/app-process';
import { indexState, seedServiceTables, startService, untilFinished, waitUntilIndexed } from './lib/service';
import { HttpClient } from './lib/http-client';
import { KeywordSize, measureKeyword } from './keyword';
import { Corpus } from './corpus';
import { createPool, pgvectorVersion, recreateSchema, serverVersion } from './lib/database';
import { LangchainPeer } from './lib/langchain-peer';
import { measureOrganic } from './organic';
import { measureProvider, providerDocuments } from './provider';
import { measureEmbedded } from './embedded';
import { measureSustained, SustainedSize } from './sustained';
import { measureTenant, TenantSize } from './tenant';
import { RawCopy } from './lib/raw-copy';
import { ChunkRow, CHUNKING, prepareRows, vectorLiteral } from './lib/rows';
import { formatTable, tableOf } from './lib/report';
import { inParallel, latencySummary, round, timed } from './lib/stats';
import { segmentCondition } from '../src/vector-store/index-segments';

interface Size {
  name: string;
  /** Service settings for this size (the smoke corpus is smaller than the default minimum segment). */
  serviceEnv: Record<string, string>;
  documents: number;
  documentChars: number;
  topics: number;
  searchScales: number[];
  queries: number;
  scaleBatchDocuments: number;
  keyword: Omit<KeywordSize, 'serviceEnv'>;
  /** Documents of ~125 chunks for the provider part. */
  providerDocuments: number;
  tenant: TenantSize;
  sustained: SustainedSize;
}

const SIZES: Record<string, Size> = {
  smoke: {
    name: 'smoke',
    serviceEnv: { INDEX_MIN_SEGMENT_CHUNKS: '100' },
    documents: 40,
    documentChars: 5000,
    topics: 20,
    searchScales: [1000, 3000],
    queries: 20,
    scaleBatchDocuments: 10,
    keyword: { chunks: 1500, documentChars: 5000, queries: 10, referenceQueries: 5 },
    providerDocuments: 8,
    tenant: { storeChunks: 3000, tenantDocuments: 15, documentChars: 5000, queries: 20 },
    sustained: { seconds: 20 },
  },
  full: {
    name: 'full',
    serviceEnv: {},
    documents: 2000,
    documentChars: 5000,
    topics: 300,
    searchScales: [10_000, 100_000],
    queries: 500,
    scaleBatchDocuments: 200,
    keyword: { chunks: 100_000, documentChars: 5000, queries: 200, referenceQueries: 20 },
    providerDocuments: 100,
    tenant: { storeChunks: 100_000, tenantDocuments: 150, documentChars: 5000, queries: 200 },
    sustained: { seconds: 300 },
  },
};

const SEED = 20261125;
const SERVICE_SCHEMA = 'bench_service';
const SEARCH_SCHEMA = 'bench_search';
const PEER_SCHEMA = 'bench_peer';
const MEMORY_SCHEMA = 'bench_memory';
const TOP_K = 10;
const RECALL_QUERIES_LARGE = 50;
/** Documents a request when the bench loads through POST /v1/ingest/batch, as a bulk load would. */
const BATCH_DOCUMENTS = 50;

type Figures = Record<string, unknown>;

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('Set DATABASE_URL to a PostgreSQL with pgvector (the bench creates and drops bench_* schemas there).');
  const size = SIZES[process.env.BENCH_SIZE ?? 'full'] ?? SIZES.full;
  if (process.env.BENCH_LARGE === '1') size.searchScales.push(1_000_000);
  const pool = createPool(url, { maintenanceWorkMem: '1GB' });
  const embedder = new HashingEmbedder(loadConfig({}));
  const corpus = new Corpus({ seed: SEED, topics: size.topics });
  const figures: Figures = {};
  try {
    figures.environment = await environment(pool, size);
    log(`corpus: ${size.documents} documents of ~${size.documentChars} characters (seed ${SEED})`);
    const documents = corpus.documents(size.documents, size.documentChars).map((d) => d.text);
    const rows = prepareRows(documents, embedder);
    figures.corpus = { documents: documents.length, bytes: documents.reduce((n, d) => n + Buffer.byteLength(d), 0), chunks: rows.length };

    figures.embedder = measureEmbedder(embedder, rows);
    figures.stages = measureStages(documents, embedder);
    // BENCH_PARTS=ingest (or search, memory, keyword, organic, tenant, provider, sustained, embedded) runs one part alone while working on it; the table needs all.
    const parts = new Set((process.env.BENCH_PARTS ?? 'ingest,search,memory,keyword,organic,tenant,provider,sustained,embedded').split(','));
    if (parts.has('ingest')) figures.ingest = await measureIngest(url, pool, documents, rows, embedder, size);
    if (parts.has('search')) figures.search = await measureSearch(url, pool, corpus, embedder, size);
    if (parts.has('memory')) figures.memory = await measureMemory(url, pool, size);
    if (parts.has('keyword')) figures.keyword = await measureKeyword(url, pool, embedder, { ...size.keyword, serviceEnv: size.serviceEnv }, log);
    if (parts.has('organic')) {
      const queries = Array.from({ length: size.queries }, () => corpus.query(corpus.randomTopic()));
      const ingest = (app: AppProcess, schema: string, docs: string[]) =>
        ingestThroughApi(app, pool, schema, docs, { waitForIndex: false, perRequest: BATCH_DOCUMENTS });
      figures.organic = await measureOrganic(url, pool, documents, queries, embedder, ingest, size.serviceEnv);
    }
    if (parts.has('tenant')) {
      const ingestInto = (app: AppProcess, schema: string, docs: string[], collection: string) =>
        ingestThroughApi(app, pool, schema, docs, { waitForIndex: false, perRequest: BATCH_DOCUMENTS, collection });
      figures.tenant = await measureTenant(url, pool, corpus, embedder, size.tenant, ingestInto, size.serviceEnv);
    }
    if (parts.has('provider')) figures.provider = await measureProvider(url, pool, providerDocuments(documents, size.providerDocuments));
    if (parts.has('sustained')) {
      const queries = Array.from({ length: size.queries }, () => corpus.query(corpus.randomTopic()));
      const chart = resultFile(size, '-sustained.png');
      figures.sustained = await measureSustained(url, pool, documents, queries, CHUNKING, size.sustained, size.serviceEnv, chart);
    }
    if (parts.has('embedded')) {
      const queries = Array.from({ length: size.queries }, () => corpus.query(corpus.randomTopic()));
      figures.embedded = await measureEmbedded(url, pool, documents, queries, embedder, CHUNKING, size.serviceEnv);
    }
  } finally {
    await pool.end();
  }
  report(figures);
}

function log(message: string): void {
  console.log(`[bench] ${message}`);
}

async function environment(pool: Pool, size: Size): Promise<Figures> {
  return {
    date: new Date().toISOString(),
    size: size.name,
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    postgres: await serverVersion(pool),
    pgvector: await pgvectorVersion(pool),
  };
}

/** The built-in embedder alone, on one core (this process's thread). */
function measureEmbedder(embedder: HashingEmbedder, rows: ChunkRow[]): Figures {
  const texts = rows.map((r) => r.text);
  const started = process.hrtime.bigint();
  for (const text of texts) embedder.embedOne(text);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const averageChars = texts.reduce((n, t) => n + t.length, 0) / texts.length;
  log(`embedder: ${round(texts.length / seconds, 0)} chunks/s of ${round(averageChars, 0)} characters`);
  return { chunksPerSecond: round(texts.length / seconds, 0), averageChunkChars: round(averageChars, 0) };
}

/** Chunking and embedding of the whole corpus, each alone, in-process: the CPU share of the ingest path. */
function measureStages(documents: string[], embedder: HashingEmbedder): Figures {
  const chunkStarted = process.hrtime.bigint();
  const chunks = prepareRows(documents, { embedOne: () => new Float32Array(0) } as unknown as HashingEmbedder);
  const chunkSeconds = Number(process.hrtime.bigint() - chunkStarted) / 1e9;
  const embedStarted = process.hrtime.bigint();
  for (const c of chunks) embedder.embedOne(c.text);
  const embedSeconds = Number(process.hrtime.bigint() - embedStarted) / 1e9;
  return { chunkSeconds: round(chunkSeconds, 3), embedSeconds: round(embedSeconds, 3) };
}

/**
 * Ingest, end to end: every document POSTed through the HTTP API until all are `completed`, while a client
 * measures GET /v1/status latency; then the same rows through raw COPY and LangChain, with the HNSW index
 * present during the load (steady state) and built after it (bulk load).
 */
async function measureIngest(
  url: string,
  pool: Pool,
  documents: string[],
  rows: ChunkRow[],
  embedder: HashingEmbedder,
  size: Size,
): Promise<Figures> {
  const throughService = async (perRequest: number): Promise<Figures> => {
    await pool.query(`drop schema if exists "${SERVICE_SCHEMA}" cascade`);
    const app = await startService(url, SERVICE_SCHEMA, size.serviceEnv);
    try {
      const figures = await ingestThroughApi(app, pool, SERVICE_SCHEMA, documents, { waitForIndex: true, perRequest });
      log(
        `service, ${perRequest} document(s) a request: ${figures.chunks} chunks completed in ${figures.seconds} s = ${figures.chunksPerSecond} chunks/s; all indexed after ${figures.indexedSeconds} s`,
      );
      return figures;
    } finally {
      await app.stop();
    }
  };
  const serviceSingle = await throughService(1);
  // Last, so the peers below are compared with the service's own tables as this run left them.
  const service = await throughService(BATCH_DOCUMENTS);

  await recreateSchema(pool, PEER_SCHEMA);
  const serviceTable = `"${SERVICE_SCHEMA}".chunk_vectors`;
  const raw = new RawCopy(pool, serviceTable, `${PEER_SCHEMA}.raw_chunks`);
  await raw.create(true);
  const rawIndexed = await timed(() => raw.load(rows));
  log(`raw COPY into indexed table: ${round(rows.length / rawIndexed.seconds, 0)} chunks/s`);
  await raw.create(false);
  const rawLoad = await timed(() => raw.load(rows));
  const rawIndex = await timed(() => raw.createVectorIndex());
  log(`raw COPY then CREATE INDEX: ${round(rawLoad.seconds + rawIndex.seconds, 2)} s`);

  const steadyPeer = new LangchainPeer(url, embedder, PEER_SCHEMA, 'langchain_chunks');
  await steadyPeer.create(true);
  const peerIndexed = await timed(() => steadyPeer.ingest(documents));
  await steadyPeer.close();
  log(`LangChain into indexed table: ${round(peerIndexed.result / peerIndexed.seconds, 0)} chunks/s`);
  const bulkPeer = new LangchainPeer(url, embedder, PEER_SCHEMA, 'langchain_chunks');
  await bulkPeer.create(false);
  const peerLoad = await timed(() => bulkPeer.ingest(documents));
  const peerIndex = await timed(() => bulkPeer.createVectorIndex());
  await bulkPeer.close();
  log(`LangChain load then index: ${round(peerLoad.seconds + peerIndex.seconds, 2)} s`);

  return {
    service,
    serviceSingle,
    rawCopy: {
      indexedChunksPerSecond: round(rows.length / rawIndexed.seconds, 0),
      bulkLoadSeconds: round(rawLoad.seconds, 2),
      bulkIndexSeconds: round(rawIndex.seconds, 2),
    },
    langchain: {
      chunks: peerIndexed.result,
      indexedChunksPerSecond: round(peerIndexed.result / peerIndexed.seconds, 0),
      bulkLoadSeconds: round(peerLoad.seconds, 2),
      bulkIndexSeconds: round(peerIndex.seconds, 2),
    },
  };
}

/**
 * POSTs `documents`, one a request to POST /v1/ingest (16 in flight) or `perRequest` a request to POST
 * /v1/ingest/batch (2 in flight), and waits until all are completed, and with `waitForIndex` until every chunk
 * is in an HNSW segment; samples status latency meanwhile.
 */
async function ingestThroughApi(
  app: AppProcess,
  pool: Pool,
  schema: string,
  documents: string[],
  options: { waitForIndex: boolean; perRequest: number; collection?: string },
): Promise<Figures> {
  const client = new HttpClient(app.baseUrl);
  const ids: string[] = [];
  const statusLatencies: number[] = [];
  let done = false;
  const started = process.hrtime.bigint();
  const sampler = (async () => {
    while (!done) {
      const id = ids[Math.floor(Math.random() * ids.length)];
      if (id) {
        const t = process.hrtime.bigint();
        await client.json('GET', `/v1/status/${id}`);
        statusLatencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  if (options.perRequest === 1) {
    await inParallel(documents, 16, async (text) => {
      const response = await client.json('POST', '/v1/ingest', { text, chunking: CHUNKING });
      if (response.status !== 202) throw new Error(`ingest answered ${response.status}: ${JSON.stringify(response.body)}`);
      ids.push(response.body.id);
    });
  } else {
    const batches = Array.from({ length: Math.ceil(documents.length / options.perRequest) }, (_, i) =>
      documents.slice(i * options.perRequest, (i + 1) * options.perRequest),
    );
    await inParallel(batches, 2, async (batch) => {
      const response = await client.json('POST', '/v1/ingest/batch', {
        documents: batch.map((text) => ({ text, chunking: CHUNKING, collection: options.collection })),
      });
      if (response.status !== 202) throw new Error(`batch ingest answered ${response.status}: ${JSON.stringify(response.body)}`);
      ids.push(...response.body.ingestions.map((i: { id: string }) => i.id));
    });
  }
  const postedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const counts = await untilFinished(pool, schema, ids);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  done = true;
  await sampler;
  client.close();
  if (counts.failed > 0) throw new Error(`${counts.failed} ingestions failed`);
  if (options.waitForIndex) await waitUntilIndexed(pool, schema);
  const indexedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    documents: documents.length,
    chunks: counts.chunks,
    seconds: round(seconds, 2),
    postedSeconds: round(postedSeconds, 2),
    chunksPerSecond: round(counts.chunks / seconds, 0),
    documentsPerSecond: round(documents.length / seconds, 1),
    ...(options.waitForIndex ? { indexedSeconds: round(indexedSeconds, 2) } : {}),
    statusLatencyMs: mapValues(latencySummary(statusLatencies), (v) => round(v, 1)),
  };
}

/**
 * Search at each scale: chunks are loaded straight into the service's tables (COPY, index rebuilt), then
 * queries go over HTTP, through LangChain's similaritySearch on its own table holding the same chunks, and
 * as raw SQL on one connection; recall@10 of the HNSW answers against an exact scan.
 */
async function measureSearch(url: string, pool: Pool, corpus: Corpus, embedder: HashingEmbedder, size: Size): Promise<Figures> {
  await pool.query(`drop schema if exists "${SEARCH_SCHEMA}" cascade`);
  const app = await startService(url, SEARCH_SCHEMA, size.serviceEnv);
  const results: Figures[] = [];
  try {
    const queries = Array.from({ length: size.queries }, () => corpus.query(corpus.randomTopic()));
    const queryVectors = queries.map((q) => embedder.embedOne(q));
    let loaded = 0;
    for (const scale of size.searchScales) {
      const more: string[] = [];
      let chunks = 0;
      while (loaded + chunks < scale) {
        const text = corpus.document(corpus.randomTopic(), size.documentChars);
        more.push(text);
        chunks += Math.max(1, Math.ceil((text.length - CHUNKING.chunk_overlap) / (CHUNKING.chunk_size - CHUNKING.chunk_overlap)));
      }
      const newRows = prepareRows(more, embedder);
      const load = await timed(() => seedServiceTables(pool, SEARCH_SCHEMA, newRows));
      loaded += newRows.length;
      log(`search corpus: ${loaded} chunks (load + index rebuild ${round(load.seconds, 1)} s)`);

      const client = new HttpClient(app.baseUrl);
      const http = await timeQueries(queries, async (q) => {
        const response = await client.json('POST', '/v1/search', { query: q, top_k: TOP_K });
        if (response.status !== 200 || response.body.results.length !== TOP_K) throw new Error(`search answered ${response.status}`);
      });
      client.close();
      const raw = await rawSqlSearch(pool, SEARCH_SCHEMA, queryVectors);
      const batch = corpus.documents(size.scaleBatchDocuments, size.documentChars).map((d) => d.text);
      const ingestBatch = await ingestThroughApi(app, pool, SEARCH_SCHEMA, batch, { waitForIndex: false, perRequest: BATCH_DOCUMENTS });
      loaded += Number(ingestBatch.chunks);

      // The peer holds every chunk in this process's memory on the way in: beyond 100k (BENCH_LARGE) it is left out.
      const langchain = scale <= 100_000 ? await langchainSearch(url, pool, embedder, queries) : undefined;
      log(
        `at ${loaded} chunks: HTTP p50 ${round(http.p50, 2)} ms, raw SQL p50 ${round(raw.latency.p50, 2)} ms, LangChain p50 ${round(langchain?.p50 ?? NaN, 2)} ms, recall@10 ${raw.recall}`,
      );
      results.push({
        chunks: loaded,
        loadAndIndexSeconds: round(load.seconds, 1),
        hnswIndexMb: await hnswIndexMb(pool, SEARCH_SCHEMA),
        httpMs: mapValues(http, (v) => round(v, 2)),
        rawSqlMs: mapValues(raw.latency, (v) => round(v, 2)),
        ...(langchain ? { langchainMs: mapValues(langchain, (v) => round(v, 2)) } : {}),
        recallAt10: raw.recall,
        ingestChunksPerSecond: ingestBatch.chunksPerSecond,
      });
    }
  } finally {
    await app.stop();
  }
  return { scales: results };
}

/** The same queries through LangChain's similaritySearch on its own table holding the service's chunks. */
async function langchainSearch(url: string, pool: Pool, embedder: HashingEmbedder, queries: string[]) {
  const peer = new LangchainPeer(url, embedder, PEER_SCHEMA, 'langchain_search');
  try {
    await peer.create(false);
    await peer.addRows(await readServiceRows(pool, SEARCH_SCHEMA));
    await peer.createVectorIndex();
    return await timeQueries(queries, async (q) => {
      if ((await peer.search(q, TOP_K)) !== TOP_K) throw new Error('LangChain returned too few results');
    });
  } finally {
    await peer.close();
  }
}

/** The size of the service's HNSW segment indexes, in MB. */
async function hnswIndexMb(pool: Pool, schema: string): Promise<number> {
  const { rows } = await pool.query<{ bytes: string | null }>(
    `select sum(pg_relation_size(c.oid)) as bytes from pg_class c where c.relnamespace = $1::regnamespace and c.relname like 'chunk_vectors_hnsw_%'`,
    [`"${schema}"`],
  );
  return round(Number(rows[0].bytes ?? 0) / 2 ** 20, 1);
}

async function timeQueries(queries: string[], run: (q: string) => Promise<void>): Promise<{ p50: number; p95: number; p99: number }> {
  for (const q of queries.slice(0, 10)) await run(q); // warm-up
  const latencies: number[] = [];
  for (const q of queries) {
    const t = process.hrtime.bigint();
    await run(q);
    latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return latencySummary(latencies);
}

/** The store's own query on one connection, timed; and recall@10 against an exact (sequential) scan. */
async function rawSqlSearch(
  pool: Pool,
  schema: string,
  vectors: Float32Array[],
): Promise<{ latency: { p50: number; p95: number; p99: number }; recall: number }> {
  const client = await pool.connect();
  try {
    // The service searches with ef_search = SEARCH_EF_SEARCH: measure the same index search it runs, on the
    // segments the indexer has left, one per partition (the range condition is what lets the planner use each
    // partial index), merged by distance.
    await client.query(`set hnsw.ef_search = ${loadConfig({}).SEARCH_EF_SEARCH}`);
    const { segments } = await indexState(pool, schema);
    const nearestIn = (segment: { seqFrom: number; seqTo: number }) =>
      `(select chunk_id, embedding <=> $1::vector as distance from "${schema}".chunk_vectors
         where ${segmentCondition(segment)} order by embedding <=> $1::vector limit ${TOP_K})`;
    const sql = `with nearest as materialized (${segments.map(nearestIn).join(' union all ')}) select * from nearest order by distance limit ${TOP_K}`;
    const latencies: number[] = [];
    let hits = 0;
    // An exact scan of 1M chunks (BENCH_LARGE: several partitions) takes seconds: recall there is taken on the
    // first RECALL_QUERIES_LARGE queries.
    const recallQueries = segments.length > 1 ? Math.min(RECALL_QUERIES_LARGE, vectors.length) : vectors.length;
    for (const [i, vector] of vectors.entries()) {
      const literal = vectorLiteral(vector);
      const t = process.hrtime.bigint();
      const approximate = await client.query<{ chunk_id: string; distance: number }>(sql, [literal]);
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (i >= recallQueries) continue;
      await client.query('begin');
      await client.query('set local enable_indexscan = off');
      const exact = await client.query<{ chunk_id: string; distance: number }>(sql, [literal]);
      await client.query('commit');
      // A hit is any answer no farther than the 10th exact one: ties at the boundary are interchangeable.
      const boundary = exact.rows[exact.rows.length - 1].distance + 1e-9;
      hits += approximate.rows.filter((r) => r.distance <= boundary).length;
    }
    return { latency: latencySummary(latencies), recall: round(hits / (recallQueries * TOP_K), 3) };
  } finally {
    await client.query('reset hnsw.ef_search');
    client.release();
  }
}

async function readServiceRows(pool: Pool, schema: string): Promise<ChunkRow[]> {
  const { rows } = await pool.query<{ chunk_text: string; embedding: string }>(`select chunk_text, embedding::text from "${schema}".chunk_vectors`);
  return rows.map((r) => ({
    chunkId: '',
    ingestionId: '',
    index: 0,
    text: r.chunk_text,
    start: 0,
    end: 0,
    embedding: Float32Array.from(JSON.parse(r.embedding) as number[]),
  }));
}

/**
 * Peak RSS of the service while it ingests one long text (50,000,000 characters; 2,000,000 for the smoke size)
 * uploaded as a .txt file, from its start until the text is completed: VmHWM of its process. Measured twice:
 * as `npm run start:prod` runs it (V8's young generation capped), and with V8's defaults, whose young generation grows to
 * 128 MB on a machine this size under any sustained load.
 */
async function measureMemory(url: string, pool: Pool, size: Size): Promise<Figures> {
  const chars = size.name === 'smoke' ? 2_000_000 : 50_000_000;
  const corpus = new Corpus({ seed: SEED + 1, topics: 1 });
  const text = corpus.document(0, chars).slice(0, chars);
  const runs: Figures[] = [];
  for (const nodeArgs of [SERVICE_NODE_ARGS, []]) {
    await pool.query(`drop schema if exists "${MEMORY_SCHEMA}" cascade`);
    const app = await startService(url, MEMORY_SCHEMA, size.serviceEnv, nodeArgs);
    try {
      const started = process.hrtime.bigint();
      const form = new FormData();
      form.append('file', new Blob([text], { type: 'text/plain' }), 'corpus.txt');
      const response = await fetch(`${app.baseUrl}/v1/ingest/file`, { method: 'POST', body: form });
      const accepted = (await response.json()) as { id: string };
      if (response.status !== 202) throw new Error(`upload answered ${response.status}: ${JSON.stringify(accepted)}`);
      const done = await app.waitForStatus(accepted.id, 'completed', 30 * 60_000);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      runs.push({ nodeArgs: nodeArgs.join(' '), chunks: done.chunk_count, seconds: round(seconds, 1), peakRssMb: round(app.peakRssMb(), 0) });
      log(
        `memory (${nodeArgs.join(' ') || 'V8 defaults'}): ${chars} characters, ${done.chunk_count} chunks in ${round(seconds, 1)} s, peak RSS ${round(app.peakRssMb(), 0)} MB`,
      );
    } finally {
      await app.stop();
    }
  }
  const [capped, defaults] = runs;
  return { textBytes: Buffer.byteLength(text), ...capped, peakRssMbV8Defaults: defaults.peakRssMb, secondsV8Defaults: defaults.seconds };
}

function mapValues<T extends Record<string, number>>(values: T, fn: (v: number) => number): T {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, fn(v)])) as T;
}

/** bench/results/<date>[-smoke]<suffix>: a run's files, named by its day and size. */
function resultFile(size: Pick<Size, 'name'>, suffix: string): string {
  const dir = join(process.cwd(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  return join(dir, `${new Date().toISOString().slice(0, 10)}${size.name === 'smoke' ? '-smoke' : ''}${suffix}`);
}

function report(figures: Figures): void {
  const file = resultFile({ name: String((figures.environment as Figures).size) }, '.json');
  writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
  const env = figures.environment as Figures;
  console.log(
    `\n${env.size} run, ${env.date}: ${env.cpu}, ${env.memoryGiB} GiB, Node ${env.node}, PostgreSQL ${env.postgres}, pgvector ${env.pgvector}\n`,
  );
  console.log(formatTable(tableOf(figures)));
  console.log(`\nall figures: ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
