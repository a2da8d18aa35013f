import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory';
import type { AppConfig } from '../../src/config/app-config';
import { DbQueries } from '../support/db-queries';
import { eventually, request } from '../support/http';
import { createTestDatabase, describeDatabase, TestDatabase } from '../support/test-database';

const DOCUMENT = [
  'Invoices are sent on the first working day of each month.',
  'The error code E-4711 means the payment provider rejected the card.',
  'Our office plants are watered every Tuesday by the facilities team.',
].join('\n\n');

describeDatabase('ingestion lifecycle over HTTP', () => {
  let database: TestDatabase;
  let config: AppConfig;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    database = createTestDatabase();
    config = database.config({ POLLER_ENABLED: 'true', POLL_INTERVAL_MS: '50' });
    app = await createApp(config);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const waitForStatus = (id: string, status: string) =>
    eventually(async () => {
      const response = await request(app, 'GET', `/v1/status/${id}`);
      return response.body.status === status ? response.body : undefined;
    });

  const search = (query: string, extra = {}) => request(app, 'POST', '/v1/search', { query, top_k: 3, ...extra });

  it('should accept, process, find, survive a restart, and delete a document', async () => {
    const accepted = await request(app, 'POST', '/v1/ingest', {
      text: DOCUMENT,
      source_metadata: { source: 'handbook.md', team: 'finance' },
      chunking: { chunk_size: 80, chunk_overlap: 0 },
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      status: 'accepted',
      status_url: `/v1/status/${accepted.body.id}`,
      created_at: expect.any(String),
      outcome: 'created',
      document_id: null,
      document_version: null,
    });
    const id: string = accepted.body.id;

    const completed = await waitForStatus(id, 'completed');
    expect(completed).toMatchObject({ id, attempts: 1, error: null, chunk_count: expect.any(Number) });
    const chunkCount: number = completed.chunk_count;
    expect(chunkCount).toBeGreaterThanOrEqual(3);
    expect(Date.parse(completed.completed_at)).toBeGreaterThanOrEqual(Date.parse(completed.started_at));

    const details = await request(app, 'GET', `/v1/ingest/${id}`);
    expect(details.status).toBe(200);
    expect(details.body).toMatchObject({
      id,
      status: 'completed',
      chunk_count: chunkCount,
      text_length: DOCUMENT.length,
      source_metadata: { source: 'handbook.md', team: 'finance' },
      chunking: { strategy: 'fixed', chunk_size: 80, chunk_overlap: 0 },
    });
    expect(details.body.text).toBeUndefined();

    const found = await search('what does error code E-4711 mean');
    expect(found.status).toBe(200);
    expect(found.body.results[0]).toMatchObject({
      ingestion_id: id,
      chunk_strategy: 'fixed',
      chunk_text: expect.stringContaining('error code E-4711'),
      source_metadata: { source: 'handbook.md', team: 'finance' },
    });
    const { start_offset, end_offset, chunk_text } = found.body.results[0];
    expect(DOCUMENT.slice(start_offset, end_offset)).toBe(chunk_text);

    // A restart on the same database keeps the request, its status and its vectors.
    await app.close();
    app = await createApp(config);
    expect((await request(app, 'GET', `/v1/status/${id}`)).body).toMatchObject({ status: 'completed', chunk_count: chunkCount });
    expect((await search('error code E-4711')).body.results[0].chunk_id).toBe(found.body.results[0].chunk_id);

    const deleted = await request(app, 'DELETE', `/v1/ingest/${id}`);
    expect(deleted).toMatchObject({ status: 200, body: { id, deleted: true, chunks_deleted: chunkCount } });
    expect((await search('error code E-4711')).body.results.filter((r: { ingestion_id: string }) => r.ingestion_id === id)).toEqual([]);
    expect((await request(app, 'GET', `/v1/ingest/${id}`)).status).toBe(404);
    // Deleting again is harmless.
    expect(await request(app, 'DELETE', `/v1/ingest/${id}`)).toMatchObject({ status: 200, body: { deleted: false, chunks_deleted: 0 } });
  });

  it('should limit a search to one ingestion and bound top_k', async () => {
    const a = (await request(app, 'POST', '/v1/ingest', { text: 'alpha bravo charlie delta' })).body.id;
    const b = (await request(app, 'POST', '/v1/ingest', { text: 'alpha bravo echo foxtrot' })).body.id;
    await waitForStatus(a, 'completed');
    await waitForStatus(b, 'completed');
    const onlyB = await search('alpha bravo', { ingestion_id: b, top_k: 10 });
    expect(onlyB.body.results.map((r: { ingestion_id: string }) => r.ingestion_id)).toEqual([b]);
    expect((await search('alpha', { top_k: 1 })).body.results).toHaveLength(1);
  });

  it('should serve the OpenAPI document describing every endpoint and the error shape', async () => {
    const ui = await app.inject({ method: 'GET', url: '/docs' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toContain('text/html');
    const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/health/live',
        '/health/ready',
        '/metrics',
        '/v1/ingest',
        '/v1/ingest/file',
        '/v1/ingest/{id}',
        '/v1/search',
        '/v1/status/{id}',
        '/v1/collections/{name}',
      ]),
    );
    expect(Object.keys(spec.paths['/v1/ingest'].post.responses).sort()).toEqual([
      '200',
      '202',
      '400',
      '401',
      '403',
      '409',
      '413',
      '415',
      '429',
      '500',
      '503',
    ]);
    expect(spec.components.schemas.ErrorResponseDto.required).toEqual(expect.arrayContaining(['statusCode', 'code', 'message']));
    expect(spec.components.schemas.IngestRequestDto.properties.text.example).toEqual(expect.any(String));
  });
});

