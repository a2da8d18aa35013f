import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory';
import { EmbeddingServer, Reply } from '../support/embedding-server';
import { eventually, request } from '../support/http';
import { createTestDatabase, describeDatabase, TestDatabase } from '../support/test-database';

const SECTIONS = Array.from({ length: 10 }, (_, i) => `## Step ${i + 1}\n\nDo the ${i + 1}th thing carefully, then check the result.`);
const DOCUMENT = `# Runbook\n\n${SECTIONS.join('\n\n')}\n`;
const fail = (status: number, error: string, headers?: Record<string, string>): Reply => ({ kind: 'fail', status, body: { error }, headers });

describeDatabase('Ollama provider over HTTP', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication | undefined;
  let server: EmbeddingServer | undefined;

  beforeAll(() => {
    database = createTestDatabase();
  });

  afterEach(async () => {
    await app?.close();
    await server?.stop().catch(() => undefined);
    app = server = undefined;
  });

  afterAll(async () => {
    await database?.drop();
  });

  async function start(script: (n: number) => Reply, overrides: Record<string, string> = {}): Promise<NestFastifyApplication> {
    server = await EmbeddingServer.start('ollama', { script });
    app = await createApp(
      database.config({
        POLLER_ENABLED: 'true',
        POLL_INTERVAL_MS: '50',
        EMBEDDING_PROVIDER: 'ollama',
        EMBEDDING_BASE_URL: server.baseUrl,
        EMBEDDING_BATCH_SIZE: '4',
        EMBEDDING_CONCURRENCY: '1',
        EMBEDDING_TIMEOUT_MS: '2000',
        EMBEDDING_MAX_RETRIES: '2',
        EMBEDDING_RETRY_BASE_MS: '10',
        MAX_ATTEMPTS: '2',
        RETRY_BASE_DELAY_MS: '0',
        ...overrides,
      }),
    );
    return app;
  }

  const finalStatus = (sut: NestFastifyApplication, id: string) =>
    eventually(async () => {
      const { body } = await request(sut, 'GET', `/v1/status/${id}`);
      return body.status === 'completed' || body.status === 'failed' ? body : undefined;
    }, 30_000);

  it('should batch the chunks, survive a 500 and a 429 by retrying, complete, and search through the same provider', async () => {
    const sut = await start((n) =>
      n === 1
        ? fail(500, 'llama runner process has terminated')
        : n === 2
          ? fail(429, 'too many requests', { 'retry-after': '0' })
          : { kind: 'embed' },
    );
    const accepted = await request(sut, 'POST', '/v1/ingest', {
      text: DOCUMENT,
      chunking: { strategy: 'markdown', chunk_size: 200, chunk_overlap: 0 },
    });
    const status = await finalStatus(sut, accepted.body.id);
    expect(status).toMatchObject({ status: 'completed', attempts: 1, chunk_count: 10 });

    // 10 chunks ("# Runbook" has no text of its own and opens the Step 1 chunk) in batches of at most 4: three
    // answered requests, plus the 500 and the 429 that were retried.
    expect(server!.requests).toHaveLength(5);
    expect(server!.inputSizes).toEqual([4, 4, 4, 4, 2]);
    expect(server!.requests.every((r) => r.path === '/api/embed' && r.body.model === 'all-minilm')).toBe(true);

    const found = await request(sut, 'POST', '/v1/search', { query: 'Step 7', mode: 'hybrid', top_k: 1 });
    expect(found.body.results[0].chunk_metadata.heading_path).toEqual(['Runbook', 'Step 7']);
    expect(server!.requests.at(-1)!.body.input).toEqual(['Step 7']);
  });

  it('should answer a search 503 EMBEDDER_UNAVAILABLE with Retry-After once EMBEDDING_TIMEOUT_MS is spent, not after all retries', async () => {
    // The provider asks for 30 s between attempts: ingestion would wait for it, a search must not.
    const overrides = { EMBEDDING_TIMEOUT_MS: '1000', EMBEDDING_MAX_RETRIES: '5' };
    const sut = await start(() => fail(503, 'model is loading', { 'retry-after': '30' }), overrides);
    const answer = await request(sut, 'POST', '/v1/search', { query: 'where is the runbook' });
    expect(answer).toMatchObject({ status: 503, body: { code: 'EMBEDDER_UNAVAILABLE', message: expect.stringContaining('EMBEDDING_TIMEOUT_MS') } });
    expect(answer.headers['retry-after']).toBe('5');
    expect(answer.body.message).not.toContain(server!.baseUrl);
    expect(server!.requests).toHaveLength(1);
    await sut.close();
    await server!.stop();
    // A provider that never answers: the same 503, and keyword search does not need it.
    const hung = await start(() => ({ kind: 'embed', delayMs: 120_000 }), overrides);
    expect(await request(hung, 'POST', '/v1/search', { query: 'runbook', mode: 'hybrid' })).toMatchObject({
      status: 503,
      body: { code: 'EMBEDDER_UNAVAILABLE' },
    });
    expect((await request(hung, 'POST', '/v1/search', { query: 'runbook', mode: 'keyword' })).status).toBe(200);
  });

  it('should end failed with a readable error when the server is gone', async () => {
    const sut = await start(() => ({ kind: 'embed' }));
    await server!.stop();
    const accepted = await request(sut, 'POST', '/v1/ingest', { text: 'Nobody will embed this.' });
    const status = await finalStatus(sut, accepted.body.id);
    expect(status).toMatchObject({ status: 'failed', attempts: 2 });
    expect(status.error).toMatch(
      /^ollama:all-minilm: cannot reach http:\/\/127\.0\.0\.1:\d+\/api\/embed \(ECONNREFUSED\) \(gave up after 3 attempts\)$/,
    );
  });

  it('should fail at once, without retrying the request, when the provider rejects the model', async () => {
    const sut = await start(() => fail(404, 'model "all-minilm" not found, try pulling it first'));
    const accepted = await request(sut, 'POST', '/v1/ingest', { text: 'Embed me with a model that is not there.' });
    const status = await finalStatus(sut, accepted.body.id);
    expect(status).toMatchObject({ status: 'failed', attempts: 1 });
    expect(status.error).toContain('HTTP 404');
    expect(status.error).toContain('model "all-minilm" not found, try pulling it first');
    expect(server!.requests).toHaveLength(1);
  });
});
