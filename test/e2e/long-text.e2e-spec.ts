import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHash } from 'node:crypto';
import { ChunkerRegistry } from '../../src/chunking/chunker-registry';
import { tableName, SqlEntityManager } from '../../src/database/sql';
import { CLAIMED_TEXT_LIMIT } from '../../src/queue/long-text';
import { longText } from '../factories/long-text.factory';
import { DbQueries } from '../support/db-queries';
import { eventually, request } from '../support/http';
import { FormFile, multipartForm } from '../support/multipart';
import { describeDatabase } from '../support/test-database';
import { useHttpApp } from '../support/use-test-app';

async function upload(app: NestFastifyApplication, file: FormFile, fields: Record<string, string> = {}) {
  const { payload, headers } = multipartForm(file, fields);
  const response = await app.inject({ method: 'POST', url: '/v1/ingest/file', payload, headers });
  return { status: response.statusCode, body: response.json() };
}

describeDatabase('a long text file', () => {
  // No HNSW build here (it would still be running on the server when the schema is dropped): this is about ingestion.
  const suite = useHttpApp({ POLLER_ENABLED: 'true', POLL_INTERVAL_MS: '50', INDEX_MIN_SEGMENT_CHUNKS: '1000000', INDEX_MAX_TAIL_CHUNKS: '1000000' });
  let app: NestFastifyApplication;
  let db: DbQueries;

  beforeAll(() => {
    app = suite.app;
    db = suite.db;
  });

  it('should be uploaded, stored as it is and chunked window by window into exactly the chunks of the text', async () => {
    // Two, three and four-byte characters everywhere: the text is stored and read back in parts of bytes.
    const text = longText(2_500_000, { unicode: true });
    const file = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]); // with a byte order mark, dropped
    expect(text.length).toBeGreaterThan(CLAIMED_TEXT_LIMIT);

    const accepted = await upload(
      app,
      { name: 'ledger.txt', content: file, contentType: 'text/plain' },
      { chunking_strategy: 'fixed', chunk_size: '600', chunk_overlap: '60' },
    );
    expect(accepted.status).toBe(202);
    const done = await eventually(async () => {
      const { body } = await request(app, 'GET', `/v1/status/${accepted.body.id}`);
      if (body.status === 'failed') throw new Error(`failed: ${body.error}`);
      return body.status === 'completed' ? body : undefined;
    }, 120_000);

    const expected = app.get(ChunkerRegistry).split(text, { strategy: 'fixed', chunk_size: 600, chunk_overlap: 60, size_unit: 'characters' });
    expect(done.chunk_count).toBe(expected.length);
    const details = await request(app, 'GET', `/v1/ingest/${accepted.body.id}`);
    expect(details.body).toMatchObject({
      text_length: text.length,
      source_metadata: { size_bytes: file.length, sha256: createHash('sha256').update(file).digest('hex') },
    });
    const em = app.get(SqlEntityManager);
    const [stored] = await db.inContext(() =>
      em.execute<{ same: boolean }[]>(`select text = ? as same from ${tableName(em, 'ingestion_requests')} where id = ?`, [text, accepted.body.id]),
    );
    expect(stored.same).toBe(true);
    const chunks = await db.inContext(() =>
      em.execute<{ chunk_text: string; start_offset: number; end_offset: number }[]>(
        `select chunk_text, start_offset, end_offset from ${tableName(em, 'chunk_vectors')} where ingestion_id = ? order by chunk_index`,
        [accepted.body.id],
      ),
    );
    expect(chunks).toEqual(expected.map((c) => ({ chunk_text: c.text, start_offset: c.start, end_offset: c.end })));
  });
});

describeDatabase('TEXT_LIMIT_CHARS', () => {
  const LIMIT = 1000;
  const suite = useHttpApp({ TEXT_LIMIT_CHARS: String(LIMIT) });
  let app: NestFastifyApplication;
  let db: DbQueries;

  beforeAll(() => {
    app = suite.app;
    db = suite.db;
  });

  it('should answer 413 PAYLOAD_TOO_LARGE, writing nothing, for a longer text sent as JSON or as a file', async () => {
    const text = 'word '.repeat(LIMIT / 5 + 1);
    const json = await request(app, 'POST', '/v1/ingest', { text });
    const file = await upload(app, { name: 'long.txt', content: text });
    for (const answer of [json, file]) {
      expect(answer.status).toBe(413);
      expect(answer.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('TEXT_LIMIT_CHARS') });
    }
    expect(await db.count('ingestion_requests')).toBe(0);
  });

  it('should accept a text of exactly the limit', async () => {
    expect((await request(app, 'POST', '/v1/ingest', { text: 'x'.repeat(LIMIT) })).status).toBe(202);
    expect((await upload(app, { name: 'at-limit.md', content: `# ${'y'.repeat(LIMIT - 2)}` })).status).toBe(202);
  });
});