describeDatabase('rejected requests', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let db: DbQueries;

  beforeAll(async () => {
    database = createTestDatabase();
    app = await createApp(database.config({ BODY_LIMIT_BYTES: '2048' }));
    db = new DbQueries(app);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  /** Every rejection answers with the one error shape and leaves the database untouched. */
  async function expectRejected(
    send: () => Promise<{ status: number; body: any }>,
    status: number,
    code: string,
  ): Promise<{ status: number; body: any }> {
    const before = await db.count('ingestion_requests');
    const response = await send();
    expect(response.status).toBe(status);
    expect(response.body).toMatchObject({ statusCode: status, code, message: expect.any(String) });
    expect(await db.count('ingestion_requests')).toBe(before);
    return response;
  }

  it('should answer 400 INVALID_ID for a malformed id on every id route', async () => {
    await expectRejected(() => request(app, 'GET', '/v1/status/not-a-uuid'), 400, 'INVALID_ID');
    await expectRejected(() => request(app, 'GET', '/v1/ingest/123'), 400, 'INVALID_ID');
    await expectRejected(() => request(app, 'DELETE', '/v1/ingest/abc'), 400, 'INVALID_ID');
  });

  it('should answer 404 INGESTION_NOT_FOUND for an unknown id', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    await expectRejected(() => request(app, 'GET', `/v1/status/${id}`), 404, 'INGESTION_NOT_FOUND');
    await expectRejected(() => request(app, 'GET', `/v1/ingest/${id}`), 404, 'INGESTION_NOT_FOUND');
  });

  it('should answer 400 VALIDATION_FAILED listing every bad field', async () => {
    const response = await expectRejected(
      () => request(app, 'POST', '/v1/ingest', { text: '   ', extra: 1, source_metadata: 'x', chunking: { chunk_size: 5, strategy: 'magic' } }),
      400,
      'VALIDATION_FAILED',
    );
    expect(response.body.details.map((d: { field: string }) => d.field).sort()).toEqual(
      ['chunking.chunk_size', 'chunking.strategy', 'extra', 'source_metadata', 'text'].sort(),
    );
    await expectRejected(
      () => request(app, 'POST', '/v1/ingest', { text: 'ok', chunking: { chunk_size: 100, chunk_overlap: 100 } }),
      400,
      'VALIDATION_FAILED',
    );
    await expectRejected(() => request(app, 'POST', '/v1/ingest', [{ text: 'an array' }]), 400, 'VALIDATION_FAILED');
    await expectRejected(() => request(app, 'POST', '/v1/search', { query: 'x', top_k: 0 }), 400, 'VALIDATION_FAILED');
    await expectRejected(() => request(app, 'POST', '/v1/search', { query: 'x', top_k: 101 }), 400, 'VALIDATION_FAILED');
    await expectRejected(() => request(app, 'POST', '/v1/search', { query: 'x', ingestion_id: 'nope' }), 400, 'VALIDATION_FAILED');
  });

  it('should answer 400 INVALID_JSON for a body that is not JSON', async () => {
    await expectRejected(
      () => request(app, 'POST', '/v1/ingest', '{"text": "unterminated', { 'content-type': 'application/json' }),
      400,
      'INVALID_JSON',
    );
  });

  it('should answer 413 PAYLOAD_TOO_LARGE for a body over BODY_LIMIT_BYTES', async () => {
    await expectRejected(() => request(app, 'POST', '/v1/ingest', { text: 'x'.repeat(4096) }), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('should answer 415 UNSUPPORTED_MEDIA_TYPE for a body that is not JSON by content type', async () => {
    await expectRejected(() => request(app, 'POST', '/v1/ingest', 'plain text', { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('should refuse form, multipart, missing and non-UTF-8 bodies on JSON routes with 415 naming what to send, and store nothing', async () => {
    const before = await request(app, 'POST', '/v1/search', { query: 'cross-site form', mode: 'keyword' });
    const refusals = [
      ['/v1/ingest', 'text=hello', 'application/x-www-form-urlencoded'],
      ['/v1/search', 'query=hello', 'application/x-www-form-urlencoded'],
      ['/v1/ingest', '--b\r\ncontent-disposition: form-data; name="text"\r\n\r\nhello\r\n--b--\r\n', 'multipart/form-data; boundary=b'],
      ['/v1/ingest', JSON.stringify({ text: 'hello' }), 'application/json; charset=utf-16'],
      ['/v1/ingest/batch', JSON.stringify({ documents: [{ text: 'hello' }] }), 'text/plain'],
    ] as const;
    for (const [url, payload, contentType] of refusals) {
      const answer = await app.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType } });
      expect([url, contentType, answer.statusCode, answer.json().code]).toEqual([url, contentType, 415, 'UNSUPPORTED_MEDIA_TYPE']);
      expect(answer.json().message).toMatch(/application\/json|UTF-8/);
    }
    // curl -d without -H: no content type at all.
    const bare = await app.inject({ method: 'POST', url: '/v1/ingest', payload: Buffer.from('{"text":"hello"}') });
    expect(bare.statusCode).toBe(415);
    expect(bare.json().message).toContain('send Content-Type: application/json');
    // The upload route takes multipart only.
    const jsonUpload = await request(app, 'POST', '/v1/ingest/file', { text: 'hello' });
    expect(jsonUpload).toMatchObject({ status: 415, body: { message: expect.stringContaining('multipart/form-data') } });
    const after = await request(app, 'POST', '/v1/search', { query: 'cross-site form', mode: 'keyword' });
    expect(after.body.results).toEqual(before.body.results);
    expect((await request(app, 'POST', '/v1/ingest', { text: 'hello' }, { 'content-type': 'application/json; charset=UTF-8' })).status).toBe(202);
  });

  it('should answer 404 ROUTE_NOT_FOUND in the same shape for an unknown route', async () => {
    await expectRejected(() => request(app, 'GET', '/v1/nothing-here'), 404, 'ROUTE_NOT_FOUND');
  });
});
