import type { INestApplicationContext } from '@nestjs/common';
import { AppError, ErrorCode } from '../../src/common/errors/app-error';
import { IngestionPoller } from '../../src/ingestion/ingestion.poller';
import { IngestionService } from '../../src/ingestion/ingestion.service';
import { VectorIndexer } from '../../src/vector-store/vector-indexer';
import { DbQueries } from '../support/db-queries';
import { describeDatabase } from '../support/test-database';
import { useTestApp } from '../support/use-test-app';

/** Ten one-sentence paragraphs: ten chunks with the chunking below. */
const TEN_CHUNKS = (n: number) => Array.from({ length: 10 }, (_, i) => `Document ${n} paragraph ${i} about tides.`).join('\n\n');
const CHUNKING = { strategy: 'recursive' as const, chunk_size: 40, chunk_overlap: 0 };

describeDatabase('IntakeGate: backpressure when ingestion outruns the indexer', () => {
  // The poller and the indexer are driven by hand; claims pause before the tail passes 2 x 10 chunks, the backlog bound 6.
  const suite = useTestApp({
    POLLER_ENABLED: 'false',
    POLL_BATCH_SIZE: '1',
    INDEX_MAX_TAIL_CHUNKS: '10',
    INDEX_MIN_SEGMENT_CHUNKS: '10',
    INGEST_MAX_BACKLOG: '6',
  });
  let app: INestApplicationContext;
  let db: DbQueries;
  let sut: IngestionService;

  beforeAll(() => {
    app = suite.app;
    db = suite.db;
    sut = app.get(IngestionService);
  });

  const submit = (n: number) => db.inContext(() => sut.ingest({ text: TEN_CHUNKS(n), chunking: CHUNKING }));

  it('should refuse submissions with INGEST_BACKLOG_FULL once INGEST_MAX_BACKLOG wait, batches counted whole', async () => {
    for (let n = 0; n < 5; n++) await submit(n);
    // A batch counts as all its documents: 5 waiting + 2 is over 6.
    const batch = [6, 7].map((n) => ({ text: TEN_CHUNKS(n), chunking: CHUNKING }));
    await expect(db.inContext(() => sut.ingestBatch(batch))).rejects.toMatchObject({ code: ErrorCode.IngestBacklogFull });
    await submit(5);
    const refused = await submit(6).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: ErrorCode.IngestBacklogFull, message: expect.stringContaining('INGEST_MAX_BACKLOG is 6') });
    expect(await db.count('ingestion_requests')).toBe(6);
  });

  it('should pause claims before the unindexed tail passes 2 x INDEX_MAX_TAIL_CHUNKS and resume once it is indexed', async () => {
    const poller = app.get(IngestionPoller);
    const indexer = app.get(VectorIndexer);
    await db.inContext(() => poller.tick());
    // A claim adds 10 chunks here, so with two claim loops the gate closes once the tail is over 2 x 10 - 2 x 10,
    // but never below 10: each loop may have stored one more document after its last check.
    const tail = await indexer.tailChunks();
    expect(tail).toBeGreaterThan(10);
    expect(tail).toBeLessThanOrEqual(30);
    expect(await db.count('ingestion_requests', "status = 'accepted'")).toBeGreaterThan(0);
    expect(await db.inContext(() => poller.tick())).toBe(0);

    await indexer.settle();
    expect(await indexer.tailChunks()).toBe(0);
    while ((await db.count('ingestion_requests', "status = 'accepted'")) > 0) {
      await db.inContext(() => poller.tick());
      await indexer.settle();
    }
    expect(await db.count('ingestion_requests', "status = 'completed'")).toBe(6);
    expect(await db.count('chunk_vectors')).toBe(60);
  });
});
