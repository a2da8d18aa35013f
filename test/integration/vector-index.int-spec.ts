import type { INestApplicationContext } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { SqlEntityManager, tableName } from '../../src/database/sql';
import { Embedder } from '../../src/embedding/embedder';
import { IngestionPoller } from '../../src/ingestion/ingestion.poller';
import { SubmissionService } from '../../src/queue/submission.service';
import { ChunkPartitions } from '../../src/vector-store/chunk-partitions';
import { SegmentCatalog, segmentCondition } from '../../src/vector-store/index-segments';
import { VectorIndexer } from '../../src/vector-store/vector-indexer';
import { VectorStore } from '../../src/vector-store/vector-store';
import { newIngestion } from '../factories/ingestion.factory';
import { DbQueries } from '../support/db-queries';
import { describeDatabase } from '../support/test-database';
import { useTestApp } from '../support/use-test-app';

const QUIET_MS = 10;

describeDatabase('VectorIndexer: HNSW segments built in the background, the newest chunks searched exactly', () => {
  const suite = useTestApp({
    INDEX_MIN_SEGMENT_CHUNKS: '50',
    INDEX_MAX_TAIL_CHUNKS: '1000',
    INDEX_QUIET_MS: String(QUIET_MS),
    INDEX_MAX_SEGMENTS: '2',
    POLL_BATCH_SIZE: '50',
  });
  let app: INestApplicationContext;
  let em: SqlEntityManager;
  let db: DbQueries;
  let store: VectorStore;
  let indexer: VectorIndexer;
  let catalog: SegmentCatalog;
  let query: Float32Array;
  let documents = 0;

  beforeAll(async () => {
    app = suite.app;
    em = app.get(SqlEntityManager);
    db = suite.db;
    store = app.get(VectorStore);
    indexer = app.get(VectorIndexer);
    catalog = app.get(SegmentCatalog);
    [query] = await app.get(Embedder).embed(['vector index recall']);
  });

  /** Stores `count` documents of 20 chunks each through the real pipeline. */
  async function ingest(count: number, text = (doc: number, i: number) => `Document ${doc} part ${i}: notes on topic ${(doc * 7 + i) % 13}.`) {
    for (let n = 0; n < count; n++, documents++) {
      const doc = documents;
      const body = Array.from({ length: 20 }, (_, i) => text(doc, i)).join('\n\n');
      await db.inContext(() =>
        app.get(SubmissionService).submit(newIngestion({ text: body, chunking: { strategy: 'recursive', chunk_size: 60, chunk_overlap: 0 } })),
      );
    }
    await app.get(IngestionPoller).tick();
  }

  /**
   * The distances of the true top 10 (a sequential scan), for comparison with what the store answers. Distances,
   * not ids: many chunks here tie, and any of the tied ones is a right answer.
   */
  async function exactTop10(): Promise<string[]> {
    return em.transactional(async (tx) => {
      await tx.execute('set local enable_indexscan = off');
      await tx.execute('set local enable_bitmapscan = off');
      const rows = await tx.execute<{ distance: number }[]>(
        `select embedding <=> ?::vector as distance from ${tableName(tx, 'chunk_vectors')} order by 1 limit 10`,
        [`[${Array.from(query).join(',')}]`],
      );
      return rows.map((r) => (1 - r.distance).toFixed(6));
    });
  }

  const storeTop10 = async () => (await store.search({ vector: query, topK: 10, efSearch: 200 })).map((h) => h.score.toFixed(6));

  const segmentIndexes = async () => (await db.segmentIndexes()).map(({ name, valid }) => ({ name, valid }));

  /** Lets the tail go quiet, then builds until the policy is satisfied. */
  async function settle(): Promise<void> {
    await sleep(QUIET_MS * 3);
    await indexer.settle();
  }

  it('should search new chunks exactly while unindexed, then build one segment over them once writes pause', async () => {
    await ingest(5);
    expect(await indexer.tail()).toMatchObject({ chunks: 100, indexedThrough: 0 });
    const exact = await exactTop10();
    expect(await storeTop10()).toEqual(exact);

    await settle();
    const segments = await catalog.read();
    expect(segments).toEqual([expect.objectContaining({ seqFrom: 0, chunkCount: 100 })]);
    expect(await segmentIndexes()).toEqual([{ name: segments[0].indexName, valid: true }]);
    expect(await indexer.tail()).toMatchObject({ chunks: 0, indexedThrough: segments[0].seqTo });
    expect(await storeTop10()).toEqual(exact);
  });

  it("should answer a segment's part of a search from its HNSW index", async () => {
    const [segment] = await catalog.read();
    // 100 rows are cheaper to sort than to walk a graph: rule the other plans out to see that the index applies.
    const plan = await em.transactional(async (tx) => {
      await tx.execute('set local enable_seqscan = off');
      await tx.execute('set local enable_sort = off');
      return tx.execute<Record<string, string>[]>(
        `explain select chunk_id from ${tableName(tx, 'chunk_vectors')} where ${segmentCondition(segment)}
          order by embedding <=> ?::vector limit 10`,
        [`[${Array.from(query).join(',')}]`],
      );
    });
    expect(plan.map((row) => Object.values(row)[0]).join('\n')).toContain(segment.indexName);
  });

  it('should find a chunk written after the last build together with the indexed ones, and leave a small tail alone', async () => {
    await ingest(1, (_doc, i) => (i === 3 ? 'vector index recall' : `Unrelated sentence number ${i} about bread.`));
    const [best] = await store.search({ vector: query, topK: 3 });
    expect(best).toMatchObject({ chunkText: 'vector index recall' });
    expect(best.score).toBeCloseTo(1, 5);
    await sleep(QUIET_MS * 3);
    expect(await indexer.tick()).toBeUndefined(); // 20 chunks < INDEX_MIN_SEGMENT_CHUNKS
    expect(await indexer.tail()).toMatchObject({ chunks: 20 });
  });

  it('should seal and merge segments as chunks arrive, drop what it replaced, and keep the answers exact', async () => {
    for (let round = 0; round < 4; round++) {
      await ingest(3);
      await settle();
      const segments = await catalog.read();
      expect(segments.length).toBeLessThanOrEqual(2);
      // Segments tile the indexed range from 0 without gaps or overlaps, and nothing is left behind.
      segments.forEach((s, i) => expect(s.seqFrom).toBe(i === 0 ? 0 : segments[i - 1].seqTo));
      expect((await indexer.tail()).chunks).toBe(0);
      expect(await segmentIndexes()).toEqual(segments.map((s) => ({ name: s.indexName, valid: true })).sort((a, b) => a.name.localeCompare(b.name)));
      expect(await storeTop10()).toEqual(await exactTop10());
    }
    expect(await db.count('chunk_vectors')).toBe(documents * 20);
  });

  it("should keep the planner's statistics on the columns searches filter by, so it estimates a collection's size", async () => {
    const rows = await em.execute<{ attname: string }[]>(
      `select distinct attname from pg_stats where schemaname = ? and tablename like 'chunk_vectors_p%'`,
      [em.config.get('schema')],
    );
    expect(rows.map((r) => r.attname)).toEqual(expect.arrayContaining(['seq', 'collection', 'ingestion_id', 'chunk_tsv']));
    const [plan] = await em.execute<Record<string, string>[]>(`explain select 1 from ${tableName(em, 'chunk_vectors')} where collection = 'default'`);
    const estimated = Number(/rows=(\d+)/.exec(Object.values(plan)[0])![1]);
    const actual = await db.count('chunk_vectors', "collection = 'default'");
    expect(estimated).toBeGreaterThan(actual / 2);
    expect(estimated).toBeLessThan(actual * 2);
  });

  it('should drop a leftover index of a build that did not finish', async () => {
    const [last] = (await catalog.read()).slice(-1);
    const leftover = `chunk_vectors_hnsw_${last.seqTo}_${last.seqTo + 999}`;
    const [partition] = (await app.get(ChunkPartitions).read()).slice(-1);
    await em.execute(`create index "${leftover}" on "${em.config.get('schema')}"."${partition.name}" (seq) where seq > ${last.seqTo}`);
    await indexer.tick();
    expect((await segmentIndexes()).map((i) => i.name)).not.toContain(leftover);
  });
});
