import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { requeueForReembedding } from '../../scripts/reembed';
import { loadConfig } from '../../src/config/app-config';
import { HashingEmbedder } from '../../src/embedding/hashing.embedder';
import { SqlEntityManager } from '../../src/database/sql';
import { DbQueries } from '../support/db-queries';
import { eventually, request } from '../support/http';
import { describeDatabase } from '../support/test-database';
import { useHttpApp } from '../support/use-test-app';

const MARKDOWN = `# Operations handbook

This handbook is for the on-call team.

## Deployments

### Rollback

Run the rollback job from the pipeline page. It restores the previous release.

## Alerts

Page the on-call engineer when the error rate stays above one percent.
`;

interface Result {
  chunk_id: string;
  ingestion_id: string;
  collection: string;
  chunk_text: string;
  start_offset: number;
  end_offset: number;
  token_count: number;
  chunk_metadata: { heading_path?: string[] };
  source_metadata: Record<string, unknown>;
  score: number;
  retrievers: string[];
  scores: { vector?: number; keyword?: number };
}

describeDatabase('search modes, filters and collections over HTTP', () => {
  const suite = useHttpApp({ POLLER_ENABLED: 'true', POLL_INTERVAL_MS: '50', POLL_BATCH_SIZE: '16' });
  let app: NestFastifyApplication;
  let db: DbQueries;

  beforeAll(() => {
    app = suite.app;
    db = suite.db;
  });

  async function ingest(body: Record<string, unknown>): Promise<string> {
    const accepted = await request(app, 'POST', '/v1/ingest', body);
    expect(accepted.status).toBe(202);
    return accepted.body.id;
  }

  const completed = (ids: string[]) =>
    Promise.all(
      ids.map((id) =>
        eventually(async () => {
          const { body } = await request(app, 'GET', `/v1/status/${id}`);
          if (body.status === 'failed') throw new Error(`ingestion ${id} failed: ${body.error}`);
          return body.status === 'completed' ? body : undefined;
        }, 30_000),
      ),
    );

  const search = async (body: Record<string, unknown>): Promise<Result[]> => {
    const response = await request(app, 'POST', '/v1/search', body);
    expect(response.status).toBe(200);
    return response.body.results;
  };

  it('should chunk markdown by heading, with heading paths and offsets, and re-chunk to identical chunks and ids', async () => {
    const chunking = { strategy: 'markdown', chunk_size: 120, chunk_overlap: 0 };
    const id = await ingest({ text: MARKDOWN, collection: 'ops', chunking });
    await completed([id]);
    const stored = await db.chunks(id);
    // min_score -1: every chunk of the document, related to the query or not.
    const found = await search({ query: 'rollback job pipeline', collection: 'ops', ingestion_id: id, top_k: 10, min_score: -1 });
    const byIndex = [...found].sort((a, b) => a.start_offset - b.start_offset);
    expect(byIndex.map((r) => [r.chunk_metadata.heading_path, r.chunk_text])).toEqual([
      [['Operations handbook'], '# Operations handbook\n\nThis handbook is for the on-call team.'],
      [['Operations handbook', 'Deployments', 'Rollback'], expect.stringMatching(/^## Deployments\n\n### Rollback\n\nRun the rollback job/)],
      [['Operations handbook', 'Alerts'], '## Alerts\n\nPage the on-call engineer when the error rate stays above one percent.'],
    ]);
    for (const r of found) {
      expect(MARKDOWN.slice(r.start_offset, r.end_offset)).toBe(r.chunk_text);
      expect(r.token_count).toBeGreaterThan(0);
      expect(r.collection).toBe('ops');
    }
    expect(found[0].chunk_metadata.heading_path).toEqual(['Operations handbook', 'Deployments', 'Rollback']);

    // The same text again: the same chunks; reprocessing the same ingestion (npm run reembed) keeps the ids.
    const again = await ingest({ text: MARKDOWN, collection: 'ops', chunking });
    await completed([again]);
    expect((await db.chunks(again)).map((c) => [c.chunk_index, c.chunk_text])).toEqual(stored.map((c) => [c.chunk_index, c.chunk_text]));
    expect(await db.inContext(() => requeueForReembedding(app.get(SqlEntityManager), 'ops'))).toBe(2);
    await completed([id, again]);
    expect(await db.chunks(id)).toEqual(stored);
  });

  it('should find an exact rare token in hybrid mode that vector mode ranks low', async () => {
    const distractors = Array.from(
      { length: 12 },
      (_, i) =>
        `What is the ${['dashboard', 'report', 'invoice', 'badge', 'ticket', 'queue'][i % 6]} page ${i} about? It is about what is shown there.`,
    );
    const needle =
      'Warehouse scanners print ERR-7F3A9 when the label printer has run out of ribbon; replace the ribbon cartridge, ' +
      'close the cover firmly, wait for the green light, then restart the spooler service from the maintenance menu.';
    const ids = await Promise.all([...distractors, needle].map((text) => ingest({ text, collection: 'support' })));
    await completed(ids);
    const query = { query: 'what is ERR-7F3A9 about', collection: 'support', top_k: 5 };

    const vector = await search({ ...query, mode: 'vector' });
    expect(vector).toHaveLength(5);
    expect(vector.map((r) => r.chunk_text)).not.toContain(needle);

    const hybrid = await search({ ...query, mode: 'hybrid' });
    expect(hybrid[0]).toMatchObject({ chunk_text: needle, retrievers: ['vector', 'keyword'] });
    expect(hybrid[0].scores).toEqual({ vector: expect.any(Number), keyword: expect.any(Number) });
    expect(hybrid.slice(1).every((r) => r.retrievers.join() === 'vector')).toBe(true);

    const keyword = await search({ ...query, mode: 'keyword' });
    expect(keyword.map((r) => r.chunk_text)).toEqual([needle]);
    expect(keyword[0].retrievers).toEqual(['keyword']);
  });

  it('should return only chunks matching a metadata filter, and still top_k of them', async () => {
    const sentence = (doc: number, i: number) => `Document ${doc} paragraph ${i} covers vector search tuning, index builds and recall.`;
    const text = (doc: number) => Array.from({ length: 20 }, (_, i) => sentence(doc, i)).join('\n\n');
    const teams = Array.from({ length: 24 }, (_, doc) => (doc % 12 === 5 ? 'payments' : `team-${doc}`));
    const ids = await Promise.all(
      teams.map((team, doc) =>
        ingest({
          text: text(doc),
          collection: 'filters',
          source_metadata: { team, tags: ['kb', `doc-${doc}`] },
          chunking: { strategy: 'recursive', chunk_size: 100, chunk_overlap: 0 },
        }),
      ),
    );
    await completed(ids);
    expect(await db.count('chunk_vectors', `collection = 'filters'`)).toBe(24 * 20);

    const results = await search({ query: 'vector search recall', collection: 'filters', metadata: { team: 'payments' }, top_k: 30, ef_search: 40 });
    expect(results).toHaveLength(30);
    expect(results.every((r) => r.source_metadata.team === 'payments')).toBe(true);
    expect(results.map((r) => r.score)).toEqual([...results.map((r) => r.score)].sort((a, b) => b - a));

    const nested = await search({ query: 'vector search', collection: 'filters', metadata: { tags: ['doc-5'] }, top_k: 100, mode: 'hybrid' });
    expect(nested).toHaveLength(20);
    expect(new Set(nested.map((r) => r.ingestion_id))).toEqual(new Set([ids[5]]));

    const two = await search({ query: 'vector search', collection: 'filters', ingestion_ids: [ids[0], ids[1]], top_k: 100 });
    expect(new Set(two.map((r) => r.ingestion_id))).toEqual(new Set([ids[0], ids[1]]));
    expect(two).toHaveLength(40);

    expect(await search({ query: 'vector search', collection: 'filters', created_after: new Date(Date.now() + 60_000).toISOString() })).toEqual([]);
    expect(
      await search({ query: 'vector search', collection: 'filters', created_before: new Date(Date.now() + 60_000).toISOString(), top_k: 3 }),
    ).toHaveLength(3);
    const strong = await search({ query: 'vector search recall', collection: 'filters', min_score: 0.3, top_k: 100 });
    expect(strong.every((r) => r.score >= 0.3)).toBe(true);
  });

  it('should drop unrelated chunks (score 0) and say why a search found nothing', async () => {
    const id = await ingest({ text: 'Harbour tide tables for the northern pier.', collection: 'tides' });
    await completed([id]);
    // The exact opposite of the chunk's embedding: cosine similarity -1, unrelated by any measure.
    const opposite = Array.from(new HashingEmbedder(loadConfig({})).embedOne('Harbour tide tables for the northern pier.'), (x) => -x);
    const unrelated = await request(app, 'POST', '/v1/search', { vector: opposite, collection: 'tides' });
    expect(unrelated.body).toEqual({ mode: 'vector', results: [], hint: 'No chunk of collection "tides" matched the query and filters' });
    const asked = await request(app, 'POST', '/v1/search', { vector: opposite, collection: 'tides', min_score: -1 });
    expect(asked.body.results.map((r: Result) => r.ingestion_id)).toEqual([id]);
    const empty = await request(app, 'POST', '/v1/search', { query: 'tide tables', collection: 'nothing-here' });
    expect(empty.body.hint).toContain('Collection "nothing-here" holds no chunks');
    const found = await request(app, 'POST', '/v1/search', { query: 'tide tables', collection: 'tides' });
    expect(found.body.results.map((r: Result) => r.ingestion_id)).toEqual([id]);
    expect(found.body).not.toHaveProperty('hint');
  });

  it('should keep collections apart in search and delete one collection without touching another', async () => {
    const text = 'Quarterly budget review for the platform team, with cost per tenant.';
    const [red, blue] = [await ingest({ text, collection: 'red' }), await ingest({ text, collection: 'blue' })];
    await completed([red, blue]);
    expect((await search({ query: 'budget review', collection: 'red' })).map((r) => r.ingestion_id)).toEqual([red]);
    expect((await search({ query: 'budget review' })).map((r) => r.ingestion_id)).not.toContain(red);
    expect((await request(app, 'GET', `/v1/ingest/${red}`)).body.collection).toBe('red');

    const deleted = await request(app, 'DELETE', '/v1/collections/red');
    expect(deleted).toMatchObject({ status: 200, body: { collection: 'red', ingestions_deleted: 1, chunks_deleted: 1 } });
    expect(await search({ query: 'budget review', collection: 'red' })).toEqual([]);
    expect((await search({ query: 'budget review', collection: 'blue' })).map((r) => r.ingestion_id)).toEqual([blue]);
    expect((await request(app, 'GET', `/v1/ingest/${red}`)).status).toBe(404);
    expect((await request(app, 'DELETE', '/v1/collections/red')).body).toMatchObject({ ingestions_deleted: 0, chunks_deleted: 0 });
  });

  it('should reject malformed searches and collection names, naming the fields', async () => {
    const bad = async (body: unknown, field: string) => {
      const response = await request(app, 'POST', '/v1/search', body);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.details.map((d: { field: string }) => d.field)).toContain(field);
    };
    await bad({}, 'query');
    await bad({ query: 'x', vector: [0.1] }, 'query');
    await bad({ vector: [0.1, 0.2] }, 'vector');
    await bad({ vector: Array(384).fill(0.1), mode: 'keyword' }, 'mode');
    await bad({ query: 'x', mode: 'fuzzy' }, 'mode');
    await bad({ query: 'x', collection: 'no spaces' }, 'collection');
    await bad({ query: 'x', metadata: 'team' }, 'metadata');
    await bad({ query: 'x', created_after: 'yesterday' }, 'created_after');
    await bad({ query: 'x', ef_search: 5 }, 'ef_search');
    expect((await request(app, 'DELETE', '/v1/collections/..%2Fetc')).status).toBe(400);
    const ingest400 = await request(app, 'POST', '/v1/ingest', {
      text: 'x',
      collection: '-bad',
      chunking: { size_unit: 'tokens', chunk_size: 9000 },
    });
    expect(ingest400.status).toBe(400);
    expect(ingest400.body.details.map((d: { field: string }) => d.field)).toEqual(['collection']);
    const tooManyTokens = await request(app, 'POST', '/v1/ingest', { text: 'x', chunking: { size_unit: 'tokens', chunk_size: 9000 } });
    expect(tooManyTokens.body.details).toEqual([{ field: 'chunking.chunk_size', messages: ['chunk_size in tokens must be between 8 and 8192'] }]);
  });

  it('should document every new field and mode, with examples, in the OpenAPI spec', async () => {
    const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    const schemas = spec.components.schemas;
    expect(schemas.SearchRequestDto.properties.mode).toMatchObject({ enum: ['vector', 'keyword', 'hybrid'], example: 'hybrid' });
    for (const field of ['query', 'vector', 'collection', 'metadata', 'created_after', 'created_before', 'min_score', 'ef_search']) {
      expect(schemas.SearchRequestDto.properties[field]).toHaveProperty('example');
    }
    expect(Object.keys(spec.paths['/v1/search'].post.requestBody.content['application/json'].examples).sort()).toEqual([
      'hybrid',
      'keyword',
      'text',
      'vector',
    ]);
    expect(schemas.ChunkingOptionsDto.properties.strategy.enum).toEqual(['fixed', 'recursive', 'sentence', 'markdown']);
    expect(schemas.ChunkingOptionsDto.properties.size_unit.enum).toEqual(['characters', 'tokens']);
    expect(schemas.IngestRequestDto.properties.collection.example).toBe('handbook');
    expect(Object.keys(schemas.SearchResultDto.properties)).toEqual(
      expect.arrayContaining(['collection', 'chunk_metadata', 'token_count', 'retrievers', 'scores']),
    );
    expect(spec.paths['/v1/collections/{name}'].delete.responses).toHaveProperty('200');
  });

  it('should search by a raw vector', async () => {
    const id = await ingest({ text: 'A raw vector query finds this sentence.', collection: 'raw' });
    await completed([id]);
    const [byText] = await search({ query: 'raw vector query', collection: 'raw' });
    const vector = Array.from({ length: 384 }, (_, i) => (i === 0 ? 1 : 0));
    const byVector = await search({ vector, collection: 'raw', min_score: -1 });
    expect(byVector.map((r) => r.chunk_id)).toEqual([byText.chunk_id]);
    expect(byVector[0].retrievers).toEqual(['vector']);
  });
});
