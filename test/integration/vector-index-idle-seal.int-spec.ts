import type { INestApplicationContext } from '@nestjs/common';
import { Clock } from '../../src/common/clock';
import { IngestionPoller } from '../../src/ingestion/ingestion.poller';
import { SubmissionService } from '../../src/queue/submission.service';
import { SegmentCatalog } from '../../src/vector-store/index-segments';
import { VectorIndexer } from '../../src/vector-store/vector-indexer';
import { newIngestion } from '../factories/ingestion.factory';
import { DbQueries } from '../support/db-queries';
import { ManualClock } from '../support/manual-clock';
import { describeDatabase } from '../support/test-database';
import { useTestApp } from '../support/use-test-app';

const IDLE_SEAL_MS = 3_600_000;
const CHUNKS_PER_DOCUMENT = 20;

describeDatabase('VectorIndexer: a tail below INDEX_MIN_SEGMENT_CHUNKS is sealed once ingestion is idle', () => {
  const clock = new ManualClock();
  const suite = useTestApp(
    {
      // 20 chunks a document, well below the minimum: only the idle rule can seal them.
      INDEX_MIN_SEGMENT_CHUNKS: '50',
      INDEX_MAX_TAIL_CHUNKS: '1000',
      INDEX_QUIET_MS: '10',
      INDEX_IDLE_SEAL_MS: String(IDLE_SEAL_MS),
      POLL_BATCH_SIZE: '50',
    },
    (builder) => builder.overrideProvider(Clock).useValue(clock),
  );
  let app: INestApplicationContext;
  let db: DbQueries;
  let sut: VectorIndexer;
  let catalog: SegmentCatalog;

  beforeAll(() => {
    app = suite.app;
    db = suite.db;
    sut = app.get(VectorIndexer);
    catalog = app.get(SegmentCatalog);
  });

  /** Accepts one document of 20 chunks; the poller stores them only when `process` is called. */
  const submit = (n: number) =>
    db.inContext(() =>
      app.get(SubmissionService).submit(
        newIngestion({
          text: Array.from({ length: CHUNKS_PER_DOCUMENT }, (_, i) => `Idle document ${n} part ${i}: notes on topic ${i % 7}.`).join('\n\n'),
          chunking: { strategy: 'recursive', chunk_size: 60, chunk_overlap: 0 },
        }),
      ),
    );
  const process = () => app.get(IngestionPoller).tick();

  const validSegmentIndexes = async () => (await db.segmentIndexes()).filter((i) => i.valid).map((i) => i.name);

  it('should leave a small tail to exact search until no chunk has arrived for INDEX_IDLE_SEAL_MS, then seal it', async () => {
    await submit(0);
    await process();
    expect(await sut.tick()).toBeUndefined(); // drained, but 20 < INDEX_MIN_SEGMENT_CHUNKS: the idle time starts
    clock.advance(IDLE_SEAL_MS - 1);
    expect(await sut.tick()).toBeUndefined();
    expect(await sut.tail()).toMatchObject({ chunks: CHUNKS_PER_DOCUMENT, indexedThrough: 0 });
    expect(await catalog.read()).toEqual([]);

    clock.advance(1);
    expect(await sut.tick()).toMatchObject({ seqFrom: 0, replaces: [], duringLoad: false });
    const segments = await catalog.read();
    expect(segments).toEqual([expect.objectContaining({ seqFrom: 0, chunkCount: CHUNKS_PER_DOCUMENT })]);
    expect(await validSegmentIndexes()).toEqual([segments[0].indexName]);
    expect(await sut.tail()).toMatchObject({ chunks: 0, indexedThrough: segments[0].seqTo });
    expect(await sut.tick()).toBeUndefined(); // nothing left to seal
  });

  it('should not seal while requests are waiting, and start the idle time over when new chunks arrive', async () => {
    const [sealed] = await catalog.read();
    await submit(1);
    clock.advance(IDLE_SEAL_MS);
    expect(await sut.tick()).toBeUndefined(); // a request waits: its chunks are on their way
    await process();
    expect(await sut.tick()).toBeUndefined(); // the new chunks were just seen
    await submit(2);
    clock.advance(IDLE_SEAL_MS);
    expect(await sut.tick()).toBeUndefined(); // idle long enough, but a request waits again
    await process();
    expect(await sut.tick()).toBeUndefined(); // drained now, and the newest chunks seen from here on
    clock.advance(IDLE_SEAL_MS - 1);
    expect(await sut.tick()).toBeUndefined();
    expect(await sut.tail()).toMatchObject({ chunks: 2 * CHUNKS_PER_DOCUMENT, drained: true });

    clock.advance(1);
    expect(await sut.tick()).toMatchObject({ seqFrom: sealed.seqTo, replaces: [] });
    await sut.settle(); // the new segment outweighs a quarter of the first: they may be merged
    expect((await sut.tail()).chunks).toBe(0);
    const segments = await catalog.read();
    expect(segments.reduce((sum, s) => sum + s.chunkCount, 0)).toBe(3 * CHUNKS_PER_DOCUMENT);
    expect(await validSegmentIndexes()).toEqual(segments.map((s) => s.indexName).sort());
  });
});
