import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Embedder } from '../../src/embedding/embedder';
import { IngestionPoller } from '../../src/ingestion/ingestion.poller';
import { DbQueries } from '../support/db-queries';
import { eventually, request } from '../support/http';
import { describeDatabase } from '../support/test-database';
import { useHttpApp } from '../support/use-test-app';

const ADMIN_KEY = 'browse-admin-key-0123456789';
const SUPPORT_KEY = 'browse-support-key-0123456789';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** The collection of the i-th of the 120 ingestions: 48 support, 48 finance, 24 faq. */
const collectionOf = (i: number) => ['support', 'finance', 'support', 'faq', 'finance'][i % 5];

interface Item {
  id: string;
  collection: string;
  status: string;
  chunk_count: number | null;
  created_at: string;
  updated_at: string;
  document_id: string | null;
}

describeDatabase('browse: list ingestions, collections and chunks', () => {
  const suite = useHttpApp({ API_KEYS: `${ADMIN_KEY},${SUPPORT_KEY}:support|faq`, RATE_LIMIT_MAX: '0', POLLER_ENABLED: 'false' });
  let app: NestFastifyApplication;
  let db: DbQueries;
  /** The 120 ingestions created first, by id. */
  const created = new Map<string, { collection: string }>();

  beforeAll(() => {
    app = suite.app;
    db = suite.db;
  });

  const as = (key: string, method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown) => request(app, method, url, body, bearer(key));

  const ingest = async (collection: string, text: string, documentId?: string): Promise<string> => {
    const accepted = await as(ADMIN_KEY, 'POST', '/v1/ingest', { text, collection, ...(documentId ? { document_id: documentId } : {}) });
    expect(accepted.status).toBe(202);
    return accepted.body.id as string;
  };

  /** Follows next_cursor from the first page to the last; `between` runs after each page but the last. */
  async function pageThrough(query: string, { key = ADMIN_KEY, between }: { key?: string; between?: () => Promise<void> } = {}) {
    const items: Item[] = [];
    const sizes: number[] = [];
    for (let cursor: string | null = null, first = true; first || cursor !== null; first = false) {
      const page = await as(key, 'GET', `/v1/ingest?${query}${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(page.status).toBe(200);
      items.push(...(page.body.items as Item[]));
      sizes.push(page.body.items.length);
      cursor = page.body.next_cursor as string | null;
      if (cursor !== null) await between?.();
    }
    return { items, ids: items.map((item) => item.id), sizes };
  }

  /** The whole listing in one page (limit 500): the order a paged walk must reproduce. */
  const everything = async (query = '', key = ADMIN_KEY): Promise<Item[]> => {
    const page = await as(key, 'GET', `/v1/ingest?limit=500&${query}`);
    expect(page).toMatchObject({ status: 200, body: { next_cursor: null } });
    return page.body.items as Item[];
  };

  const isSorted = (items: Item[], order: 'asc' | 'desc') =>
    items.every((item, i) => i === 0 || (order === 'desc' ? item.created_at <= items[i - 1].created_at : item.created_at >= items[i - 1].created_at));

  it('should page through 120 ingestions 25 at a time, newest or oldest first, with no duplicate or gap while more are created', async () => {
    // Three batches (30 rows sharing one created_at each: the id breaks the tie) and 30 single ingests.
    for (let batch = 0; batch < 3; batch++) {
      const documents = Array.from({ length: 30 }, (_, n) => ({ text: `Batch ${batch} document ${n}.`, collection: collectionOf(batch * 30 + n) }));
      const accepted = await as(ADMIN_KEY, 'POST', '/v1/ingest/batch', { documents });
      expect(accepted.status).toBe(202);
      accepted.body.ingestions.forEach((ingestion: { id: string }, n: number) => created.set(ingestion.id, { collection: documents[n].collection }));
    }
    for (let i = 90; i < 120; i++) created.set(await ingest(collectionOf(i), `Single document ${i}.`), { collection: collectionOf(i) });

    const newestFirst = await everything();
    expect(newestFirst.map((item) => item.id).sort()).toEqual([...created.keys()].sort());
    expect(isSorted(newestFirst, 'desc')).toBe(true);
    // Each item is exactly what GET /v1/ingest/{id} answers.
    for (const item of [newestFirst[0], newestFirst[57], newestFirst[119]])
      expect(item).toEqual((await as(ADMIN_KEY, 'GET', `/v1/ingest/${item.id}`)).body);

    // Newest first, 25 at a time, two new ingestions between pages: they are newer than the walk, so never in it.
    let added = 0;
    const addTwo = async () => {
      for (let n = 0; n < 2; n++) await ingest('news', `Created while paging ${added++}.`);
    };
    const desc = await pageThrough('limit=25', { between: addTwo });
    expect(desc.sizes).toEqual([25, 25, 25, 25, 20]);
    expect(desc.ids).toEqual(newestFirst.map((item) => item.id));
    // Walked again from the start, the listing shows them first.
    expect((await pageThrough('limit=25&order=desc')).ids.slice(added)).toEqual(desc.ids);

    // Oldest first: the walk sees the 120 in reverse, then those created meanwhile, each once, none skipped.
    const before = added;
    const asc = await pageThrough('limit=25&order=asc', { between: addTwo });
    expect(asc.ids.slice(0, 120)).toEqual([...desc.ids].reverse());
    expect(new Set(asc.ids).size).toBe(asc.ids.length);
    expect(asc.ids.length).toBeGreaterThanOrEqual(120 + before + 2);
    expect(asc.ids).toEqual((await everything('order=asc')).map((item) => item.id));
    expect(isSorted(asc.items, 'asc')).toBe(true);
  });

  it('should filter by collection, status, document_id and creation time, page by page', async () => {
    const all = await everything();
    const support = await pageThrough('collection=support&limit=25');
    expect(support.sizes).toEqual([25, 23]);
    expect(support.ids).toEqual(all.filter((item) => item.collection === 'support').map((item) => item.id));

    // Three versions of one document: the listing finds them by document_id, newest version first.
    const versions = [];
    for (let v = 1; v <= 3; v++) versions.push(await ingest('faq', `Refund policy, revision ${v}.`, 'refunds.md'));
    const byDocument = await pageThrough('document_id=refunds.md&limit=2');
    expect(byDocument.ids).toEqual([...versions].reverse());
    expect(byDocument.sizes).toEqual([2, 1]);
    expect((await pageThrough('document_id=refunds.md&collection=support')).ids).toEqual([]);

    expect((await pageThrough('status=accepted&collection=faq&limit=25')).items).toHaveLength(24 + 3);
    expect((await pageThrough('status=completed')).ids).toEqual([]);

    // A window of creation times: created_after is inclusive, created_before exclusive.
    const newest = await everything();
    const from = newest[100].created_at;
    const to = newest[20].created_at;
    const inWindow = newest.filter((item) => item.created_at >= from && item.created_at < to);
    expect(inWindow.length).toBeGreaterThan(30);
    const window = await pageThrough(`created_after=${from}&created_before=${to}&limit=25`);
    expect(window.ids).toEqual(inWindow.map((item) => item.id));
    expect((await pageThrough(`created_after=${from}&created_before=${to}&order=asc&limit=7`)).ids).toEqual(
      inWindow.map((item) => item.id).reverse(),
    );
  });

  it('should list for a key limited to collections only those, and refuse another collection with 403', async () => {
    const mine = await pageThrough('limit=25', { key: SUPPORT_KEY });
    const expected = (await everything()).filter((item) => item.collection === 'support' || item.collection === 'faq');
    expect(mine.ids).toEqual(expected.map((item) => item.id));
    expect(mine.items.length).toBe(48 + 24 + 3);
    expect((await pageThrough('collection=faq&limit=25', { key: SUPPORT_KEY })).ids).toEqual(
      expected.filter((i) => i.collection === 'faq').map((i) => i.id),
    );
    for (const collection of ['finance', 'news', 'nowhere']) {
      expect(await as(SUPPORT_KEY, 'GET', `/v1/ingest?collection=${collection}`)).toMatchObject({
        status: 403,
        body: { code: 'FORBIDDEN', details: { collection } },
      });
    }
  });

  /** What GET /v1/collections must say of each collection, worked out from the listing and the chunk table. */
  async function expectedCollections(names: string[]) {
    const items = await everything();
    return Promise.all(
      names.map(async (name) => {
        const own = items.filter((item) => item.collection === name);
        const count = (status: string) => own.filter((item) => item.status === status).length;
        const completedChunks = own.reduce((sum, item) => sum + (item.status === 'completed' ? (item.chunk_count ?? 0) : 0), 0);
        const chunks = await db.count('chunk_vectors', 'collection = ?', [name]);
        expect([name, chunks]).toEqual([name, completedChunks]);
        return {
          name,
          ingestions: {
            accepted: count('accepted'),
            running: count('running'),
            completed: count('completed'),
            failed: count('failed'),
            superseded: count('superseded'),
            cancelled: count('cancelled'),
          },
          chunks,
          updated_at: own
            .map((item) => item.updated_at)
            .sort()
            .at(-1),
        };
      }),
    );
  }

  it("should count each collection's ingestions by status and its chunks, before and after the poller completes them", async () => {
    const names = ['faq', 'finance', 'news', 'support'];
    const queued = await as(ADMIN_KEY, 'GET', '/v1/collections');
    expect(queued).toMatchObject({ status: 200, body: { items: await expectedCollections(names) } });
    expect(queued.body.items.find((c: { name: string }) => c.name === 'support')).toMatchObject({ ingestions: { accepted: 48 }, chunks: 0 });

    const poller = app.get(IngestionPoller);
    await eventually(async () => ((await poller.tick(), (await everything('status=accepted')).length === 0) ? true : undefined), 60_000);
    const done = await as(ADMIN_KEY, 'GET', '/v1/collections');
    const expected = await expectedCollections(names);
    expect(done).toEqual(expect.objectContaining({ status: 200, body: { items: expected } }));
    expect(expected.find((c) => c.name === 'faq')).toMatchObject({ ingestions: { accepted: 0, completed: 24 + 1, superseded: 2 } });
    expect(expected.every((c) => c.chunks > 0 && c.chunks === c.ingestions.completed)).toBe(true); // one short text, one chunk
    for (const collection of expected)
      expect(await as(ADMIN_KEY, 'GET', `/v1/collections/${collection.name}`)).toMatchObject({ status: 200, body: collection });

    // A limited key sees only its collections; another one is 403, an unknown one 404 (or 403 when not its own).
    expect((await as(SUPPORT_KEY, 'GET', '/v1/collections')).body).toEqual({
      items: expected.filter((c) => c.name === 'faq' || c.name === 'support'),
    });
    expect((await as(SUPPORT_KEY, 'GET', '/v1/collections/support')).body).toEqual(expected.find((c) => c.name === 'support'));
    expect(await as(SUPPORT_KEY, 'GET', '/v1/collections/finance')).toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN', details: { collection: 'finance' } },
    });
    expect(await as(SUPPORT_KEY, 'GET', '/v1/collections/empty')).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    expect(await as(ADMIN_KEY, 'GET', '/v1/collections/empty')).toMatchObject({
      status: 404,
      body: { statusCode: 404, code: 'COLLECTION_NOT_FOUND', details: { collection: 'empty' } },
    });
    expect(await as(ADMIN_KEY, 'GET', '/v1/collections/-not.a.name')).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION_FAILED', details: [{ field: 'name' }] },
    });
  });

  it("should page through a completed ingestion's chunks in order, with the right texts, and their embeddings when asked", async () => {
    const paragraphs = Array.from({ length: 12 }, (_, i) => `Paragraph ${i} explains step ${i} of the support procedure in a few words.`);
    const text = paragraphs.join('\n\n');
    const chunking = { strategy: 'recursive', chunk_size: 80, chunk_overlap: 0 };
    const accepted = await as(ADMIN_KEY, 'POST', '/v1/ingest', { text, collection: 'support', chunking });
    const id = accepted.body.id as string;
    const chunksOf = (query = '', key = ADMIN_KEY) => as(key, 'GET', `/v1/ingest/${id}/chunks${query}`);
    expect(await chunksOf()).toMatchObject({ status: 200, body: { items: [], next_cursor: null } });

    const poller = app.get(IngestionPoller);
    await eventually(async () =>
      (await poller.tick(), (await as(ADMIN_KEY, 'GET', `/v1/status/${id}`)).body.status === 'completed') ? true : undefined,
    );
    const items: { chunk_id: string; chunk_index: number; text: string; start_offset: number; end_offset: number }[] = [];
    const sizes: number[] = [];
    for (let cursor: string | null = null, first = true; first || cursor !== null; first = false) {
      const page = await chunksOf(`?limit=5${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(page.status).toBe(200);
      items.push(...page.body.items);
      sizes.push(page.body.items.length);
      cursor = page.body.next_cursor;
    }
    // Each paragraph fits a chunk and no two do: one chunk a paragraph, in order.
    expect(sizes).toEqual([5, 5, 2]);
    expect(items.map((chunk) => chunk.text)).toEqual(paragraphs);
    expect(items.map((chunk) => chunk.chunk_index)).toEqual(paragraphs.map((_, i) => i));
    for (const chunk of items) expect(text.slice(chunk.start_offset, chunk.end_offset)).toBe(chunk.text);
    expect(items.map((chunk) => chunk.chunk_id)).toEqual((await db.chunks(id)).map((row) => row.chunk_id));
    expect(items[0]).toEqual({
      chunk_id: expect.any(String),
      chunk_index: 0,
      text: paragraphs[0],
      start_offset: 0,
      end_offset: paragraphs[0].length,
      token_count: expect.any(Number),
      metadata: {},
    });

    const withEmbeddings = await chunksOf('?include=embedding&limit=500');
    expect(withEmbeddings.body.next_cursor).toBeNull();
    expect(withEmbeddings.body.items.map((chunk: { embedding: number[] }) => chunk.embedding)).toEqual(await db.embeddings(id));
    // The embedder's own vector for the chunk's text (as stored: on PGlite vectors are inserted with 7 digits).
    const [vector] = await app.get(Embedder).embed([paragraphs[0]]);
    const stored: number[] = withEmbeddings.body.items[0].embedding;
    expect(stored).toHaveLength(vector.length);
    expect(Math.max(...stored.map((x, i) => Math.abs(x - vector[i])))).toBeLessThan(1e-6);
    expect(withEmbeddings.body.items.map(({ embedding: _, ...chunk }: { embedding: number[] }) => chunk)).toEqual(items);

    // Another collection's ingestion is answered exactly as an unknown id; its own collections' work.
    const foreign = [...created].find(([, { collection }]) => collection === 'finance')![0];
    const unknown = '00000000-0000-4000-8000-000000000000';
    const refused = await as(SUPPORT_KEY, 'GET', `/v1/ingest/${foreign}/chunks`);
    const absent = await as(SUPPORT_KEY, 'GET', `/v1/ingest/${unknown}/chunks`);
    expect(refused).toMatchObject({ status: 404, body: { code: 'INGESTION_NOT_FOUND' } });
    expect([refused.status, JSON.stringify(refused.body).replaceAll(foreign, unknown)]).toEqual([absent.status, JSON.stringify(absent.body)]);
    expect((await as(ADMIN_KEY, 'GET', `/v1/ingest/${foreign}/chunks`)).body.items).toHaveLength(1);
    expect((await chunksOf('', SUPPORT_KEY)).body.items).toHaveLength(12);

    const bad: [string, string][] = [
      ['?limit=0', 'limit'],
      ['?limit=501', 'limit'],
      ['?include=vectors', 'include'],
      [`?cursor=${Buffer.from('[-1]').toString('base64url')}`, 'cursor'],
      [`?cursor=${Buffer.from('["2026-12-02T10:00:00.000000Z","3f1c6a0e-5b7d-4f43-9c55-0d8f4f2f7a10"]').toString('base64url')}`, 'cursor'],
      ['?cursor=%3D%3D', 'cursor'],
      ['?order=asc', 'order'],
    ];
    for (const [query, field] of bad) {
      const response = await chunksOf(query);
      expect([query, response.status, response.body.code, response.body.details?.map((d: { field: string }) => d.field)]).toEqual([
        query,
        400,
        'VALIDATION_FAILED',
        [field],
      ]);
    }
    expect(await as(ADMIN_KEY, 'GET', '/v1/ingest/not-a-uuid/chunks')).toMatchObject({ status: 400, body: { code: 'INVALID_ID' } });
  });

  it('should answer bad query parameters with 400 VALIDATION_FAILED naming the field', async () => {
    const foreignCursor = Buffer.from(JSON.stringify([7])).toString('base64url');
    const badDate = Buffer.from(JSON.stringify(['2026-02-30T10:00:00.000000Z', '3f1c6a0e-5b7d-4f43-9c55-0d8f4f2f7a10'])).toString('base64url');
    const cases: [string, string][] = [
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['limit=ten', 'limit'],
      ['limit=2.5', 'limit'],
      ['order=sideways', 'order'],
      ['status=done', 'status'],
      ['collection=no%20spaces', 'collection'],
      ['created_after=yesterday', 'created_after'],
      ['created_before=2026-13-01', 'created_before'],
      ['created_after=2026-W01', 'created_after'],
      ['created_before=20261101', 'created_before'],
      ['created_after=0000-06-01', 'created_after'],
      ['created_after=-0001-01-01', 'created_after'],
      ['created_before=9999-12-31T23:30:00-01:00', 'created_before'],
      [
        `cursor=${Buffer.from(JSON.stringify(['0000-01-01T00:00:00.000000Z', '3f1c6a0e-5b7d-4f43-9c55-0d8f4f2f7a10'])).toString('base64url')}`,
        'cursor',
      ],
      ['document_id=', 'document_id'],
      ['cursor=not-a-cursor!', 'cursor'],
      ['cursor=bm90IGpzb24', 'cursor'],
      [`cursor=${foreignCursor}`, 'cursor'],
      [`cursor=${badDate}`, 'cursor'],
      ['colour=blue', 'colour'],
    ];
    for (const [query, field] of cases) {
      const response = await as(ADMIN_KEY, 'GET', `/v1/ingest?${query}`);
      expect([query, response.status, response.body.code, response.body.details?.map((d: { field: string }) => d.field)]).toEqual([
        query,
        400,
        'VALIDATION_FAILED',
        [field],
      ]);
    }
  });
});
