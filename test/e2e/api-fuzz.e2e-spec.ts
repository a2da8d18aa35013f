import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import fc from 'fast-check';
import { ErrorCode } from '../../src/common/errors/app-error';
import { DbQueries } from '../support/db-queries';
import { describeDatabase } from '../support/test-database';
import { useHttpApp } from '../support/use-test-app';

const BODY_LIMIT = 4096;
const KNOWN_ID = '00000000-0000-4000-8000-000000000000';
const EMBEDDING_DIMENSION = 384; // the default the app below runs with

/** Bodies the API must reject: malformed JSON, wrong types, unknown fields, hostile values, oversized. */
const badBody = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))),
  fc
    .record(
      {
        text: fc.oneof(
          fc.constant(''),
          fc.constant('   '),
          fc.integer(),
          fc.constant(null),
          fc.array(fc.string()),
          fc.string({ unit: 'binary' }).map((s) => `${s}\u0000`),
        ),
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

/** A string PostgreSQL cannot store: a NUL or an unpaired surrogate somewhere in arbitrary text. */
const unstorable = fc
  .tuple(fc.string(), fc.constantFrom('\u0000', '\ud800', '\udfff', '\udbff\u0041'), fc.string())
  .map(([a, bad, b]) => `${a}${bad}${b}`);

/** Floats at and beyond the ends of float32 (pgvector's element type), zeros and underflows. */
const extremeFloat = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(3.5e38, -3.5e38, 1e39, -1e39, Number.MAX_VALUE, 1e-50, 0, -0, 3.4028235e38, 3.4028236e38),
);

/** Any mix of fields, mostly rejected for more than one reason. */
const anySearch = fc.record(
  {
    query: fc.oneof(fc.string(), unstorable, fc.integer(), fc.constant(null)),
    vector: fc.oneof(
      fc.array(extremeFloat, { maxLength: 8 }),
      fc.array(extremeFloat, { minLength: EMBEDDING_DIMENSION, maxLength: EMBEDDING_DIMENSION }),
      fc.constant(new Array(EMBEDDING_DIMENSION).fill(0)),
    ),
    mode: fc.constantFrom('vector', 'keyword', 'hybrid', 'other'),
    top_k: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)),
    collection: fc.oneof(fc.string(), unstorable),
    ingestion_id: fc.oneof(fc.string(), fc.uuid()),
    ingestion_ids: fc.array(fc.oneof(fc.string(), fc.uuid()), { maxLength: 3 }),
    metadata: fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.dictionary(fc.oneof(fc.string(), unstorable), fc.oneof(fc.string(), unstorable, fc.integer())),
      fc.record({ nested: fc.dictionary(fc.string(), unstorable) }),
    ),
    created_after: fc.oneof(
      fc.string(),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      // ISO 8601 forms Date misreads or PostgreSQL refuses.
      fc.constantFrom('0000-01-01T00:00:00Z', '2026-W01', '2026-123', '-0001-01-01', '20261101'),
    ),
    min_score: fc.oneof(extremeFloat, fc.string()),
    ef_search: fc.oneof(fc.integer(), fc.double()),
    other: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

/** A valid search with one field made hostile, so that field's own check is the one that must hold. */
const oneHostileField = fc
  .tuple(
    fc.oneof(
      fc.record({ query: fc.string().map((q) => `${q} kernels`), mode: fc.constantFrom('vector', 'keyword', 'hybrid') }),
      fc.constant({ vector: Object.assign(new Array<number>(EMBEDDING_DIMENSION).fill(0), { 0: 1 }) }),
    ),
    fc.oneof(
      fc.record({
        metadata: fc.oneof(
          fc.dictionary(fc.oneof(fc.string(), unstorable), fc.oneof(unstorable, fc.integer())),
          fc.record({ nested: fc.dictionary(fc.string(), unstorable) }),
        ),
      }),
      fc.record({ query: unstorable }),
      fc.record({
        query: fc.constant(undefined),
        mode: fc.constant('vector'),
        vector: fc.array(extremeFloat, { minLength: EMBEDDING_DIMENSION, maxLength: EMBEDDING_DIMENSION }),
      }),
      fc.record({ min_score: extremeFloat }),
      fc.record({ collection: unstorable }),
    ),
  )
  .map(([base, hostile]) => ({ ...base, ...hostile }));

const searchBody = fc.oneof(anySearch, oneHostileField).map((b) => JSON.stringify(b));

const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data',
    'application/xml',
    '',
  ),
  fc.string(),
);

/** A path segment: random text (encoded), ids valid and not, and raw sequences that confuse URL parsers. */
const segment = fc.oneof(
  fc.uuid(),
  fc.constant(KNOWN_ID),
  fc.string().map(encodeURIComponent),
  fc.constantFrom('%', '%E0%A4%A', '%00', '..', '', '%2F', '%C0%AF', '\u00e9', '::'),
);

