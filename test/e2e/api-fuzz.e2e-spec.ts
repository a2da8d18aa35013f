import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import fc from 'fast-check';
import { createApp } from '../../src/app.factory';
import { ErrorCode } from '../../src/common/errors/app-error';
import { DbQueries } from '../support/db-queries';
import { createTestDatabase, describeDatabase, TestDatabase } from '../support/test-database';

const BODY_LIMIT = 4096;
const KNOWN_ID = '00000000-0000-4000-8000-000000000000';

/** Bodies the API must reject: malformed JSON, wrong types, unknown fields, hostile values, oversized. */
const badBody = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))),
  fc
    .record(
      {
        text: fc.oneof(fc.constant(''), fc.constant('   '), fc.integer(), fc.constant(null), fc.array(fc.string()), fc.string({ unit: 'binary' }).map((s) => `${s}\u0000`)),
        source_metadata: fc.oneof(fc.string(), fc.array(fc.jsonValue()), fc.constant({ k: '\ud800' }), fc.jsonValue({ maxDepth: 12 })),
        chunking: fc.oneof(
          fc.record({ strategy: fc.string(), chunk_size: fc.oneof(fc.integer(), fc.double(), fc.string()) }, { requiredKeys: [] }),
          fc.record({ chunk_size: fc.integer({ min: 16, max: 200 }), chunk_overlap: fc.integer({ min: 200, max: 1000 }) }),
          fc.jsonValue(),
        ),
        document_id: fc.oneof(fc.constant(''), fc.integer(), fc.string({ minLength: 513, maxLength: 600 })),
        unexpected: fc.jsonValue(),
      },
      { requiredKeys: ['text'] },
    )
    .map((b) => JSON.stringify(b)),
  fc.string({ minLength: BODY_LIMIT + 1, maxLength: BODY_LIMIT + 200 }).map((s) => JSON.stringify({ text: s })),
  fc.integer({ min: 1, max: 2000 }).map((depth) => `{"text":"x","source_metadata":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`),
);

const searchBody = fc
  .record(
    {
      query: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
      top_k: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)),
      ingestion_id: fc.oneof(fc.string(), fc.uuid()),
      other: fc.jsonValue(),
    },
    { requiredKeys: [] },
  )
  .map((b) => JSON.stringify(b));

const contentType = fc.oneof(
  fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/xml', ''),
  fc.string(),
);

/** A path segment: random text (encoded), ids valid and not, and raw sequences that confuse URL parsers. */
const segment = fc.oneof(
  fc.uuid(),
  fc.constant(KNOWN_ID),
  fc.string().map(encodeURIComponent),
  fc.constantFrom('%', '%E0%A4%A', '%00', '..', '', '%2F', '%C0%AF', '\u00e9', '::'),
);

const call = fc.oneof(
  fc.record({ method: fc.constant('POST' as const), url: fc.constant('/v1/ingest'), body: badBody, contentType, key: fc.option(fc.string()) }),
  fc.record({ method: fc.constant('POST' as const), url: fc.constant('/v1/search'), body: searchBody, contentType, key: fc.constant(null) }),
  fc.record({
    method: fc.constantFrom('GET' as const, 'DELETE' as const, 'POST' as const, 'PUT' as const, 'PATCH' as const),
    url: fc.tuple(fc.constantFrom('/v1/status/', '/v1/ingest/', '/v1/', '/', '/v1/search/'), segment, fc.option(segment)).map(([p, a, b]) => `${p}${a}${b === null ? '' : `/${b}`}`),
    body: fc.option(fc.string()),
    contentType,
    key: fc.constant(null),
  }),
);

describeDatabase('API fuzz (fast-check)', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let db: DbQueries;

  beforeAll(async () => {
    database = createTestDatabase();
    app = await createApp(database.config({ BODY_LIMIT_BYTES: String(BODY_LIMIT) }));
    db = new DbQueries(app);
    // One row exists, so that id-based routes also meet a real request.
    await app.inject({ method: 'POST', url: '/v1/ingest', payload: { text: 'the one stored document' } });
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('should never answer 500, always use the one error shape, and write nothing for a rejected request', async () => {
    const codes = Object.values(ErrorCode) as string[];
    await fc.assert(
      fc.asyncProperty(call, async ({ method, url, body, contentType: type, key }) => {
        const before = await db.count('ingestion_requests');
        const headers: Record<string, string> = {};
        if (type) headers['content-type'] = type;
        if (key !== null) headers['idempotency-key'] = key;
        const response = await app.inject({ method, url, headers, ...(body === null ? {} : { payload: body }) });

        expect(response.statusCode).toBeLessThan(500);
        if (response.statusCode >= 400) {
          const error = response.json();
          expect(error).toEqual(expect.objectContaining({ statusCode: response.statusCode, message: expect.any(String) }));
          expect(codes).toContain(error.code);
          expect(await db.count('ingestion_requests')).toBe(before);
        }
      }),
      { numRuns: 800 },
    );
  });
});
