import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ProcessingError } from '../../src/queue/retry-policy';
import { Embedder } from '../../src/embedding/embedder';
import { DbQueries } from '../support/db-queries';
import { eventually, request } from '../support/http';
import { describeDatabase } from '../support/test-database';
import { useHttpApp } from '../support/use-test-app';

describeDatabase('failure semantics over HTTP', () => {
  const suite = useHttpApp({ POLLER_ENABLED: 'true', POLL_INTERVAL_MS: '50', RETRY_BASE_DELAY_MS: '60000', MAX_ATTEMPTS: '3' });
  let app: NestFastifyApplication;
  let db: DbQueries;
  let embedder: Embedder;

  beforeAll(() => {
    app = suite.app;
    db = suite.db;
    embedder = app.get(Embedder);
  });

  afterEach(() => jest.restoreAllMocks());
  const ingest = (body: unknown, headers: Record<string, string> = {}) =>
    request(app, 'POST', '/v1/ingest', body, { 'content-type': 'application/json', ...headers });
  const statusOf = async (id: string) => (await request(app, 'GET', `/v1/status/${id}`)).body;
  const waitFor = (id: string, status: string) => eventually(async () => ((await statusOf(id)).status === status ? statusOf(id) : undefined));

  it('should show attempts, the last error and the next attempt time while a request is retrying', async () => {
    jest.spyOn(embedder, 'embed').mockRejectedValue(new Error('embedding provider answered 503'));
    const { id } = (await ingest({ text: 'a document that meets a flaky provider' })).body;

    const retrying = await eventually(async () => {
      const status = await statusOf(id);
      return status.attempts === 1 && status.status === 'accepted' ? status : undefined;
    });
    expect(retrying).toMatchObject({ status: 'accepted', attempts: 1, max_attempts: 3, error: 'embedding provider answered 503' });
    expect(Date.parse(retrying.next_attempt_at)).toBeGreaterThan(Date.now() + 20_000);

    // The provider recovers; once due again the request completes on its second attempt.
    jest.restoreAllMocks();
    await db.makeDue(id);
    expect(await waitFor(id, 'completed')).toMatchObject({ attempts: 2, error: null, next_attempt_at: null });
  });

  it('should fail at once on a non-retryable error and say why', async () => {
    jest.spyOn(embedder, 'embed').mockRejectedValue(new ProcessingError('input rejected by the model (400)', false));
    const { id } = (await ingest({ text: 'a document the model refuses' })).body;
    expect(await waitFor(id, 'failed')).toMatchObject({ attempts: 1, error: 'input rejected by the model (400)', next_attempt_at: null });
  });

  describe('Idempotency-Key', () => {
    it('should answer 202 first, then 200 with the same ingestion for the same key and body', async () => {
      const body = { text: 'idempotent document', source_metadata: { b: 1, a: [1, 2] } };
      const first = await ingest(body, { 'idempotency-key': 'order-42' });
      expect(first).toMatchObject({ status: 202, body: { outcome: 'created' } });
      // Key order in objects does not make a different body.
      const again = await ingest({ source_metadata: { a: [1, 2], b: 1 }, text: 'idempotent document' }, { 'idempotency-key': 'order-42' });
      expect(again).toMatchObject({ status: 200, body: { id: first.body.id, outcome: 'replayed' } });
      expect(await db.count('ingestion_requests', 'idempotency_key = ?', ['order-42'])).toBe(1);
    });

    it('should answer 409 IDEMPOTENCY_KEY_REUSED, writing nothing, for the same key with another body', async () => {
      const first = await ingest({ text: 'original body' }, { 'idempotency-key': 'order-43' });
      const before = await db.count('ingestion_requests');
      const conflict = await ingest({ text: 'another body' }, { 'idempotency-key': 'order-43' });
      expect(conflict).toMatchObject({
        status: 409,
        body: { statusCode: 409, code: 'IDEMPOTENCY_KEY_REUSED', message: expect.any(String), details: { ingestion_id: first.body.id } },
      });
      expect(await db.count('ingestion_requests')).toBe(before);
    });

    it('should create one ingestion for concurrent duplicates', async () => {
      const responses = await Promise.all(
        Array.from({ length: 10 }, () => ingest({ text: 'sent ten times at once' }, { 'idempotency-key': 'burst-1' })),
      );
      expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
      expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 202]);
      expect(await db.count('ingestion_requests', 'idempotency_key = ?', ['burst-1'])).toBe(1);
    });

    it('should reject a malformed key with 400 VALIDATION_FAILED', async () => {
      const before = await db.count('ingestion_requests');
      for (const key of ['', 'x'.repeat(256), 'with space', 'naïve']) {
        const response = await ingest({ text: 'x' }, { 'idempotency-key': key });
        expect(response).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED', details: [{ field: 'Idempotency-Key' }] } });
      }
      expect(await db.count('ingestion_requests')).toBe(before);
    });
  });

  describe('document_id', () => {
    const searchDocument = async (query: string, ids: string[]) =>
      (await request(app, 'POST', '/v1/search', { query, top_k: 100 })).body.results.filter((r: { ingestion_id: string }) =>
        ids.includes(r.ingestion_id),
      );

    it("should replace a document's chunks with its new version, and not re-process unchanged content", async () => {
      const v1 = (await ingest({ document_id: 'handbook.md', text: 'Holidays: every employee has 25 days of paid leave.' })).body;
      expect(v1).toMatchObject({ outcome: 'created', document_id: 'handbook.md', document_version: 1 });
      await waitFor(v1.id, 'completed');

      const v2Text = 'Holidays: every employee has 30 days of paid leave, and 2 more after five years.';
      const v2 = await ingest({ document_id: 'handbook.md', text: v2Text });
      expect(v2).toMatchObject({ status: 202, body: { outcome: 'created', document_version: 2 } });
      const done = await waitFor(v2.body.id, 'completed');

      expect(await statusOf(v1.id)).toMatchObject({ status: 'superseded', superseded_by: v2.body.id, chunk_count: 0, document_version: 1 });
      const hits = await searchDocument('paid leave days holidays', [v1.id, v2.body.id]);
      expect(hits.map((h: { ingestion_id: string }) => h.ingestion_id)).toEqual(Array(done.chunk_count).fill(v2.body.id));

      const unchanged = await ingest({ document_id: 'handbook.md', text: v2Text });
      expect(unchanged).toMatchObject({ status: 200, body: { id: v2.body.id, outcome: 'unchanged', status: 'completed' } });
      expect(await db.count('ingestion_requests', 'document_id = ?', ['handbook.md'])).toBe(2);
    });

    it('should keep a document id of one collection apart from the same id in another', async () => {
      const text = 'Expenses: receipts are due within 30 days of purchase.';
      const inSales = (await ingest({ document_id: 'policy.md', collection: 'sales', text })).body;
      const inLegal = await ingest({ document_id: 'policy.md', collection: 'legal', text });
      // Same content, other collection: a new document at version 1, not "unchanged" and not a version 2 of sales' document.
      expect(inLegal).toMatchObject({ status: 202, body: { outcome: 'created', document_version: 1 } });
      expect(inSales).toMatchObject({ outcome: 'created', document_version: 1 });
      await waitFor(inSales.id, 'completed');
      await waitFor(inLegal.body.id, 'completed');

      const legalV2 = (await ingest({ document_id: 'policy.md', collection: 'legal', text: `${text} Late ones are not refunded.` })).body;
      expect(legalV2).toMatchObject({ outcome: 'created', document_version: 2 });
      await waitFor(legalV2.id, 'completed');
      expect(await statusOf(inLegal.body.id)).toMatchObject({ status: 'superseded', superseded_by: legalV2.id });
      expect(await statusOf(inSales.id)).toMatchObject({ status: 'completed', chunk_count: 1 });
    });
  });

  describe('bad input', () => {
    /** A rejected request answers in the one error shape and writes nothing. */
    async function expectRejected(send: () => Promise<{ status: number; body: any }>, status: number, code: string) {
      const before = await db.count('ingestion_requests');
      const response = await send();
      expect(response).toMatchObject({ status, body: { statusCode: status, code, message: expect.any(String) } });
      expect(await db.count('ingestion_requests')).toBe(before);
      return response;
    }

    const nested = (depth: number): unknown => (depth === 0 ? 'leaf' : { level: nested(depth - 1) });

    it.each([
      ['metadata nested too deep', { text: 'x', source_metadata: nested(9) }, 'source_metadata'],
      ['metadata too large', { text: 'x', source_metadata: { blob: 'y'.repeat(17_000) } }, 'source_metadata'],
      ['a NUL character in the text', { text: 'before\u0000after' }, 'text'],
      ['an unpaired surrogate in metadata', { text: 'x', source_metadata: { name: 'broken \ud800' } }, 'source_metadata'],
      ['a NUL character in a metadata key', { text: 'x', source_metadata: { 'k\u0000': 1 } }, 'source_metadata'],
      ['an empty document_id', { text: 'x', document_id: '' }, 'document_id'],
      ['a document_id that is not a string', { text: 'x', document_id: 7 }, 'document_id'],
      ['an unknown field', { text: 'x', priority: 'high' }, 'priority'],
    ])('should answer 400 VALIDATION_FAILED for %s', async (_, body, field) => {
      const response = await expectRejected(() => ingest(body), 400, 'VALIDATION_FAILED');
      expect(response.body.details.map((d: { field: string }) => d.field)).toContain(field);
    });

    it('should accept metadata at the depth limit and null for optional objects', async () => {
      expect((await ingest({ text: 'deep but allowed', source_metadata: nested(7) })).status).toBe(202);
      expect((await ingest({ text: 'null chunking', chunking: null, source_metadata: null })).status).toBe(202);
    });

    it.each([
      ['a JSON string', '"just a string"'],
      ['a JSON number', '42'],
      ['JSON null', 'null'],
      ['an array', '[]'],
    ])('should answer 400 for a body that is %s', async (_, raw) => {
      const response = await expectRejected(
        () => request(app, 'POST', '/v1/ingest', raw, { 'content-type': 'application/json' }),
        400,
        expect.any(String),
      );
      expect(['VALIDATION_FAILED', 'INVALID_JSON']).toContain(response.body.code);
    });

    it('should answer 400, not overflow the stack, for metadata nested 100,000 levels deep', async () => {
      const depth = 100_000;
      const raw = `{"text":"x","source_metadata":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
      const response = await expectRejected(
        () => request(app, 'POST', '/v1/ingest', raw, { 'content-type': 'application/json' }),
        400,
        expect.any(String),
      );
      expect(['VALIDATION_FAILED', 'INVALID_JSON']).toContain(response.body.code);
    });

    it('should answer 400 INVALID_JSON for a prototype-poisoning body', async () => {
      await expectRejected(
        () => request(app, 'POST', '/v1/ingest', '{"text":"x","__proto__":{"polluted":true}}', { 'content-type': 'application/json' }),
        400,
        expect.any(String),
      );
    });
  });
});
