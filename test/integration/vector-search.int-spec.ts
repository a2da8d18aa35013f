import type { INestApplicationContext } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppConfig } from '../../src/config/app-config';
import { SqlEntityManager, tableName } from '../../src/database/sql';
import { Embedder } from '../../src/embedding/embedder';
import { IngestionPoller } from '../../src/ingestion/ingestion.poller';
import { SubmissionService } from '../../src/queue/submission.service';
import { IndexSegment, SegmentCatalog, segmentCondition } from '../../src/vector-store/index-segments';
import { VectorIndexer } from '../../src/vector-store/vector-indexer';
import { VectorStore } from '../../src/vector-store/vector-store';
import { newIngestion } from '../factories/ingestion.factory';
import { DbQueries } from '../support/db-queries';
import { describeDatabase } from '../support/test-database';
import { useTestApp } from '../support/use-test-app';

const DOCS = 24;
const CHUNKS_PER_DOC = 20;

describeDatabase('PgvectorStore filtered search', () => {
  const suite = useTestApp({ POLL_BATCH_SIZE: '32', INDEX_MIN_SEGMENT_CHUNKS: '1', INDEX_QUIET_MS: '10' });
  let app: INestApplicationContext;
  let em: SqlEntityManager;
  let sut: VectorStore;
  let query: Float32Array;
  let segment: IndexSegment;

  beforeAll(async () => {
    app = suite.app;
    em = app.get(SqlEntityManager);
    sut = app.get(VectorStore);
    const db = new DbQueries(app);
    const submissions = app.get(SubmissionService);
    for (let doc = 0; doc < DOCS; doc++) {
      const text = Array.from({ length: CHUNKS_PER_DOC }, (_, i) => `Document ${doc} part ${i}: vector index tuning and recall.`).join('\n\n');
      const team = doc % 12 === 7 ? 'payments' : `team-${doc}`;
      await db.inContext(() =>
        submissions.submit(
          newIngestion({ text, sourceMetadata: { team }, collection: 'kb', chunking: { strategy: 'recursive', chunk_size: 60, chunk_overlap: 0 } }),
        ),
      );
    }
    await app.get(IngestionPoller).tick();
    expect(await db.count('chunk_vectors')).toBe(DOCS * CHUNKS_PER_DOC);
    await sleep(30); // the tail goes quiet: the indexer builds one HNSW segment over every chunk
    await app.get(VectorIndexer).settle();
    [segment] = await app.get(SegmentCatalog).read();
    [query] = await app.get(Embedder).embed(['vector index recall']);
  });

  /**
   * Runs `fn` where the planner can only walk the HNSW index, the path on which filters lose rows without
   * iterative scans: in a transaction that drops the other indexes and is then rolled back (DDL is transactional).
   */
  async function throughHnsw<T>(fn: () => Promise<T>): Promise<T> {
    const rollback = new Error('rollback');
    let result: T | undefined;
    const schema = `"${em.config.get('schema')}"`;
    await em
      .transactional(async (tx) => {
        await tx.execute(`drop index ${schema}.chunk_vectors_collection_created_idx, ${schema}.chunk_vectors_source_metadata_gin`);
        // The primary key is seq: it reaches a segment's range without the HNSW index.
        await tx.execute(`alter table ${tableName(tx, 'chunk_vectors')} drop constraint chunk_vectors_pkey`);
        await tx.execute('set local enable_seqscan = off');
        result = await fn();
        throw rollback;
      })
      .catch((error: unknown) => {
        if (error !== rollback) throw error;
      });
    return result!;
  }

  it('should walk the HNSW index when the planner is steered to it', async () => {
    const plan = await throughHnsw(() =>
      em.execute<Record<string, string>[]>(
        `explain select chunk_id from ${tableName(em, 'chunk_vectors')}
          where ${segmentCondition(segment)} and collection = 'kb' and source_metadata @> '{"team":"payments"}'
          order by embedding <=> (select embedding from ${tableName(em, 'chunk_vectors')} limit 1) limit 30`,
      ),
    );
    expect(plan.map((row) => Object.values(row)[0]).join('\n')).toContain(segment.indexName);
  });

  it('should still return top_k filtered hits through the HNSW index (iterative scan), best first', async () => {
    // 40 of 480 chunks match; without iterative scans ef_search 40 leaves about 3 after filtering (2 when tried).
    const hits = await throughHnsw(() => sut.search({ vector: query, topK: 30, efSearch: 40, collection: 'kb', metadata: { team: 'payments' } }));
    expect(hits).toHaveLength(30);
    expect(hits.every((h) => h.sourceMetadata.team === 'payments')).toBe(true);
    expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));
  });

  it('should search with the default ef_search and the iterative scan set on the connection, in one statement', async () => {
    const hits = await throughHnsw(() => sut.search({ vector: query, topK: 30, collection: 'kb', metadata: { team: 'payments' } }));
    expect(hits).toHaveLength(30);
    const setting = async (name: string) => Object.values((await em.execute<Record<string, string>[]>(`show ${name}`))[0])[0];
    expect(await setting('hnsw.ef_search')).toBe(String(app.get(AppConfig).SEARCH_EF_SEARCH));
    expect(await setting('hnsw.iterative_scan')).toBe('relaxed_order');
    // A request's own ef_search applies to its query only: the pooled connection keeps the default.
    await sut.search({ vector: query, topK: 5, efSearch: 37, collection: 'kb' });
    expect(await setting('hnsw.ef_search')).toBe(String(app.get(AppConfig).SEARCH_EF_SEARCH));
  });

  it('should keep vectors in the row (MAIN storage), so exact scans need no TOAST lookups', async () => {
    const [{ attstorage }] = await em.execute<{ attstorage: string }[]>(
      `select attstorage from pg_attribute where attrelid = ?::regclass and attname = 'embedding'`,
      [tableName(em, 'chunk_vectors')],
    );
    expect(attstorage).toBe('m');
  });

  it('should return top_k filtered hits without the index too (exact scan), best first', async () => {
    const hits = await sut.search({ vector: query, topK: 30, collection: 'kb', metadata: { team: 'payments' } });
    expect(hits).toHaveLength(30);
    expect(hits.every((h) => h.sourceMetadata.team === 'payments')).toBe(true);
  });

  it('should find nothing in another collection', async () => {
    expect(await sut.search({ vector: query, topK: 5, collection: 'elsewhere' })).toEqual([]);
    expect(await sut.searchKeyword({ text: 'recall', topK: 5, collection: 'elsewhere' })).toEqual([]);
  });
});
