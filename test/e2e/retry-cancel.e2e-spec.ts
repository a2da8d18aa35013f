import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory';
import { IngestionPoller } from '../../src/ingestion/ingestion.poller';
import { longText } from '../factories/long-text.factory';
import { DbQueries } from '../support/db-queries';
import { EmbeddingServer, REPLIES } from '../support/embedding-server';
import { eventually, request } from '../support/http';
import { createTestDatabase, describeDatabase, TestDatabase } from '../support/test-database';
import { useHttpApp } from '../support/use-test-app';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describeDatabase('retry and cancel: an accepted ingestion (no poller)', () => {
  const suite = useHttpApp();
  let app: NestFastifyApplication;

  beforeAll(() => {
    app = suite.app;
  });

  it('should cancel an accepted ingestion for good, idempotently, and refuse to retry it', async () => {
    const { id } = (await request(app, 'POST', '/v1/ingest', { text: 'Never to be processed.' })).body;

    const cancelled = await request(app, 'POST', `/v1/ingest/${id}/cancel`);
    expect(cancelled).toMatchObject({ status: 200, body: { id, status: 'cancelled', completed_at: expect.any(String) } });
    expect(await request(app, 'POST', `/v1/ingest/${id}/cancel`)).toMatchObject({ status: 200, body: { id, status: 'cancelled' } });
    expect(await request(app, 'POST', `/v1/ingest/${id}/retry`)).toMatchObject({
      status: 409,
      body: { code: 'STATUS_CONFLICT', message: expect.stringContaining('only failed ingestions can be retried') },
    });

    // A poller that runs now does not pick it up.
    expect(await app.get(IngestionPoller).tick()).toBe(0);
    expect((await request(app, 'GET', `/v1/status/${id}`)).body.status).toBe('cancelled');
  });

  it('should answer 404 for an unknown id and 400 for a bad body', async () => {
    expect((await request(app, 'POST', `/v1/ingest/${UNKNOWN_ID}/cancel`)).status).toBe(404);
    expect((await request(app, 'POST', `/v1/ingest/${UNKNOWN_ID}/retry`)).status).toBe(404);
    const bad = await request(app, 'POST', '/v1/ingest/retry', { collection: 'no spaces', error_contains: '' });
    expect(bad).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['collection', 'error_contains']);
  });
});

