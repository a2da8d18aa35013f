import type { Pool } from 'pg';
import type { AppProcess } from '../test/support/app-process';
import { EmbeddingServer } from '../test/support/embedding-server';
import { HttpClient } from './lib/http-client';
import { startService, untilFinished } from './lib/service';
import { CHUNKING } from './lib/rows';
import { inParallel, round } from './lib/stats';

/** The provider the part measures against: a hosted model's shape, on loopback. */
const LATENCY_MS = 25;
const PROVIDER_CONCURRENCY = 4;
const RETRY_AFTER_SECONDS = 1;
const BATCH_SIZE = 8;
/** Long documents (~125 chunks each), so that nearly every request carries a full batch. */
const DOCUMENT_CHARS = 100_000;
const SCHEMA = 'bench_provider';

/**
 * `provider`: ingest through the service against an OpenAI-compatible server on loopback that answers each
 * request after 25 ms and takes at most 4 at once (429 with Retry-After beyond), with one worker process and
 * with two on the same database. Each run twice: EMBEDDING_CONCURRENCY set to the provider's limit, and set
 * 50% above it (the service has to find the limit from the 429s). Capacity is 4 × batch size / 25 ms.
 */
export async function measureProvider(url: string, pool: Pool, documents: string[]): Promise<Record<string, unknown>> {
  const runs: Record<string, unknown>[] = [];
  for (const concurrency of [PROVIDER_CONCURRENCY, PROVIDER_CONCURRENCY * 1.5]) {
    for (const workers of [1, 2]) runs.push(await run(url, pool, documents, { concurrency, workers }));
  }
  return {
    latencyMs: LATENCY_MS,
    providerConcurrency: PROVIDER_CONCURRENCY,
    batchSize: BATCH_SIZE,
    capacityChunksPerSecond: capacity(BATCH_SIZE),
    runs,
  };
}

/** Chunks per second the provider can embed at `inputsPerRequest`. */
const capacity = (inputsPerRequest: number) => (PROVIDER_CONCURRENCY * inputsPerRequest * 1000) / LATENCY_MS;

async function run(
  url: string,
  pool: Pool,
  documents: string[],
  { concurrency, workers }: { concurrency: number; workers: number },
): Promise<Record<string, unknown>> {
  const provider = await EmbeddingServer.start('openai', {
    script: () => ({ kind: 'embed', delayMs: LATENCY_MS }),
    limits: { concurrency: PROVIDER_CONCURRENCY, retryAfterSeconds: RETRY_AFTER_SECONDS },
  });
  await pool.query(`drop schema if exists "${SCHEMA}" cascade`);
  const env = {
    EMBEDDING_PROVIDER: 'openai',
    EMBEDDING_BASE_URL: provider.baseUrl,
    EMBEDDING_MODEL: 'bench-model',
    EMBEDDING_BATCH_SIZE: String(BATCH_SIZE),
    EMBEDDING_CONCURRENCY: String(concurrency),
    EMBEDDING_MAX_RETRIES: '10',
    TEXT_LIMIT_CHARS: String(DOCUMENT_CHARS * 2),
    // No HNSW builds meanwhile, and so no backpressure from them: this part measures the provider's share.
    INDEX_MIN_SEGMENT_CHUNKS: '1000000',
    INDEX_MAX_TAIL_CHUNKS: '1000000',
  };
  const apps: AppProcess[] = [];
  try {
    // One after the other: the first applies the migrations.
    for (let i = 0; i < workers; i++) apps.push(await startService(url, SCHEMA, env));
    const client = new HttpClient(apps[0].baseUrl);
    const started = process.hrtime.bigint();
    const ids = await inParallel(documents, 4, async (text) => {
      const response = await client.json('POST', '/v1/ingest', { text, chunking: CHUNKING });
      if (response.status !== 202) throw new Error(`ingest answered ${response.status}: ${JSON.stringify(response.body)}`);
      return response.body.id as string;
    });
    const counts = await untilFinished(pool, SCHEMA, ids);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    client.close();
    const answered = provider.requests.length - provider.throttled;
    const busySeconds = ((provider.lastAnswerAt ?? 0) - (provider.firstRequestAt ?? 0)) / 1000;
    const inputsPerRequest = counts.chunks / answered;
    const chunksPerSecond = counts.chunks / seconds;
    const figures = {
      workers,
      embeddingConcurrency: concurrency,
      chunks: counts.chunks,
      failed: counts.failed,
      seconds: round(seconds, 2),
      chunksPerSecond: round(chunksPerSecond, 0),
      requests: provider.requests.length,
      throttled: provider.throttled,
      throttledShare: round(provider.throttled / provider.requests.length, 4),
      maxInFlightAtProvider: provider.maxInFlight,
      inputsPerRequest: round(inputsPerRequest, 2),
      /** Against the capacity at full batches (the target's definition) and at the batches really sent. */
      ofCapacity: round(chunksPerSecond / capacity(BATCH_SIZE), 3),
      ofCapacityAtSentBatches: round(chunksPerSecond / capacity(inputsPerRequest), 3),
      /** While the provider was in use (its first request to its last answer): the share of its slots kept busy. */
      providerBusySeconds: round(busySeconds, 2),
      ofCapacityWhileInUse: round(counts.chunks / busySeconds / capacity(BATCH_SIZE), 3),
    };
    console.log(`[bench] provider, ${workers} worker(s), EMBEDDING_CONCURRENCY ${concurrency}: ${JSON.stringify(figures)}`);
    return figures;
  } finally {
    for (const app of apps) await app.stop();
    await provider.stop();
  }
}

/** Documents of DOCUMENT_CHARS, cut from the corpus's text. */
export function providerDocuments(corpusText: string[], count: number): string[] {
  const text = corpusText.join('\n\n');
  return Array.from({ length: count }, (_, i) => {
    const from = (i * 7919) % Math.max(1, text.length - DOCUMENT_CHARS);
    return text.slice(from, from + DOCUMENT_CHARS).padEnd(DOCUMENT_CHARS, ' lorem');
  });
}
