import type { INestApplicationContext } from '@nestjs/common';
import { Embedder } from '../../src/embedding/embedder';
import { HashingEmbedder } from '../../src/embedding/hashing.embedder';
import { IngestionPoller } from '../../src/ingestion/ingestion.poller';
import { IngestionProcessor } from '../../src/ingestion/ingestion.processor';
import { IngestionStatus } from '../../src/queue/ingestion-status';
import { SubmissionService } from '../../src/queue/submission.service';
import { JobQueue } from '../../src/queue/job-queue';
import { IngestionRequestRepository } from '../../src/queue/ingestion-request.repository';
import { VectorStore } from '../../src/vector-store/vector-store';
import { newIngestion } from '../factories/ingestion.factory';
import { DbQueries } from '../support/db-queries';
import { createTestApp } from '../support/test-app';
import { createTestDatabase, describeDatabase, TestDatabase } from '../support/test-database';
import { useTestApp } from '../support/use-test-app';

/** An embedder that fails its first `failures` calls, then behaves like the built-in one. */
class FlakyEmbedder extends Embedder {
  readonly name = 'flaky';
  readonly dimension = 384;
  calls = 0;
  private readonly real: HashingEmbedder;

  constructor(
    private failures: number,
    real: HashingEmbedder,
  ) {
    super();
    this.real = real;
  }

  embed(texts: string[]): Promise<Float32Array[]> {
    this.calls++;
    if (this.failures-- > 0) return Promise.reject(new Error('embedding provider unavailable'));
    return this.real.embed(texts);
  }
}

describeDatabase('ingestion pipeline', () => {
  const suite = useTestApp({ RETRY_BASE_DELAY_MS: '0', MAX_ATTEMPTS: '2' });
  let app: INestApplicationContext;
  let db: DbQueries;
  let queue: JobQueue;
  let poller: IngestionPoller;
  let vectors: VectorStore;
  let embedder: HashingEmbedder;

  beforeAll(() => {
    app = suite.app;
    db = suite.db;
    queue = app.get(JobQueue);
    poller = app.get(IngestionPoller);
    vectors = app.get(VectorStore);
    embedder = app.get<Embedder, HashingEmbedder>(Embedder);
  });

  const accept = (overrides = {}) => db.inContext(() => app.get(SubmissionService).submit(newIngestion(overrides))).then(({ request }) => request);
  const statusOf = (id: string) => db.inContext(() => app.get(IngestionRequestRepository).findByIdOrFail(id));

  it('should take an accepted request to completed with its chunks stored', async () => {
    const request = await accept();
    expect(request.status).toBe(IngestionStatus.Accepted);

    expect(await poller.tick()).toBeGreaterThanOrEqual(1);

    const done = await statusOf(request.id);
    expect(done.status).toBe(IngestionStatus.Completed);
    expect(done.attempts).toBe(1);
    expect(done.completedAt).toBeInstanceOf(Date);
    const chunks = await db.chunks(request.id);
    expect(chunks.length).toBe(done.chunkCount);
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.map((c) => c.chunk_index)).toEqual(chunks.map((_, i) => i));
    // Each chunk's vector as the embedder made it (binary on PostgreSQL, 7 significant digits of text on PGlite).
    const expected = await embedder.embed(chunks.map((c) => c.chunk_text));
    const stored = await db.embeddings(request.id);
    expect(stored.map((v) => v.length)).toEqual(expected.map((v) => v.length));
    expect(Math.max(...stored.flatMap((v, i) => v.map((x, d) => Math.abs(x - expected[i][d]))))).toBeLessThan(1e-6);
  });

  it('should find a stored chunk by similarity, best match first, and filter by ingestion', async () => {
    const other = await accept({ text: 'Completely different: sailing boats and the open sea.' });
    const request = await accept();
    await poller.tick();

    const [query] = await embedder.embed(['vector similarity search in PostgreSQL']);
    const hits = await vectors.search({ vector: query, topK: 3 });
    expect(hits[0].chunkText).toContain('vector similarity search');
    expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));

    const onlyOther = await vectors.search({ vector: query, topK: 10, ingestionIds: [other.id] });
    expect(onlyOther.length).toBeGreaterThan(0);
    expect(onlyOther.every((h) => h.ingestionId === other.id)).toBe(true);
    expect(onlyOther.some((h) => h.ingestionId === request.id)).toBe(false);
  });

  it('should give the same chunk ids when the same request is processed again', async () => {
    const request = await accept();
    await poller.tick();
    const first = await db.chunks(request.id);

    // Reprocess it as a worker that reclaimed it would, after the lock expired.
    await db.inContext(async () => {
      const text = newIngestion().text as string;
      const claimed = {
        id: request.id,
        text,
        textLength: text.length,
        chunking: request.chunking,
        collection: 'default',
        sourceMetadata: {},
        attempts: 2,
        maxAttempts: 3,
      };
      await db.expireLock(request.id);
      await app.get(IngestionProcessor).process(claimed, 'another-worker');
    });
    expect(await db.chunks(request.id)).toEqual(first);
    expect(await db.count('chunk_vectors', 'ingestion_id = ?', [request.id])).toBe(first.length);
  });

  it('should reclaim a request whose worker died (lock older than the lease)', async () => {
    const request = await accept();
    const [claimed] = await db.inContext(() => queue.claim('worker-that-dies', 10));
    expect(claimed.id).toBe(request.id);
    expect(await db.inContext(() => queue.claim('second-worker', 10))).toEqual([]);

    await db.expireLock(request.id);
    await poller.tick();

    const done = await statusOf(request.id);
    expect(done.status).toBe(IngestionStatus.Completed);
    expect(done.attempts).toBe(2);
  });

  it('should not let a worker whose claim was taken over complete the request', async () => {
    const request = await accept();
    const [stale] = await db.inContext(() => queue.claim('slow-worker', 10));
    await db.expireLock(request.id);
    const [fresh] = await db.inContext(() => queue.claim('fast-worker', 10));
    expect(fresh.id).toBe(stale.id);

    const outcome = await db.inContext(() => app.get(IngestionProcessor).process(stale, 'slow-worker'));
    expect(outcome).toBe('lost-lease');
    // Its chunk writes were rolled back with the refused transition.
    expect(await db.count('chunk_vectors', 'ingestion_id = ?', [request.id])).toBe(0);
    expect((await statusOf(request.id)).status).toBe(IngestionStatus.Running);
  });

  it('should store a batch together, leaving out only a request whose claim was taken over', async () => {
    const requests = [await accept(), await accept(), await accept()];
    const claimed = await db.inContext(() => queue.claim('batch-worker', 10));
    expect(claimed.map((c) => c.id).sort()).toEqual(requests.map((r) => r.id).sort());
    const taken = requests[1].id;
    await db.expireLock(taken);
    await db.inContext(() => queue.claim('other-worker', 10));

    const processor = app.get(IngestionProcessor);
    const outcomes = await db.inContext(() => processor.processBatch(claimed, 'batch-worker', { concurrency: 2, stopping: () => false }));
    expect(Object.fromEntries(outcomes)).toEqual({ [requests[0].id]: 'completed', [taken]: 'lost-lease', [requests[2].id]: 'completed' });
    for (const id of [requests[0].id, requests[2].id]) {
      expect(await statusOf(id)).toMatchObject({ status: IngestionStatus.Completed, chunkCount: (await db.chunks(id)).length });
      expect((await db.chunks(id)).length).toBeGreaterThan(0);
    }
    expect(await db.count('chunk_vectors', 'ingestion_id = ?', [taken])).toBe(0);
    expect((await statusOf(taken)).status).toBe(IngestionStatus.Running);
  });

  it('should put requests a worker holds back in the queue when it releases them', async () => {
    const request = await accept();
    await db.inContext(() => queue.claim('stopping-worker', 10));
    expect(await db.inContext(() => queue.release('stopping-worker'))).toBe(1);
    const released = await statusOf(request.id);
    expect(released.status).toBe(IngestionStatus.Accepted);
    expect(released.attempts).toBe(0);
    await poller.tick();
    expect((await statusOf(request.id)).status).toBe(IngestionStatus.Completed);
  });
});

