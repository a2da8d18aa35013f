import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory';
import { longText } from '../factories/long-text.factory';
import { DbQueries } from '../support/db-queries';
import { EmbeddingServer } from '../support/embedding-server';
import { eventually, request } from '../support/http';
import { createTestDatabase, describeDatabase, TestDatabase } from '../support/test-database';

const CHUNKING = { strategy: 'fixed' as const, chunk_size: 200, chunk_overlap: 40 };
/** Requests per window of a long text: 128 chunks in batches of EMBEDDING_BATCH_SIZE (32). */
const REQUESTS_PER_WINDOW = 4;

describeDatabase('deleting work in progress', () => {
  let database: TestDatabase;
  let provider: EmbeddingServer;
  let app: NestFastifyApplication;
  let db: DbQueries;
  /** The provider answers requests up to this one, then never answers (until the client gives up). */
  let answered = Infinity;

  beforeAll(async () => {
    database = createTestDatabase();
    provider = await EmbeddingServer.start('openai', {
      script: (n) => (n < answered ? { kind: 'embed' } : { kind: 'embed', delayMs: 3_600_000 }),
    });
    app = await createApp(
      database.config({
        POLLER_ENABLED: 'true',
        POLL_INTERVAL_MS: '50',
        EMBEDDING_PROVIDER: 'openai',
        EMBEDDING_BASE_URL: provider.baseUrl,
        EMBEDDING_MODEL: 'test-model',
        EMBEDDING_BATCH_SIZE: '32',
        // The provider's silence, not a timeout, is what keeps the long text in progress.
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

  /** Submits a long text whose transaction is left open, two windows stored, waiting for the provider. */
  async function longTextInProgress(collection: string): Promise<string> {
    answered = provider.requests.length + 2 * REQUESTS_PER_WINDOW;
    const { body } = await request(app, 'POST', '/v1/ingest', { text: longText(600_000, { seed: 5 }), chunking: CHUNKING, collection });
    await eventually(async () => (provider.requests.length > answered ? true : undefined), 120_000);
    return body.id;
  }

  it('should stop the processing of an ingestion it deletes, answer at once, and store nothing of it', async () => {
    const id = await longTextInProgress('manuals');

    const deleted = await request(app, 'DELETE', `/v1/ingest/${id}`);
    expect(deleted).toMatchObject({ status: 200, body: { id, deleted: true, chunks_deleted: 0 } });
    expect((await request(app, 'GET', `/v1/status/${id}`)).status).toBe(404);
    expect(await db.count('chunk_vectors', 'ingestion_id = ?', [id])).toBe(0);
  });

  it('should stop the processing in a collection it deletes and count every chunk it removes', async () => {
    answered = Infinity;
    const done = (await request(app, 'POST', '/v1/ingest', { text: 'Pumps are serviced yearly. Valves monthly.', collection: 'plant' })).body.id;
    const completed = await eventually(async () => {
      const { body } = await request(app, 'GET', `/v1/status/${done}`);
      return body.status === 'completed' ? body : undefined;
    }, 120_000);
    const inProgress = await longTextInProgress('plant');

    const deleted = await request(app, 'DELETE', '/v1/collections/plant');
    expect(deleted).toMatchObject({ status: 200, body: { collection: 'plant', ingestions_deleted: 2, chunks_deleted: completed.chunk_count } });
    expect(await db.count('chunk_vectors', 'collection = ?', ['plant'])).toBe(0);
    expect((await request(app, 'GET', `/v1/status/${inProgress}`)).status).toBe(404);

    // The service goes on working: a new ingestion completes.
    answered = Infinity;
    const after = (await request(app, 'POST', '/v1/ingest', { text: 'After the delete.', collection: 'plant' })).body.id;
    await eventually(async () => ((await request(app, 'GET', `/v1/status/${after}`)).body.status === 'completed' ? true : undefined), 120_000);
  });
});
