import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { MAX_BATCH_DOCUMENTS } from '../../src/ingestion/dto/ingest-request.dto';
import { DbQueries } from '../support/db-queries';
import { eventually, request } from '../support/http';
import { describeDatabase } from '../support/test-database';
import { useHttpApp } from '../support/use-test-app';

describeDatabase('POST /v1/ingest/batch', () => {
  const suite = useHttpApp({ POLLER_ENABLED: 'true', POLL_INTERVAL_MS: '50' });
  let app: NestFastifyApplication;
  let db: DbQueries;

  beforeAll(() => {
    app = suite.app;
    db = suite.db;
  });

  const batch = (documents: unknown[], headers: Record<string, string> = {}) => request(app, 'POST', '/v1/ingest/batch', { documents }, headers);
  const status = (id: string) => request(app, 'GET', `/v1/status/${id}`);
  const completed = (id: string) => eventually(async () => ((await status(id)).body.status === 'completed' ? (await status(id)).body : undefined));
  const stored = () => db.count('ingestion_requests');

  it('should accept every document, answer each in the order sent, and process each as a single ingest would', async () => {
    const response = await batch([
      { text: 'Invoices are sent on the first working day of each month.', source_metadata: { source: 'billing.md' } },
      { text: 'The error code E-4711 means the payment provider rejected the card.', collection: 'support', document_id: 'errors.md' },
      { text: 'Office plants are watered every Tuesday.', chunking: { strategy: 'sentence', chunk_size: 100, chunk_overlap: 0 } },
    ]);
    expect(response.status).toBe(202);
    expect(response.body.ingestions).toEqual([
      expect.objectContaining({ status: 'accepted', outcome: 'created', document_id: null, document_version: null }),
      expect.objectContaining({ status: 'accepted', outcome: 'created', document_id: 'errors.md', document_version: 1 }),
      expect.objectContaining({ status: 'accepted', outcome: 'created', document_id: null, document_version: null }),
    ]);
    const ids: string[] = response.body.ingestions.map((i: { id: string }) => i.id);
    expect(new Set(ids).size).toBe(3);
    for (const [i, ingestion] of response.body.ingestions.entries()) expect(ingestion.status_url).toBe(`/v1/status/${ids[i]}`);

    for (const d of await Promise.all(ids.map(completed))) expect(d.chunk_count).toBeGreaterThan(0);
    const requests = await Promise.all(ids.map(async (id) => (await request(app, 'GET', `/v1/ingest/${id}`)).body));
    expect(requests.map((d) => d.collection)).toEqual(['default', 'support', 'default']);
    expect(requests[0].source_metadata).toEqual({ source: 'billing.md' });
    expect(requests[2].chunking).toMatchObject({ strategy: 'sentence', chunk_size: 100 });

    const hits = await request(app, 'POST', '/v1/search', { query: 'payment provider rejected the card', collection: 'support', top_k: 1 });
    expect(hits.body.results[0]).toMatchObject({ ingestion_id: ids[1], chunk_text: expect.stringContaining('E-4711') });
  });

  it('should give a document sent again as unchanged and a changed one as its next version, within one batch too', async () => {
    const text = 'Refunds take five working days.';
    const first = await batch([{ text, document_id: 'refunds.md' }]);
    await completed(first.body.ingestions[0].id);

    const again = await batch([
      { text, document_id: 'refunds.md' },
      { text: 'Refunds take three working days.', document_id: 'refunds.md' },
      { text: 'Refunds take three working days.', document_id: 'refunds.md' },
    ]);
    expect(again.status).toBe(202);
    const [unchanged, changed, repeated] = again.body.ingestions;
    expect(unchanged).toMatchObject({ id: first.body.ingestions[0].id, outcome: 'unchanged', document_version: 1 });
    expect(changed).toMatchObject({ outcome: 'created', document_version: 2 });
    // The same content twice in one batch: the second finds the first as the document's current version.
    expect(repeated).toMatchObject({ id: changed.id, outcome: 'unchanged', document_version: 2 });
  });

  it('should store nothing when any document is invalid, and name the document and field', async () => {
    const before = await stored();
    const empty = await batch([{ text: 'A good document.' }, { text: '   ' }]);
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ field: 'documents.1.text' })] });

    const badChunking = await batch([{ text: 'A good document.' }, { text: 'Another.', chunking: { chunk_size: 100, chunk_overlap: 100 } }]);
    expect(badChunking.status).toBe(400);
    expect(badChunking.body.details).toEqual([expect.objectContaining({ field: 'documents.1.chunking.chunk_overlap' })]);

    const unknownField = await batch([{ text: 'A good document.', txet: 'typo' }]);
    expect(unknownField.status).toBe(400);
    expect(await stored()).toBe(before);
  });

  it('should refuse an empty batch, too many documents and an Idempotency-Key, storing nothing', async () => {
    const before = await stored();
    expect((await batch([])).body).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ field: 'documents' })] });
    const tooMany = await batch(Array.from({ length: MAX_BATCH_DOCUMENTS + 1 }, (_, i) => ({ text: `document ${i}` })));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.details).toEqual([expect.objectContaining({ field: 'documents' })]);
    const keyed = await batch([{ text: 'A good document.' }], { 'idempotency-key': 'batch-1' });
    expect(keyed.status).toBe(400);
    expect(keyed.body.details).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
    expect((await request(app, 'POST', '/v1/ingest/batch', { documents: 'not a list' })).status).toBe(400);
    expect(await stored()).toBe(before);
  });
});
