import type { Pool } from 'pg';
import type { HashingEmbedder } from '../src/embedding/hashing.embedder';
import type { AppProcess } from '../test/support/app-process';
import type { Corpus } from './corpus';
import { HttpClient } from './lib/http-client';
import { prepareRows, vectorLiteral } from './lib/rows';
import { seedServiceTables, startService, waitUntilIndexed } from './lib/service';
import { latencySummary, round } from './lib/stats';

const SHARED_SCHEMA = 'bench_tenant';
const ALONE_SCHEMA = 'bench_tenant_alone';
const TENANT = 'tenant';
const TOP_K = 10;

export interface TenantSize {
  /** Chunks of the other collections (the default one) in the shared store. */
  storeChunks: number;
  /** Documents of the tenant's collection (~7 chunks each). */
  tenantDocuments: number;
  documentChars: number;
  queries: number;
}

/** Ingests documents into a collection through the API until all are completed (run.ts's ingestThroughApi). */
export type IngestInto = (app: AppProcess, schema: string, documents: string[], collection: string) => Promise<unknown>;

/**
 * `tenant`: a small collection (~1,000 chunks) inside a large store (~100k chunks of another collection),
 * ingested through the API and searched as ingestion left it: is top_k always filled, what recall@10 against an
 * exact scan of the collection, and how fast against the same search in a store holding only that collection.
 */
export async function measureTenant(
  url: string,
  pool: Pool,
  corpus: Corpus,
  embedder: HashingEmbedder,
  size: TenantSize,
  ingestInto: IngestInto,
  serviceEnv: Record<string, string>,
): Promise<Record<string, unknown>> {
  const tenantDocuments = corpus.documents(size.tenantDocuments, size.documentChars).map((d) => d.text);
  const queries = Array.from({ length: size.queries }, () => corpus.query(corpus.randomTopic()));
  const vectors = queries.map((q) => embedder.embedOne(q));

  const shared = await searchStore(SHARED_SCHEMA, async (app) => {
    const others: string[] = [];
    for (let chunks = 0; chunks < size.storeChunks; chunks += Math.ceil(size.documentChars / 800)) {
      others.push(corpus.document(corpus.randomTopic(), size.documentChars));
    }
    await seedServiceTables(pool, SHARED_SCHEMA, prepareRows(others, embedder));
    await ingestInto(app, SHARED_SCHEMA, tenantDocuments, TENANT);
  });
  const sharedFigures = { ...shared.figures, ...(await recall(pool, SHARED_SCHEMA, vectors, shared.answers)) };
  const alone = await searchStore(ALONE_SCHEMA, (app) => ingestInto(app, ALONE_SCHEMA, tenantDocuments, TENANT));
  const aloneFigures = { ...alone.figures, ...(await recall(pool, ALONE_SCHEMA, vectors, alone.answers)) };
  console.log(`[bench] tenant: in the shared store ${JSON.stringify(sharedFigures)}; alone ${JSON.stringify(aloneFigures)}`);
  return { shared: sharedFigures, alone: aloneFigures };

  /** Fills a store, lets the service index it by itself, then runs the queries over HTTP in the tenant's collection. */
  async function searchStore(
    schema: string,
    fill: (app: AppProcess) => Promise<unknown>,
  ): Promise<{ figures: Record<string, unknown>; answers: number[][] }> {
    await pool.query(`drop schema if exists "${schema}" cascade`);
    const app = await startService(url, schema, serviceEnv);
    const client = new HttpClient(app.baseUrl);
    try {
      await fill(app);
      await waitUntilIndexed(pool, schema);
      const { rows } = await pool.query<{ chunks: number; store: number }>(
        `select count(*) filter (where collection = $1)::int as chunks, count(*)::int as store from "${schema}".chunk_vectors`,
        [TENANT],
      );
      const latencies: number[] = [];
      const answers: number[][] = [];
      for (const query of queries) {
        const t = process.hrtime.bigint();
        const response = await client.json<{ results: { score: number }[] }>('POST', '/v1/search', { query, top_k: TOP_K, collection: TENANT });
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
        if (response.status !== 200) throw new Error(`search answered ${response.status}`);
        answers.push(response.body.results.map((r) => 1 - r.score));
      }
      const { p50, p95, p99 } = latencySummary(latencies);
      return {
        figures: {
          tenantChunks: rows[0].chunks,
          storeChunks: rows[0].store,
          httpMs: { p50: round(p50, 2), p95: round(p95, 2), p99: round(p99, 2) },
          filled: round(answers.filter((a) => a.length === TOP_K).length / answers.length, 3),
        },
        answers,
      };
    } finally {
      client.close();
      await app.stop();
    }
  }
}

/** Recall@10 of the answers (their distances) against an exact scan of the tenant's collection. */
async function recall(pool: Pool, schema: string, vectors: Float32Array[], answers: number[][]): Promise<{ recallAt10: number }> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('set local enable_indexscan = off');
    let hits = 0;
    for (const [i, vector] of vectors.entries()) {
      const { rows } = await client.query<{ distance: number }>(
        `select embedding <=> $1::vector as distance from "${schema}".chunk_vectors where collection = $2 order by 1 limit ${TOP_K}`,
        [vectorLiteral(vector), TENANT],
      );
      const boundary = rows[rows.length - 1].distance + 1e-6;
      hits += answers[i].filter((distance) => distance <= boundary).length;
    }
    await client.query('commit');
    return { recallAt10: round(hits / (vectors.length * TOP_K), 3) };
  } finally {
    client.release();
  }
}
