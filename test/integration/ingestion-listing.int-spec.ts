import type { INestApplicationContext } from '@nestjs/common';
import { executeBound, SqlEntityManager, tableName } from '../../src/database/sql';
import { IngestionRequest } from '../../src/queue/ingestion-request.entity';
import { IngestionListing, ingestionPageQuery, IngestionRequestRepository } from '../../src/queue/ingestion-request.repository';
import { IngestionStatus } from '../../src/queue/ingestion-status';
import { describeDatabase } from '../support/test-database';
import { useTestApp } from '../support/use-test-app';

const ROWS = 20_000;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Scan Direction'?: string;
  Plans?: PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

describeDatabase('IngestionRequestRepository listing plan', () => {
  const suite = useTestApp();
  let app: INestApplicationContext;
  let em: SqlEntityManager;
  let sut: IngestionRequestRepository;

  beforeAll(async () => {
    app = suite.app;
    em = app.get(SqlEntityManager);
    sut = em.fork().getRepository(IngestionRequest);
    const table = tableName(em, 'ingestion_requests');
    // 20,000 requests, created in pairs (sharing created_at, as a batch's do) a second apart, in three statuses
    // and 20 collections, plus one rare collection of 40 requests spread over the whole time.
    await em.execute(
      `insert into ${table} (id, status, text, text_length, collection, chunking, max_attempts, created_at, updated_at)
       select gen_random_uuid(), (array['accepted', 'completed', 'failed'])[1 + g % 3], 'text', 4,
              case when g % 500 = 0 then 'rare' else 'c' || (g % 20) end, '{}', 3,
              timestamptz '2026-12-01 00:00:00+00' + make_interval(secs => g / 2), now()
         from generate_series(1, ?) as g`,
      [ROWS],
    );
    await em.execute(`analyze ${table}`);
  });

  /** The plan of the page query for `listing`, as the nodes of EXPLAIN's tree. */
  async function planOf(listing: IngestionListing): Promise<PlanNode[]> {
    const { sql, params } = ingestionPageQuery(tableName(em, 'ingestion_requests'), sut.listedColumns, listing);
    const [row] = await executeBound<Record<string, unknown>>(em, `explain (format json) ${sql}`, params);
    const plan = Object.values(row)[0];
    const [{ Plan }] = (typeof plan === 'string' ? JSON.parse(plan) : plan) as { Plan: PlanNode }[];
    return nodesOf(Plan);
  }

  const middle = { createdAt: '2026-12-01T01:23:20.000000Z', id: '80000000-0000-4000-8000-000000000000' };
  const BY_TIME = 'ingestion_requests_created_id_idx';
  const BY_COLLECTION = 'ingestion_requests_collection_created_id_idx';
  /**
   * A page, and the indexes that serve it without a sort. Within a common collection the planner may rather walk
   * the time index and skip other collections' rows (the heap is in created_at order, so that is cheap); for a
   * rare one, only the collection index avoids reading most of the table.
   */
  const pages: [string, IngestionListing, string[]][] = [
    ['every collection, newest first', { collections: null, order: 'desc', limit: 50 }, [BY_TIME]],
    ['every collection, oldest first, after a cursor', { collections: null, order: 'asc', limit: 50, after: middle }, [BY_TIME]],
    ['a rare collection, newest first, after a cursor', { collections: ['rare'], order: 'desc', limit: 10, after: middle }, [BY_COLLECTION]],
    ['a rare collection, oldest first, after a cursor', { collections: ['rare'], order: 'asc', limit: 10, after: middle }, [BY_COLLECTION]],
    ['a common collection, newest first, after a cursor', { collections: ['c7'], order: 'desc', limit: 50, after: middle }, [BY_TIME, BY_COLLECTION]],
    [
      'a collection and status, oldest first, in a time window',
      {
        collections: ['c7'],
        status: IngestionStatus.Failed,
        order: 'asc',
        limit: 25,
        createdAfter: '2026-12-01T00:10:00Z',
        createdBefore: '2026-12-01T03:00:00Z',
      },
      [BY_TIME, BY_COLLECTION],
    ],
  ];

  it.each(pages)('should read a page of %s through an index range scan, with no sort', async (_name, listing, indexes) => {
    const nodes = await planOf(listing);
    const types = nodes.map((node) => node['Node Type']);
    expect(types).not.toContain('Sort');
    expect(types).not.toContain('Incremental Sort');
    expect(types).not.toContain('Seq Scan');
    expect(types).not.toContain('Bitmap Heap Scan');
    const scan = nodes.find((node) => node['Node Type'] === 'Index Scan');
    expect(indexes).toContain(scan?.['Index Name']);
    expect(scan?.['Scan Direction']).toBe(listing.order === 'desc' ? 'Backward' : 'Forward');
  });

  it('should answer a page as the plan reads it: limit rows in order, and the key of the last when more follow', async () => {
    const first = await sut.listPage({ collections: ['c7'], order: 'desc', limit: 3 });
    expect(first.requests.map((r) => r.collection)).toEqual(['c7', 'c7', 'c7']);
    const second = await sut.listPage({ collections: ['c7'], order: 'desc', limit: 3, after: first.next });
    const both = await sut.listPage({ collections: ['c7'], order: 'desc', limit: 6 });
    expect([...first.requests, ...second.requests].map((r) => r.id)).toEqual(both.requests.map((r) => r.id));
    expect(first.next).toEqual({ createdAt: expect.stringMatching(/^2026-12-01T\d\d:\d\d:\d\d\.000000Z$/), id: first.requests[2].id });
    const last = await sut.listPage({ collections: ['c7'], order: 'asc', limit: 2000 });
    expect([last.requests.length, last.next]).toEqual([ROWS / 20, undefined]);
  });
});
