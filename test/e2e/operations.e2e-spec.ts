import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory';
import { IngestionPoller } from '../../src/ingestion/ingestion.poller';
import { DbQueries } from '../support/db-queries';
import { eventually, request } from '../support/http';
import { multipartForm } from '../support/multipart';
import { createTestDatabase, describeDatabase, TestDatabase } from '../support/test-database';
import { useHttpApp } from '../support/use-test-app';

const KEY_ONE = 'ops-test-key-one-0123456789';
const KEY_TWO = 'ops-test-key-two-9876543210';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** One sample of a Prometheus text exposition, e.g. sample(text, 'ingestion_queue_depth{status="accepted"}'). */
function sample(metrics: string, series: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describeDatabase('operations: health, metrics', () => {
  // The poller is driven by hand (tick) so the test sees the queue before and while it drains.
  const suite = useHttpApp({ POLLER_ENABLED: 'false', POLL_BATCH_SIZE: '4' });
  let app: NestFastifyApplication;

  beforeAll(() => {
    app = suite.app;
  });

  const scrape = async () => {
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    return response.body;
  };

  it('should answer live, and ready with each check named', async () => {
    expect(await request(app, 'GET', '/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
    const ready = await request(app, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ok');
    expect(ready.body.details).toEqual({
      database: { status: 'up' },
      pgvector: { status: 'up', version: expect.stringMatching(/^\d+\.\d+\.\d+$/) },
      migrations: { status: 'up' },
      embedder: { status: 'up', provider: 'hashing', dimension: 384 },
    });
  });

  it('should show the queue depth rising under a burst of ingests and falling to zero as the poller drains it', async () => {
    const before = await scrape();
    expect(sample(before, 'ingestion_queue_depth{status="accepted"}')).toBe(0);

    const ids: string[] = [];
    for (let n = 0; n < 12; n++) {
      const accepted = await request(app, 'POST', '/v1/ingest', {
        text: `Burst document ${n}. `.repeat(40),
        chunking: { chunk_size: 200, chunk_overlap: 0 },
      });
      expect(accepted.status).toBe(202);
      ids.push(accepted.body.id);
    }
    const queued = await scrape();
    expect(sample(queued, 'ingestion_queue_depth{status="accepted"}')).toBe(12);
    expect(sample(queued, 'ingestion_queue_depth{status="running"}')).toBe(0);
    expect(sample(queued, 'http_requests_total{method="POST",route="/v1/ingest",status_code="202"}')).toBe(12);

    const poller = app.get(IngestionPoller);
    await poller.tick();
    const drained = await eventually(async () => {
      const metrics = await scrape();
      return sample(metrics, 'ingestion_queue_depth{status="accepted"}') === 0 ? metrics : (await poller.tick(), undefined);
    });
    expect(sample(drained, 'ingestion_queue_depth{status="running"}')).toBe(0);
    expect(sample(drained, 'ingestion_poller_claims_total')).toBe(12);
    expect(sample(drained, 'ingestion_attempts_total{outcome="completed"}')).toBe(12);
    // Stored, and (under INDEX_MIN_SEGMENT_CHUNKS, with no build asked for) searched exactly for now.
    expect(sample(drained, 'vector_index_unindexed_chunks')).toBe(await suite.db.count('chunk_vectors'));
    expect(sample(drained, 'vector_index_segments')).toBe(0);
    expect(sample(drained, 'ingestion_accepted_to_completed_seconds_count')).toBe(12);
    const chunks = (await Promise.all(ids.map((id) => request(app, 'GET', `/v1/status/${id}`)))).reduce((sum, r) => sum + r.body.chunk_count, 0);
    expect(sample(drained, 'ingestion_chunks_stored_total')).toBe(chunks);
    expect(sample(drained, 'embedding_batch_duration_seconds_count{provider="hashing"}')).toBeGreaterThanOrEqual(12);
    expect(sample(drained, 'embedding_batch_errors_total{provider="hashing"}') ?? 0).toBe(0);
  });

  it('should set security headers, echo a request id, and keep the API docs working', async () => {
    const response = await app.inject({ method: 'GET', url: '/docs', headers: { 'x-request-id': 'trace-42' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-request-id']).toBe('trace-42');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toContain(`style-src 'self' 'unsafe-inline'`);
    // Served over plain HTTP behind a TLS proxy: upgrading /docs assets to https would break the page.
    expect(response.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    const generated = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'bad id with spaces' } });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describeDatabase('operations: API keys, rate limit, CORS', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    database = createTestDatabase();
    app = await createApp(
      database.config({
        API_KEYS: `${KEY_ONE},${KEY_TWO}`,
        RATE_LIMIT_MAX: '4',
        RATE_LIMIT_WINDOW_MS: '60000',
        CORS_ORIGINS: 'https://app.example.com',
      }),
    );
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const search = (headers: Record<string, string>) => request(app, 'POST', '/v1/search', { query: 'anything' }, headers);

  it('should answer 401 without a key and with a wrong key, and 200 with a good one', async () => {
    const missing = await search({});
    expect(missing).toMatchObject({ status: 401, body: { statusCode: 401, code: 'UNAUTHORIZED', message: expect.stringContaining('Bearer') } });
    const wrong = await search(bearer('not-a-configured-key-0000'));
    expect(wrong).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED', message: 'The API key is not valid' } });
    expect((await search(bearer(KEY_ONE))).status).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/metrics', headers: bearer(KEY_ONE) })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    // Probes and the API docs stay open; unknown paths (and path tricks) do not.
    expect((await request(app, 'GET', '/health/live')).status).toBe(200);
    expect((await request(app, 'GET', '/health/ready')).status).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/docs/json' })).statusCode).toBe(200);
    expect((await request(app, 'GET', '/v1/nothing-here')).status).toBe(401);
    expect((await request(app, 'GET', '/docs/../v1/status/3f1c6a0e-5b7d-4f43-9c55-0d8f4f2f7a10')).status).toBe(401);
  });

  it('should answer a burst over the limit with 429 and Retry-After, per key, never on the probes', async () => {
    // KEY_TWO has its own bucket, untouched by the calls above.
    for (let n = 0; n < 4; n++) expect((await search(bearer(KEY_TWO))).status).toBe(200);
    const limited = await search(bearer(KEY_TWO));
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // A key over its limit does not hold back the other key; probes are never limited.
    expect((await search(bearer(KEY_ONE))).status).toBe(200);
    for (let n = 0; n < 6; n++) expect((await request(app, 'GET', '/health/live')).status).toBe(200);
  });

  it('should answer CORS preflights for the configured origin only', async () => {
    const preflight = (origin: string) =>
      app.inject({
        method: 'OPTIONS',
        url: '/v1/search',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(String(allowed.headers['access-control-allow-headers'])).toContain('authorization');
    const other = await preflight('https://evil.example.net');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describeDatabase('operations: writes from other origins', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    database = createTestDatabase();
    app = await createApp(database.config({ POLLER_ENABLED: 'false', CORS_ORIGINS: 'https://app.example.com' }));
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('should say, when a search finds nothing, that ingestions of the collection are still pending (the poller is off here)', async () => {
    expect((await request(app, 'POST', '/v1/ingest', { text: 'Not searchable yet.', collection: 'later' })).status).toBe(202);
    const answer = await request(app, 'POST', '/v1/search', { query: 'searchable', collection: 'later' });
    expect(answer.body).toMatchObject({ results: [], hint: expect.stringContaining('1 ingestion(s) of collection "later" are not completed yet') });
  });

  it('should refuse writes from a page of another origin unless CORS_ORIGINS lists it; its own page may write', async () => {
    const ingest = (origin: string, host = 'localhost:80') => request(app, 'POST', '/v1/ingest', { text: `From ${origin}` }, { origin, host });
    const foreign = await ingest('https://evil.example.net');
    expect(foreign).toMatchObject({ status: 403, body: { code: 'FORBIDDEN', message: expect.stringContaining('CORS_ORIGINS') } });
    expect((await request(app, 'DELETE', '/v1/collections/default', undefined, { origin: 'null' })).status).toBe(403);
    expect((await ingest('https://app.example.com')).status).toBe(202);
    expect((await ingest('http://localhost:80')).status).toBe(202);
  });
});

describeDatabase('operations: the client address behind proxies (TRUST_PROXY)', () => {
  let database: TestDatabase;

  beforeAll(() => {
    database = createTestDatabase();
  });

  afterAll(async () => {
    await database?.drop();
  });

  /**
   * Ten requests from a load balancer at 127.0.0.1, each claiming another address in a client-written
   * X-Forwarded-For entry before the one the load balancer appended (198.51.100.7, the real client).
   */
  async function passedOfTenSpoofed(TRUST_PROXY: string): Promise<number> {
    const app = await createApp(database.config({ TRUST_PROXY, RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' }));
    try {
      let passed = 0;
      for (let n = 1; n <= 10; n++) {
        const response = await app.inject({
          method: 'GET',
          url: '/v1/status/00000000-0000-4000-8000-000000000000',
          remoteAddress: '127.0.0.1',
          headers: { 'x-forwarded-for': `203.0.113.${n}, 198.51.100.7` },
        });
        if (response.statusCode !== 429) passed++;
      }
      return passed;
    } finally {
      await app.close();
    }
  }

  it.each([
    ['1', 'one hop: the address the load balancer saw'],
    ['127.0.0.1', 'the load balancer by address'],
    ['10.0.0.0/8,loopback', 'the load balancer by range'],
    ['false', 'no proxy: every request counts as the load balancer'],
  ])('should hold the limit against spoofed X-Forwarded-For entries with TRUST_PROXY=%s (%s)', async (setting) => {
    expect(await passedOfTenSpoofed(setting)).toBe(3);
  });

  it('should, with TRUST_PROXY=true, believe the left-most entry, which the client wrote (why true is not the setting behind a load balancer)', async () => {
    expect(await passedOfTenSpoofed('true')).toBe(10);
  });
});

describeDatabase('operations: API keys limited to collections', () => {
  const SUPPORT_KEY = 'support-only-key-0123456789';
  const UPLOAD_LIMIT = 64 * 1024;
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let db: DbQueries;

  beforeAll(async () => {
    database = createTestDatabase();
    app = await createApp(
      database.config({
        API_KEYS: `${KEY_ONE},${SUPPORT_KEY}:support|faq`,
        RATE_LIMIT_MAX: '0',
        POLLER_ENABLED: 'true',
        POLL_INTERVAL_MS: '50',
        FILE_UPLOAD_LIMIT_BYTES: String(UPLOAD_LIMIT),
      }),
    );
    db = new DbQueries(app);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const as = (key: string, method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown) => request(app, method, url, body, bearer(key));
  const completed = (id: string) =>
    eventually(async () => ((await as(KEY_ONE, 'GET', `/v1/status/${id}`)).body.status === 'completed' ? id : undefined));

  it("should let a key use its own collections, answer 403 on any other and 404 for another collection's id, changing nothing", async () => {
    const own = await as(SUPPORT_KEY, 'POST', '/v1/ingest', { text: 'Reset a password from the account page.', collection: 'support' });
    expect(own.status).toBe(202);
    const other = (await as(KEY_ONE, 'POST', '/v1/ingest', { text: 'Quarterly revenue grew by four percent.' })).body.id;
    await completed(own.body.id);
    await completed(other);
    const before = { requests: await db.count('ingestion_requests'), chunks: await db.count('chunk_vectors') };

    const forbidden = [
      await as(SUPPORT_KEY, 'POST', '/v1/ingest', { text: 'Not for this key.' }),
      await as(SUPPORT_KEY, 'POST', '/v1/ingest', { text: 'Not for this key.', collection: 'finance' }),
      await as(SUPPORT_KEY, 'POST', '/v1/search', { query: 'revenue' }),
      await as(SUPPORT_KEY, 'POST', '/v1/search', { query: 'revenue', collection: 'finance', mode: 'keyword' }),
      await as(SUPPORT_KEY, 'DELETE', '/v1/collections/default'),
    ];
    const form = multipartForm({ name: 'notes.txt', content: 'Not for this key either.', contentType: 'text/plain' }, { collection: 'finance' });
    const upload = await app.inject({
      method: 'POST',
      url: '/v1/ingest/file',
      payload: form.payload,
      headers: { ...form.headers, ...bearer(SUPPORT_KEY) },
    });
    forbidden.push({ status: upload.statusCode, body: upload.json(), headers: upload.headers });
    for (const response of forbidden) {
      expect(response).toMatchObject({
        status: 403,
        body: { statusCode: 403, code: 'FORBIDDEN', message: expect.stringMatching(/no rights to collection/) },
      });
    }
    expect({ requests: await db.count('ingestion_requests'), chunks: await db.count('chunk_vectors') }).toEqual(before);

    // Named by id, another collection's ingestion is answered exactly as an unknown id: its existence stays hidden.
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const [method, path] of [
      ['GET', '/v1/status/'],
      ['GET', '/v1/ingest/'],
      ['DELETE', '/v1/ingest/'],
    ] as const) {
      const foreign = await as(SUPPORT_KEY, method, path + other);
      const absent = await as(SUPPORT_KEY, method, path + unknown);
      expect([path, foreign.status, JSON.stringify(foreign.body).replaceAll(other, unknown)]).toEqual([
        path,
        absent.status,
        JSON.stringify(absent.body),
      ]);
      expect([path, foreign.status]).toEqual([path, method === 'GET' ? 404 : 200]);
    }
    expect({ requests: await db.count('ingestion_requests'), chunks: await db.count('chunk_vectors') }).toEqual(before);

    // Its own collections work for every route; a key without a list reaches every collection.
    expect((await as(SUPPORT_KEY, 'GET', `/v1/status/${own.body.id}`)).body.status).toBe('completed');
    const hits = (await as(SUPPORT_KEY, 'POST', '/v1/search', { query: 'password account', collection: 'support' })).body.results;
    expect(hits.map((h: { ingestion_id: string }) => h.ingestion_id)).toContain(own.body.id);
    expect(await as(SUPPORT_KEY, 'DELETE', '/v1/collections/faq')).toMatchObject({ status: 200 });
    expect(await as(SUPPORT_KEY, 'DELETE', `/v1/ingest/${own.body.id}`)).toMatchObject({ status: 200, body: { deleted: true } });
    expect(await as(KEY_ONE, 'DELETE', `/v1/ingest/${other}`)).toMatchObject({ status: 200, body: { deleted: true } });
  });

  it('should refuse an upload whose collection field, sent before the file, the key may not use, before storing the file', async () => {
    const upload = (collection: string) => {
      // Over FILE_UPLOAD_LIMIT_BYTES: storing it would end in 413, so a 403 shows the file was never read.
      const form = multipartForm({ name: 'big.txt', content: 'x'.repeat(UPLOAD_LIMIT + 1024), contentType: 'text/plain' }, { collection });
      return app.inject({ method: 'POST', url: '/v1/ingest/file', payload: form.payload, headers: { ...form.headers, ...bearer(SUPPORT_KEY) } });
    };
    const forbidden = await upload('finance');
    expect({ status: forbidden.statusCode, code: forbidden.json().code }).toEqual({ status: 403, code: 'FORBIDDEN' });
    const allowed = await upload('support');
    expect({ status: allowed.statusCode, code: allowed.json().code }).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('should scope an Idempotency-Key to the API key and the collection: no other caller can see or take it', async () => {
    const keyed = (key: string, idempotencyKey: string, body: object) =>
      request(app, 'POST', '/v1/ingest', body, { ...bearer(key), 'idempotency-key': idempotencyKey });
    const mine = await keyed(SUPPORT_KEY, 'order-7', { text: 'Refunds take five days.', collection: 'support' });
    expect(mine).toMatchObject({ status: 202, body: { outcome: 'created' } });

    // Another key, the same Idempotency-Key and collection, another body: its own new ingestion, not a 409 naming mine.
    const theirs = await keyed(KEY_ONE, 'order-7', { text: 'Invoices are due monthly.', collection: 'support' });
    expect(theirs).toMatchObject({ status: 202, body: { outcome: 'created' } });
    expect(JSON.stringify(theirs.body)).not.toContain(mine.body.id);
    // The same key in another collection of mine is another ingestion too.
    expect(await keyed(SUPPORT_KEY, 'order-7', { text: 'Refunds take five days.', collection: 'faq' })).toMatchObject({ status: 202 });

    // Within its scope the key works as before: a replay, and a 409 for another body.
    expect(await keyed(SUPPORT_KEY, 'order-7', { text: 'Refunds take five days.', collection: 'support' })).toMatchObject({
      status: 200,
      body: { id: mine.body.id, outcome: 'replayed' },
    });
    expect(await keyed(SUPPORT_KEY, 'order-7', { text: 'Refunds take a week.', collection: 'support' })).toMatchObject({
      status: 409,
      body: { code: 'IDEMPOTENCY_KEY_REUSED', details: { ingestion_id: mine.body.id } },
    });
    expect(await keyed(KEY_ONE, 'order-7', { text: 'Invoices are due monthly.', collection: 'support' })).toMatchObject({
      status: 200,
      body: { id: theirs.body.id, outcome: 'replayed' },
    });
    expect(await db.count('ingestion_requests', 'idempotency_key = ?', ['order-7'])).toBe(3);
  });
});