describeDatabase('retry and cancel: while the poller works', () => {
  let database: TestDatabase;
  let provider: EmbeddingServer;
  let app: NestFastifyApplication;
  let db: DbQueries;
  const replies = REPLIES;
  /** What the provider does with the next requests. */
  let mode: keyof typeof replies = 'embed';

  beforeAll(async () => {
    database = createTestDatabase();
    provider = await EmbeddingServer.start('openai', { script: () => replies[mode] });
    app = await createApp(
      database.config({
        POLLER_ENABLED: 'true',
        POLL_INTERVAL_MS: '50',
        EMBEDDING_PROVIDER: 'openai',
        EMBEDDING_BASE_URL: provider.baseUrl,
        EMBEDDING_MODEL: 'test-model',
        EMBEDDING_TIMEOUT_MS: '600000',
      }),
    );
    db = new DbQueries(app);
  });

  afterAll(async () => {
    await app?.close();
    await provider?.stop();
    await database?.drop();
  });

  const statusOf = async (id: string) => (await request(app, 'GET', `/v1/status/${id}`)).body;
  const reaches = (id: string, status: string) =>
    eventually(async () => {
      const body = await statusOf(id);
      return body.status === status ? body : undefined;
    }, 120_000);
  const ingest = async (text: string, collection = 'default') => (await request(app, 'POST', '/v1/ingest', { text, collection })).body.id as string;

  it('should put a failed ingestion back to the queue, where it completes once the provider works', async () => {
    mode = 'refuse';
    const id = await ingest('The pump manual, first edition.');
    expect(await reaches(id, 'failed')).toMatchObject({ attempts: 1, error: expect.stringContaining('HTTP 400') });

    mode = 'embed';
    const retried = await request(app, 'POST', `/v1/ingest/${id}/retry`);
    expect(retried).toMatchObject({ status: 200, body: { id } });
    expect(['accepted', 'running', 'completed']).toContain(retried.body.status);
    expect(await reaches(id, 'completed')).toMatchObject({ attempts: 1, chunk_count: 1, stage: null });
    // Why it failed before it succeeded stays visible, the same in the listing.
    const history = [
      { attempt: 1, outcome: 'failed', error: expect.stringContaining('HTTP 400'), worker: expect.any(String), ended_at: expect.any(String) },
      { attempt: 1, outcome: 'completed', error: null, worker: expect.any(String), ended_at: expect.any(String) },
    ];
    expect((await request(app, 'GET', `/v1/ingest/${id}`)).body.attempts_history).toEqual(
      history.map((attempt) => ({ ...attempt, started_at: expect.any(String) })),
    );
    const listed = (await request(app, 'GET', '/v1/ingest?limit=500')).body.items.find((item: { id: string }) => item.id === id);
    expect(listed.attempts_history).toMatchObject(history);
    expect(await request(app, 'POST', `/v1/ingest/${id}/retry`)).toMatchObject({ status: 409, body: { code: 'STATUS_CONFLICT' } });
    expect(await request(app, 'POST', `/v1/ingest/${id}/cancel`)).toMatchObject({
      status: 409,
      body: { code: 'STATUS_CONFLICT', message: expect.stringContaining('only accepted or running ingestions can be cancelled') },
    });
  });

  it('should retry failed ingestions in bulk, by collection and error text', async () => {
    mode = 'refuse';
    const failed = [await ingest('One.', 'fleet'), await ingest('Two.', 'fleet'), await ingest('Three.', 'office')];
    for (const id of failed) await reaches(id, 'failed');
    mode = 'embed';

    expect(await request(app, 'POST', '/v1/ingest/retry', { collection: 'fleet', error_contains: 'no such text' })).toMatchObject({
      status: 200,
      body: { requeued: 0 },
    });
    expect(await request(app, 'POST', '/v1/ingest/retry', { collection: 'fleet', error_contains: 'HTTP 400' })).toMatchObject({
      status: 200,
      body: { requeued: 2 },
    });
    for (const id of failed.slice(0, 2)) await reaches(id, 'completed');
    expect((await statusOf(failed[2])).status).toBe('failed');
    expect(await request(app, 'POST', '/v1/ingest/retry', {})).toMatchObject({ status: 200, body: { requeued: 1 } });
    await reaches(failed[2], 'completed');
  });

  it('should show the progress of a running ingestion, and cancel it there', async () => {
    mode = 'embed';
    const answeredBefore = provider.requests.length;
    // About 1,000 chunks, embedded 256 at a time outside any transaction; the provider stops answering after the first 256.
    const text = longText(200_000, { seed: 23 });
    const { id } = (await request(app, 'POST', '/v1/ingest', { text, chunking: { strategy: 'fixed', chunk_size: 200, chunk_overlap: 0 } })).body;
    await eventually(async () => (provider.requests.length >= answeredBefore + 8 ? true : undefined), 120_000);
    mode = 'hang';
    const running = await eventually(async () => {
      const body = await statusOf(id);
      return body.stage === 'embedding' && body.chunks_done > 0 ? body : undefined;
    }, 120_000);
    expect(running).toMatchObject({ status: 'running', chunks_total: expect.any(Number) });
    expect(running.chunks_done).toBeLessThan(running.chunks_total);
    expect(running.chunks_total).toBeGreaterThan(900);

    expect(await request(app, 'POST', `/v1/ingest/${id}/cancel`)).toMatchObject({ status: 200, body: { status: 'cancelled', stage: null } });
    const { attempts_history } = (await request(app, 'GET', `/v1/ingest/${id}`)).body;
    expect(attempts_history).toMatchObject([{ attempt: 1, outcome: 'cancelled', ended_at: expect.any(String) }]);
    // The worker stops at its next step and counts the attempt as cancelled.
    const cancelledAttempts = /^ingestion_attempts_total\{outcome="cancelled"\} (\d+)$/m;
    await eventually(async () => cancelledAttempts.exec((await app.inject({ method: 'GET', url: '/metrics' })).body)?.[1], 120_000);
  });

  it('should cancel a running long text: it stops, stores nothing, and the worker goes on', async () => {
    mode = 'embed';
    const answeredBefore = provider.requests.length;
    const id = await ingest(longText(600_000, { seed: 17 }));
    // Two windows embedded, then the provider stops answering: the long text's transaction waits, open.
    await eventually(async () => (provider.requests.length >= answeredBefore + 8 ? true : undefined), 120_000);
    mode = 'hang';
    await eventually(async () => (provider.requests.length > answeredBefore + 8 ? true : undefined), 120_000);

    const cancelled = await request(app, 'POST', `/v1/ingest/${id}/cancel`);
    expect(cancelled).toMatchObject({ status: 200, body: { id, status: 'cancelled', chunk_count: null } });
    expect(await db.count('chunk_vectors', 'ingestion_id = ?', [id])).toBe(0);

    mode = 'embed';
    const after = await ingest('After the cancel.');
    await reaches(after, 'completed');
    expect((await statusOf(id)).status).toBe('cancelled');
    expect(await db.count('chunk_vectors', 'ingestion_id = ?', [id])).toBe(0);
    expect((await request(app, 'GET', `/v1/ingest/${id}`)).body.attempts_history.map((a: { outcome: string }) => a.outcome)).toEqual(['cancelled']);
  });
});
