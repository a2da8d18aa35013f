import type { INestApplicationContext } from '@nestjs/common';
import { SqlEntityManager, tableName } from '../../src/database/sql';
import { Embedder } from '../../src/embedding/embedder';
import { IngestionPoller } from '../../src/ingestion/ingestion.poller';
import { SubmissionService } from '../../src/queue/submission.service';
import { ChunkPartitions, PARTITIONS_AHEAD, partitionName } from '../../src/vector-store/chunk-partitions';
import { SegmentCatalog } from '../../src/vector-store/index-segments';
import { VectorIndexer } from '../../src/vector-store/vector-indexer';
import { VectorStore } from '../../src/vector-store/vector-store';
import { newIngestion } from '../factories/ingestion.factory';
import { describeDatabase } from '../support/test-database';
import { useTestApp } from '../support/use-test-app';

const PARTITION_CHUNKS = 100;
const CHUNKS_PER_DOCUMENT = 20;

describeDatabase('chunk_vectors partitions: each HNSW segment on one partition, so a build reads that partition only', () => {
  const suite = useTestApp({
    INDEX_PARTITION_CHUNKS: String(PARTITION_CHUNKS),
    INDEX_MIN_SEGMENT_CHUNKS: '30',
    INDEX_MAX_TAIL_CHUNKS: '1000',
    INDEX_QUIET_MS: '10',
    POLL_BATCH_SIZE: '50',
  });
  let app: INestApplicationContext;
  let em: SqlEntityManager;
  let partitions: ChunkPartitions;

  beforeAll(() => {
    app = suite.app;
    em = app.get(SqlEntityManager);
    partitions = app.get(ChunkPartitions);
  });

  let ingested = 0;
  async function ingest(documents: number): Promise<void> {
    for (let n = 0; n < documents; n++) {
      const doc = ingested++;
      const text = Array.from({ length: CHUNKS_PER_DOCUMENT }, (_, i) => `Partitioned document ${doc} part ${i}: topic ${(doc * 3 + i) % 11}.`);
      await suite.db.inContext(() =>
        app
          .get(SubmissionService)
          .submit(newIngestion({ text: text.join('\n\n'), chunking: { strategy: 'recursive', chunk_size: 60, chunk_overlap: 0 } })),
      );
    }
    await app.get(IngestionPoller).tick();
  }

  it('should keep empty partitions ahead of the newest chunk as chunks arrive', async () => {
    // Added at boot, before the first claim.
    expect((await partitions.read()).map((p) => p.name)).toEqual([partitionName(0, 100), partitionName(100, 200)]);
    // 240 chunks (seq 1..240) in two rounds of claims: each claim first makes room for what it may write.
    await ingest(6);
    await ingest(6);
    await partitions.check();
    const after = await partitions.read();
    expect(after.at(-1)!.seqTo).toBeGreaterThanOrEqual(240 + PARTITIONS_AHEAD * PARTITION_CHUNKS);
    after.forEach((p, i) => expect(p).toEqual({ name: partitionName(p.seqFrom, p.seqTo), seqFrom: i * 100, seqTo: (i + 1) * 100 }));
    expect(await suite.db.count('chunk_vectors')).toBe(240);
  });

  it('should build each segment on the partition that holds its range, none across a partition end, and search them all', async () => {
    // The poller's tick above left the tail drained: the indexer seals it partition by partition.
    await app.get(VectorIndexer).settle();
    const segments = await app.get(SegmentCatalog).read();
    expect(segments.map((s) => [s.seqFrom, s.seqTo, s.chunkCount])).toEqual([
      [0, 100, 100],
      [100, 200, 100],
      [200, 240, 40],
    ]);
    const indexes = await suite.db.segmentIndexes();
    expect(indexes).toEqual(
      segments.map((s) => ({
        name: s.indexName,
        valid: true,
        table: partitionName(Math.floor(s.seqFrom / 100) * 100, Math.floor(s.seqFrom / 100) * 100 + 100),
      })),
    );

    const [query] = await app.get(Embedder).embed(['Partitioned document 7 part 3: topic 2.']);
    const exact = await em.execute<{ distance: number }[]>(
      `select embedding <=> ?::vector as distance from ${tableName(em, 'chunk_vectors')} order by 1 limit 10`,
      [`[${Array.from(query).join(',')}]`],
    );
    const hits = await app.get(VectorStore).search({ vector: query, topK: 10, efSearch: 200 });
    expect(hits.map((h) => h.score.toFixed(6))).toEqual(exact.map((r) => (1 - r.distance).toFixed(6)));
    expect(hits[0].chunkText).toBe('Partitioned document 7 part 3: topic 2.');
  });

  it("should keep each written partition's planner statistics", async () => {
    const rows = await em.execute<{ tablename: string }[]>(
      `select distinct tablename from pg_stats where schemaname = ? and tablename like 'chunk_vectors_p%' and attname = 'collection' order by 1`,
      [em.config.get('schema')],
    );
    expect(rows.map((r) => r.tablename)).toEqual(expect.arrayContaining([partitionName(0, 100), partitionName(100, 200), partitionName(200, 300)]));
  });
});