/** Query strings for the listing routes (ingestions, an ingestion's chunks): their parameters and others, with hostile, malformed and borderline values. */
const queryString = fc
  .dictionary(
    fc.oneof(
      fc.constantFrom('collection', 'status', 'document_id', 'created_after', 'created_before', 'limit', 'cursor', 'order', 'include'),
      fc.string(),
    ),
    fc.oneof(
      fc.string(),
      unstorable,
      fc.integer().map(String),
      fc.double().map(String),
      fc.constantFrom(
        '2026-W01',
        '2026-123',
        '20261101',
        '2026-11-01T10:00+01',
        '2026-02-30',
        '9999-12-31T23:59:59Z',
        '0000-01-01',
        '-0001-01-01',
        'asc',
        'failed',
        'embedding',
      ),
      fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v)).toString('base64url')),
      fc
        .tuple(fc.date({ noInvalidDate: true }), fc.uuid())
        .map(([d, id]) => Buffer.from(JSON.stringify([`${d.toISOString().slice(0, -1)}000Z`, id])).toString('base64url')),
    ),
    { maxKeys: 4 },
  )
  .map((query) => new URLSearchParams(query).toString());

const call = fc.oneof(
  fc.record({ method: fc.constant('POST' as const), url: fc.constant('/v1/ingest'), body: badBody, contentType, key: fc.option(fc.string()) }),
  fc.record({ method: fc.constant('POST' as const), url: fc.constant('/v1/search'), body: searchBody, contentType, key: fc.constant(null) }),
  fc.record({
    method: fc.constant('GET' as const),
    url: fc.oneof(
      queryString.map((query) => `/v1/ingest?${query}`),
      fc.tuple(segment, queryString).map(([id, query]) => `/v1/ingest/${id}/chunks?${query}`),
      segment.map((name) => `/v1/collections/${name}`),
    ),
    body: fc.constant(null),
    contentType,
    key: fc.constant(null),
  }),
  fc.record({
    method: fc.constantFrom('GET' as const, 'DELETE' as const, 'POST' as const, 'PUT' as const, 'PATCH' as const),
    url: fc
      .tuple(fc.constantFrom('/v1/status/', '/v1/ingest/', '/v1/', '/', '/v1/search/'), segment, fc.option(segment))
      .map(([p, a, b]) => `${p}${a}${b === null ? '' : `/${b}`}`),
    body: fc.option(fc.string()),
    contentType,
    key: fc.constant(null),
  }),
);

describeDatabase('API fuzz (fast-check)', () => {
  const suite = useHttpApp({ BODY_LIMIT_BYTES: String(BODY_LIMIT) });
  let app: NestFastifyApplication;
  let db: DbQueries;

  beforeAll(async () => {
    app = suite.app;
    db = suite.db;
    // One row exists, so that id-based routes also meet a real request.
    await app.inject({ method: 'POST', url: '/v1/ingest', payload: { text: 'the one stored document' } });
  });

  const zeros = () => new Array<number>(EMBEDDING_DIMENSION).fill(0);
  const withElement = (value: number) => Object.assign(zeros(), { 0: 1, 1: value });
  it.each([
    ['a NUL in a metadata value', { query: 'x', metadata: { team: 'a\u0000b' } }, 'metadata'],
    ['a NUL in a metadata key', { query: 'x', metadata: { 'te\u0000am': 'a' } }, 'metadata'],
    ['a lone surrogate in nested metadata', { query: 'x', metadata: { team: { name: 'a\ud800' } } }, 'metadata'],
    ['a NUL in a keyword query', { query: 'ker\u0000nels', mode: 'keyword' }, 'query'],
    ['a lone surrogate in a hybrid query', { query: 'ker\udc00nels', mode: 'hybrid' }, 'query'],
    ['a vector element of 1e39', { vector: withElement(1e39) }, 'vector'],
    ['a vector element of 3.5e38', { vector: withElement(-3.5e38) }, 'vector'],
    ['a zero vector', { vector: zeros() }, 'vector'],
    ['a vector that is zero as float32', { vector: new Array<number>(EMBEDDING_DIMENSION).fill(1e-50) }, 'vector'],
    ['created_after in year 0, which PostgreSQL refuses', { query: 'x', created_after: '0000-06-01T00:00:00Z' }, 'created_after'],
    ['created_before as a week date, which Date misreads', { query: 'x', created_before: '2026-W01' }, 'created_before'],
  ])('should answer 400 VALIDATION_FAILED naming the field for a search with %s', async (_, body, field) => {
    const response = await app.inject({ method: 'POST', url: '/v1/search', payload: body });
    expect([response.statusCode, response.json()]).toEqual([
      400,
      expect.objectContaining({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ field })] }),
    ]);
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
