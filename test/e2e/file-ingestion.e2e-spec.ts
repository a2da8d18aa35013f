import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app.factory';
import { PDF_CHUNKING, sampleHtml, sampleMarkdown, samplePdf, sampleText, SENTENCES } from '../factories/documents.factory';
import { DbQueries } from '../support/db-queries';
import { eventually, JsonResponse, request } from '../support/http';
import { FormFile, multipartForm } from '../support/multipart';
import { createTestDatabase, describeDatabase, TestDatabase } from '../support/test-database';

const UPLOAD_LIMIT = 64 * 1024;

describeDatabase('POST /v1/ingest/file', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let db: DbQueries;
  let uploads: string;

  beforeAll(async () => {
    database = createTestDatabase();
    // Uploads stream to os.tmpdir(): a folder of this test's own (jest runs each file in its own worker
    // process), so that what a request leaves behind can be seen.
    uploads = mkdtempSync(join(tmpdir(), 'uploads-'));
    process.env.TMPDIR = uploads;
    app = await createApp(database.config({ POLLER_ENABLED: 'true', POLL_INTERVAL_MS: '50', FILE_UPLOAD_LIMIT_BYTES: String(UPLOAD_LIMIT) }));
    db = new DbQueries(app);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(uploads, { recursive: true, force: true });
  });

  async function upload(file: FormFile | undefined, fields: Record<string, string> = {}): Promise<JsonResponse> {
    const { payload, headers } = multipartForm(file, fields);
    const response = await app.inject({ method: 'POST', url: '/v1/ingest/file', payload, headers });
    return { status: response.statusCode, body: response.json(), headers: response.headers };
  }

  const completed = (id: string) =>
    eventually(async () => {
      const { body } = await request(app, 'GET', `/v1/status/${id}`);
      if (body.status === 'failed') throw new Error(`ingestion ${id} failed: ${body.error}`);
      return body.status === 'completed' ? body : undefined;
    });

  const topHit = async (query: string, ingestionId: string) =>
    (await request(app, 'POST', '/v1/search', { query, top_k: 1, ingestion_id: ingestionId })).body.results[0];

  const sha256 = (content: Buffer | string) => createHash('sha256').update(content).digest('hex');

  it('should ingest a text file, describe it in source_metadata, and keep no copy of it', async () => {
    const content = sampleText();
    const accepted = await upload({ name: 'ship-log.txt', content, contentType: 'text/plain' }, { source_metadata: '{"team":"harbour"}' });
    expect(accepted).toMatchObject({
      status: 202,
      body: { id: expect.any(String), status: 'accepted', status_url: `/v1/status/${accepted.body.id}` },
    });
    await completed(accepted.body.id);
    const hit = await topHit(SENTENCES.txt, accepted.body.id);
    expect(hit.chunk_text).toContain(SENTENCES.txt);
    expect(hit.source_metadata).toEqual({
      source: 'ship-log.txt',
      team: 'harbour',
      file_name: 'ship-log.txt',
      content_type: 'text/plain',
      size_bytes: Buffer.byteLength(content),
      sha256: sha256(content),
    });
    expect(hit.chunk_metadata).toEqual({});
    expect(readdirSync(uploads)).toEqual([]);
  });

  it('should ingest markdown as text with the chunking given in the form', async () => {
    const content = sampleMarkdown();
    const accepted = await upload({ name: 'baking.md', content }, { chunking_strategy: 'fixed', chunk_size: '40', chunk_overlap: '0' });
    expect(accepted.status).toBe(202);
    const status = await completed(accepted.body.id);
    expect(status.chunk_count).toBeGreaterThan(2);
    const details = await request(app, 'GET', `/v1/ingest/${accepted.body.id}`);
    expect(details.body).toMatchObject({
      text_length: content.length,
      chunking: { strategy: 'fixed', chunk_size: 40, chunk_overlap: 0 },
      source_metadata: { content_type: 'text/markdown', file_name: 'baking.md' },
    });
    expect((await topHit('sourdough starters feeding', accepted.body.id)).chunk_text).toContain('Sourdough');
  });

  it('should chunk by file type when the upload names no strategy: markdown sections for .md, recursive for the rest', async () => {
    const markdown = await upload({ name: 'guide.md', content: sampleMarkdown() });
    const text = await upload({ name: 'notes.txt', content: sampleText(), contentType: 'text/plain' });
    await completed(markdown.body.id);
    await completed(text.body.id);
    expect((await request(app, 'GET', `/v1/ingest/${markdown.body.id}`)).body.chunking.strategy).toBe('markdown');
    expect((await request(app, 'GET', `/v1/ingest/${text.body.id}`)).body.chunking.strategy).toBe('recursive');
    expect((await topHit('sourdough starters feeding', markdown.body.id)).chunk_metadata.heading_path).toEqual(
      expect.arrayContaining([expect.any(String)]),
    );
  });

  it('should ingest the content of an HTML page without its boilerplate', async () => {
    const accepted = await upload({ name: 'glaciers.html', content: sampleHtml(), contentType: 'text/html' });
    expect(accepted.status).toBe(202);
    await completed(accepted.body.id);
    const chunks = await db.chunks(accepted.body.id);
    const text = chunks.map((c) => c.chunk_text).join('\n');
    expect(text).toContain(SENTENCES.html);
    for (const boilerplate of ['pixel-secret', 'Menu item', SENTENCES.htmlBoilerplate]) expect(text).not.toContain(boilerplate);
    expect((await topHit(SENTENCES.html, accepted.body.id)).source_metadata.content_type).toBe('text/html');
  });

  it('should ingest a PDF and give each chunk its page number', async () => {
    const pdf = await samplePdf();
    const accepted = await upload({ name: 'annual-report.pdf', content: pdf, contentType: 'application/pdf' }, PDF_CHUNKING);
    expect(accepted.status).toBe(202);
    expect((await completed(accepted.body.id)).chunk_count).toBeGreaterThan(6);
    const hit = await topHit(SENTENCES.pdfPage2, accepted.body.id);
    expect(hit).toMatchObject({
      chunk_text: expect.stringContaining(SENTENCES.pdfPage2),
      chunk_metadata: { page: 2 },
      source_metadata: { source: 'annual-report.pdf', content_type: 'application/pdf', size_bytes: pdf.length, sha256: sha256(pdf), page_count: 3 },
    });
    expect((await topHit(SENTENCES.pdfPage3, accepted.body.id)).chunk_metadata).toEqual({ page: 3 });
    // Chunks across a page break name both pages.
    const pages = (await request(app, 'POST', '/v1/search', { query: 'filler line', top_k: 100, ingestion_id: accepted.body.id })).body.results.map(
      (r: { chunk_metadata: { page: number; page_end?: number } }) => r.chunk_metadata,
    );
    expect(pages).toContainEqual({ page: 1, page_end: 2 });
  });

  describe('rejections, which write nothing', () => {
    /** Nothing in the database and no temporary upload left behind. */
    async function expectRejected(response: Promise<JsonResponse>, status: number, code: string): Promise<JsonResponse> {
      const before = await db.count('ingestion_requests');
      const answer = await response;
      expect(answer.status).toBe(status);
      expect(answer.body).toMatchObject({ statusCode: status, code, message: expect.any(String) });
      expect(await db.count('ingestion_requests')).toBe(before);
      // A file refused by the route's pipes is removed once the answer is sent, so allow it a moment.
      await eventually(async () => (readdirSync(uploads).length === 0 ? true : undefined), 2000);
      return answer;
    }

    it('should answer 415 for an unsupported file type', async () => {
      const answer = await expectRejected(
        upload({ name: 'report.docx', content: 'PK\u0003\u0004 not really', contentType: 'text/plain' }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
      expect(answer.body.message).toContain('report.docx');
      await expectRejected(
        upload({ name: 'image.png', content: Buffer.from([0x89, 0x50, 0x4e, 0x47]), contentType: 'image/png' }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
    });

    it('should answer 400 for an empty file or a form without a file', async () => {
      await expectRejected(upload({ name: 'empty.txt', content: '' }), 400, 'EMPTY_FILE');
      const answer = await expectRejected(upload(undefined, { chunk_size: '100' }), 400, 'VALIDATION_FAILED');
      expect(answer.body.details).toEqual([{ field: 'file', messages: [expect.any(String)] }]);
    });

    it('should answer 422 for a file that cannot be read or holds no text', async () => {
      await expectRejected(upload({ name: 'fake.pdf', content: 'this is not a PDF' }), 422, 'UNREADABLE_FILE');
      await expectRejected(upload({ name: 'latin1.txt', content: Buffer.from([0x63, 0x61, 0x66, 0xe9]) }), 422, 'UNREADABLE_FILE');
      await expectRejected(upload({ name: 'blank.md', content: '\n   \n' }), 422, 'UNREADABLE_FILE');
      await expectRejected(upload({ name: 'scan.pdf', content: await samplePdf(['']) }), 422, 'UNREADABLE_FILE');
    });

    it('should answer 400 for bad form fields, with the same rules as POST /v1/ingest', async () => {
      const file = { name: 'ok.txt', content: 'fine text' };
      const unknown = await expectRejected(upload(file, { colour: 'blue' }), 400, 'VALIDATION_FAILED');
      expect(unknown.body.details.map((d: { field: string }) => d.field)).toEqual(['colour']);
      await expectRejected(upload(file, { source_metadata: 'not json' }), 400, 'VALIDATION_FAILED');
      await expectRejected(upload(file, { chunking_strategy: 'magic' }), 400, 'VALIDATION_FAILED');
      const bounds = await expectRejected(upload(file, { chunk_size: '5' }), 400, 'VALIDATION_FAILED');
      expect(bounds.body.details.map((d: { field: string }) => d.field)).toEqual(['chunking.chunk_size']);
    });

    it('should answer 413 for a file over FILE_UPLOAD_LIMIT_BYTES', async () => {
      await expectRejected(upload({ name: 'big.txt', content: 'word '.repeat(UPLOAD_LIMIT / 4) }), 413, 'PAYLOAD_TOO_LARGE');
    });
  });

  it('should document the route in OpenAPI with every status it answers', async () => {
    const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    const route = spec.paths['/v1/ingest/file'].post;
    expect(Object.keys(route.requestBody.content)).toEqual(['multipart/form-data']);
    expect(Object.keys(route.responses).sort()).toEqual(['200', '202', '400', '401', '403', '409', '413', '415', '422', '429', '500', '503']);
    expect(route.responses['413'].description).toContain('FILE_UPLOAD_LIMIT_BYTES');
    expect(route.responses['400'].description).toContain('EMPTY_FILE');
    expect(route.parameters.map((p: { name: string }) => p.name)).toContain('Idempotency-Key');
  });

  it('should answer an upload as POST /v1/ingest does: 200 "unchanged" for the same document, and honour Idempotency-Key', async () => {
    const manual = { name: 'manual.txt', content: 'Descale the boiler every spring.', contentType: 'text/plain' };
    const first = await upload(manual, { document_id: 'boiler-manual' });
    expect(first).toMatchObject({ status: 202, body: { outcome: 'created' } });
    await completed(first.body.id);
    expect(await upload(manual, { document_id: 'boiler-manual' })).toMatchObject({ status: 200, body: { id: first.body.id, outcome: 'unchanged' } });

    const keyed = async (file: FormFile, key: string) => {
      const { payload, headers } = multipartForm(file);
      const response = await app.inject({ method: 'POST', url: '/v1/ingest/file', payload, headers: { ...headers, 'idempotency-key': key } });
      return { status: response.statusCode, body: response.json() };
    };
    const created = await keyed(manual, 'upload-1');
    expect(created).toMatchObject({ status: 202, body: { outcome: 'created' } });
    expect(await keyed(manual, 'upload-1')).toMatchObject({ status: 200, body: { id: created.body.id, outcome: 'replayed' } });
    expect(await keyed({ ...manual, content: 'Another text.' }, 'upload-1')).toMatchObject({
      status: 409,
      body: { code: 'IDEMPOTENCY_KEY_REUSED', details: { ingestion_id: created.body.id } },
    });
    expect(await db.count('ingestion_requests', 'idempotency_key = ?', ['upload-1'])).toBe(1);
    expect(await keyed(manual, 'not a valid key')).toMatchObject({ status: 400, body: { details: [{ field: 'Idempotency-Key' }] } });
  });
});
