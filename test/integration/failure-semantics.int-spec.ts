import type { INestApplicationContext } from '@nestjs/common';
import { AppError, ErrorCode } from '../../src/common/errors/app-error';
import { ProcessingError } from '../../src/queue/retry-policy';
import { Embedder } from '../../src/embedding/embedder';
import { IngestionPoller } from '../../src/ingestion/ingestion.poller';
import { IngestionProcessor } from '../../src/ingestion/ingestion.processor';
import { IngestionStatus } from '../../src/queue/ingestion-status';
import { SubmissionService } from '../../src/queue/submission.service';
import { JobQueue } from '../../src/queue/job-queue';
import { IngestionRequestRepository } from '../../src/queue/ingestion-request.repository';
import { newIngestion } from '../factories/ingestion.factory';
import { DbQueries } from '../support/db-queries';
import { describeDatabase } from '../support/test-database';
import { useTestApp } from '../support/use-test-app';

describeDatabase(`${JobQueue.name} and ${IngestionPoller.name} under failures`, () => {
  // The shortest lease the config allows, so the heartbeat has to work for a slow request to survive.
  const suite = useTestApp({ RETRY_BASE_DELAY_MS: '60000', MAX_ATTEMPTS: '3', JOB_LEASE_MS: '1000', POLL_CONCURRENCY: '2' });
  let app: INestApplicationContext;
  let db: DbQueries;
  let sut: JobQueue;
  let poller: IngestionPoller;
  let embedder: Embedder;

  beforeAll(() => {
    app = suite.app;
    db = suite.db;
    sut = app.get(JobQueue);
    poller = app.get(IngestionPoller);
    embedder = app.get(Embedder);
  });

  afterEach(() => jest.restoreAllMocks());

  const submit = (overrides: Parameters<typeof newIngestion>[0] = {}) =>
    db.inContext(() => app.get(SubmissionService).submit(newIngestion(overrides)));
  const statusOf = (id: string) => db.inContext(() => app.get(IngestionRequestRepository).findByIdOrFail(id));

  describe('retries', () => {
    it('should fail at once, without retrying, on an error marked retryable: false', async () => {
      const { request } = await submit();
      jest.spyOn(embedder, 'embed').mockRejectedValue(new ProcessingError('model rejected the input (400)', false));

      await poller.tick();

      const failed = await statusOf(request.id);
      expect(failed).toMatchObject({ status: IngestionStatus.Failed, attempts: 1, errorMessage: 'model rejected the input (400)' });
      expect(await db.count('chunk_vectors', 'ingestion_id = ?', [request.id])).toBe(0);
    });

    it('should honour a plain error object carrying retryable: false, and retry one carrying true', async () => {
      const permanent = await submit({ text: 'permanent failure text' });
      jest.spyOn(embedder, 'embed').mockRejectedValue(Object.assign(new Error('quota exhausted'), { retryable: false }));
      await poller.tick();
      expect(await statusOf(permanent.request.id)).toMatchObject({ status: IngestionStatus.Failed, attempts: 1 });

      const transient = await submit({ text: 'transient failure text' });
      jest.spyOn(embedder, 'embed').mockRejectedValue(Object.assign(new Error('timed out'), { retryable: true }));
      await poller.tick();
      const retrying = await statusOf(transient.request.id);
      expect(retrying).toMatchObject({ status: IngestionStatus.Accepted, attempts: 1, errorMessage: 'timed out' });
      expect(retrying.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 20_000);
    });
  });

  describe('heartbeat', () => {
    it("should keep a live worker's slow request from being reclaimed, beyond the lease", async () => {
      const { request } = await submit({ text: 'a document whose embedding takes longer than the lease' });
      const real = embedder.embed.bind(embedder);
      jest.spyOn(embedder, 'embed').mockImplementation(async (texts) => {
        await new Promise((resolve) => setTimeout(resolve, 2500));
        return real(texts);
      });

      const working = poller.tick();
      // Well past the 1 s lease, while the worker is still embedding: nobody can take the request over.
      await new Promise((resolve) => setTimeout(resolve, 1800));
      expect(await db.inContext(() => sut.claim('another-worker', 10))).toEqual([]);
      await working;

      expect(await statusOf(request.id)).toMatchObject({ status: IngestionStatus.Completed, attempts: 1 });
    });

    it("should let a dead worker's request be reclaimed once the lease expires without a heartbeat", async () => {
      const { request } = await submit({ text: 'claimed by a worker that then died' });
      await db.inContext(() => sut.claim('dead-worker', 10));
      await new Promise((resolve) => setTimeout(resolve, 1200));

      const [reclaimed] = await db.inContext(() => sut.claim('live-worker', 10));
      expect(reclaimed).toMatchObject({ id: request.id, attempts: 2 });
      // The dead worker's heartbeat, should it come back, renews nothing: the claim is no longer its own.
      expect(await db.inContext(() => sut.heartbeat('dead-worker', [request.id]))).toBe(0);
    });
  });

  describe('idempotency', () => {
    it('should return the same ingestion for the same key and body, and refuse the key with another body', async () => {
      const first = await submit({ idempotencyKey: 'key-1' });
      const again = await submit({ idempotencyKey: 'key-1' });
      expect(first.outcome).toBe('created');
      expect(again).toMatchObject({ outcome: 'replayed', request: { id: first.request.id } });

      const before = await db.count('ingestion_requests');
      const conflict = await submit({ idempotencyKey: 'key-1', text: 'a different body' }).catch((error: unknown) => error);
      expect(conflict).toBeInstanceOf(AppError);
      expect(conflict).toMatchObject({ code: ErrorCode.IdempotencyKeyReused, details: { ingestion_id: first.request.id } });
      expect(await db.count('ingestion_requests')).toBe(before);
    });

    it('should store one row for concurrent submissions with the same key', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, () => submit({ idempotencyKey: 'key-concurrent' })));
      expect(new Set(results.map((r) => r.request.id)).size).toBe(1);
      expect(results.filter((r) => r.outcome === 'created')).toHaveLength(1);
      expect(await db.count('ingestion_requests', 'idempotency_key = ?', ['key-concurrent'])).toBe(1);
    });
  });

  describe('document versions', () => {
    it("should replace the old version's chunks with the new version's when the new one completes", async () => {
      const v1 = await submit({ documentId: 'doc-a', text: 'Version one talks about apples and orchards.' });
      await poller.tick();
      const v2 = await submit({ documentId: 'doc-a', text: 'Version two talks about pears, plums and cherries in a much longer text.' });
      expect(v2).toMatchObject({ outcome: 'created', request: { documentVersion: 2 } });
      // Until v2 completes, search still sees v1 in full.
      expect(await db.count('chunk_vectors', 'ingestion_id = ?', [v1.request.id])).toBeGreaterThan(0);

      await poller.tick();

      const [old, current] = [await statusOf(v1.request.id), await statusOf(v2.request.id)];
      expect(old).toMatchObject({ status: IngestionStatus.Superseded, supersededBy: v2.request.id, chunkCount: 0 });
      expect(current.status).toBe(IngestionStatus.Completed);
      expect(await db.count('chunk_vectors', 'ingestion_id = ?', [v1.request.id])).toBe(0);
      expect(await db.count('chunk_vectors', 'ingestion_id = ?', [v2.request.id])).toBe(current.chunkCount);
    });

    it('should not re-process a document whose content is unchanged', async () => {
      const v1 = await submit({ documentId: 'doc-b' });
      await poller.tick();
      const before = await db.count('ingestion_requests');

      const same = await submit({ documentId: 'doc-b' });

      expect(same).toMatchObject({ outcome: 'unchanged', request: { id: v1.request.id, status: IngestionStatus.Completed } });
      expect(await db.count('ingestion_requests')).toBe(before);
    });

    it('should keep the newest version when an older one completes after it', async () => {
      const v1 = await submit({ documentId: 'doc-c', text: 'The first version of the document.' });
      const v2 = await submit({ documentId: 'doc-c', text: 'The second version of the document.' });
      // v1 is held up (claimed by a worker that is slow); v2 completes first.
      const [slow] = await db.inContext(() => sut.claim('slow-worker', 1));
      expect(slow.id).toBe(v1.request.id);
      // The slow worker is alive: its heartbeat keeps the 1 s lease, however long the tick takes on a loaded machine.
      const beat = setInterval(() => void db.inContext(() => sut.heartbeat('slow-worker', [slow.id])), 200);
      await poller.tick().finally(() => clearInterval(beat));
      expect((await statusOf(v2.request.id)).status).toBe(IngestionStatus.Completed);

      expect(await db.inContext(() => app.get(IngestionProcessor).process(slow, 'slow-worker'))).toBe('superseded');

      expect(await statusOf(v1.request.id)).toMatchObject({ status: IngestionStatus.Superseded, supersededBy: v2.request.id });
      expect(await db.count('chunk_vectors', 'ingestion_id = ?', [v1.request.id])).toBe(0);
      expect(await db.count('chunk_vectors', 'ingestion_id = ?', [v2.request.id])).toBeGreaterThan(0);
    });

    it('should let a reader see either the old version or the new one in full, never both or neither', async () => {
      const v1 = await submit({ documentId: 'doc-d', text: 'Old words: '.repeat(200) });
      await poller.tick();
      const v1Chunks = await db.count('chunk_vectors', 'ingestion_id = ?', [v1.request.id]);
      const v2 = await submit({ documentId: 'doc-d', text: 'New words: '.repeat(300) });

      // A reader counting both versions' chunks in one statement (one snapshot) while v2 completes.
      const totals = new Set<number>();
      let done = false;
      const reading = (async () => {
        while (!done) {
          totals.add(await db.count('chunk_vectors', 'ingestion_id in (?, ?)', [v1.request.id, v2.request.id]));
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      await poller.tick();
      done = true;
      await reading;
      totals.add(await db.count('chunk_vectors', 'ingestion_id in (?, ?)', [v1.request.id, v2.request.id]));

      const v2Chunks = (await statusOf(v2.request.id)).chunkCount;
      // Every snapshot held exactly one full version: never both, never neither, never a part.
      expect(v2Chunks).not.toBe(v1Chunks);
      expect([...totals].sort()).toEqual([v1Chunks, v2Chunks].sort());
    });
  });
});