describeDatabase('ingestion pipeline with a failing embedder', () => {
  let database: TestDatabase;
  let app: INestApplicationContext;
  let db: DbQueries;
  let flaky: FlakyEmbedder;

  beforeAll(async () => {
    database = createTestDatabase();
    const config = database.config({ RETRY_BASE_DELAY_MS: '60000', MAX_ATTEMPTS: '2' });
    flaky = new FlakyEmbedder(0, new HashingEmbedder(config));
    app = await createTestApp(config, (builder) => builder.overrideProvider(Embedder).useValue(flaky));
    db = new DbQueries(app);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('should retry with backoff, then mark the request failed with the error after max attempts', async () => {
    const poller = app.get(IngestionPoller);
    const request = await db.inContext(() => app.get(SubmissionService).submit(newIngestion())).then(({ request }) => request);
    flaky.calls = 0;
    (flaky as unknown as { failures: number }).failures = 5;

    await poller.tick();
    const retrying = await db.inContext(() => app.get(IngestionRequestRepository).findByIdOrFail(request.id));
    expect(retrying.status).toBe(IngestionStatus.Accepted);
    expect(retrying.attempts).toBe(1);
    expect(retrying.errorMessage).toBe('embedding provider unavailable');
    expect(retrying.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 20_000);

    // Not due yet: a tick leaves it alone.
    await poller.tick();
    expect(flaky.calls).toBe(1);

    await db.makeDue(request.id);
    await poller.tick();
    const failed = await db.inContext(() => app.get(IngestionRequestRepository).findByIdOrFail(request.id));
    expect(failed.status).toBe(IngestionStatus.Failed);
    expect(failed.attempts).toBe(2);
    expect(failed.errorMessage).toBe('embedding provider unavailable');
    expect(await db.count('chunk_vectors', 'ingestion_id = ?', [request.id])).toBe(0);
  });
});
