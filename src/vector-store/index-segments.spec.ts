import { partitionName } from './chunk-partitions';
import { IndexPolicy, IndexSegment, nextBuild, segmentIndexName, TailState } from './index-segments';

const policy: IndexPolicy = { minSegmentChunks: 100, maxTailChunks: 1000, quietMs: 1000, idleSealMs: 60_000, maxSegments: 3 };
const segment = (seqFrom: number, seqTo: number, chunkCount = seqTo - seqFrom): IndexSegment => ({
  indexName: segmentIndexName(seqFrom, seqTo),
  seqFrom,
  seqTo,
  chunkCount,
});
const busy = (chunks: number, lastSeq: number): TailState => ({ chunks, lastSeq, idleMs: 10, unchangedMs: 10, endsLoad: false, drained: false });
const quiet = (chunks: number, lastSeq: number): TailState => ({ chunks, lastSeq, idleMs: 5000, unchangedMs: 5000, endsLoad: false, drained: false });

describe(nextBuild.name, () => {
  it('should leave a small tail to exact search, busy or quiet', () => {
    expect(nextBuild([], busy(99, 99), policy)).toBeUndefined();
    expect(nextBuild([], quiet(99, 99), policy)).toBeUndefined();
  });

  it('should seal a tail once the writes pause, or at once when it reaches the maximum', () => {
    expect(nextBuild([], busy(500, 500), policy)).toBeUndefined();
    expect(nextBuild([], quiet(500, 500), policy)).toEqual({ seqFrom: 0, seqTo: 500, replaces: [], duringLoad: false });
    expect(nextBuild([segment(0, 5000)], busy(1000, 6200), policy)).toEqual({ seqFrom: 5000, seqTo: 6200, replaces: [], duringLoad: true });
  });

  it('should seal a tail as soon as no request is left to process, without waiting for it to go quiet', () => {
    // Not "during a load": what comes next is a new load, and its first small tail waits for the minimum.
    expect(nextBuild([], { ...busy(500, 500), drained: true }, policy)).toEqual({ seqFrom: 0, seqTo: 500, replaces: [], duringLoad: false });
    expect(nextBuild([segment(0, 1200)], { ...busy(40, 1240), endsLoad: true, drained: true }, policy)).toMatchObject({ seqFrom: 1200, seqTo: 1240 });
    expect(nextBuild([], { ...busy(99, 99), drained: true }, policy)).toBeUndefined();
  });

  it('should seal a small tail once ingestion is idle: nothing left to process and no new chunk for idleSealMs', () => {
    const idle = (chunks: number, lastSeq: number, unchangedMs: number): TailState => ({ ...quiet(chunks, lastSeq), drained: true, unchangedMs });
    expect(nextBuild([], idle(20, 20, 59_999), policy)).toBeUndefined();
    expect(nextBuild([], idle(20, 20, 60_000), policy)).toEqual({ seqFrom: 0, seqTo: 20, replaces: [], duringLoad: false });
    expect(nextBuild([segment(0, 5000)], idle(20, 5020, 60_000), policy)).toEqual({ seqFrom: 5000, seqTo: 5020, replaces: [], duringLoad: false });
    // Requests still waiting or running: more chunks are coming, however long the last one is.
    expect(nextBuild([], { ...idle(20, 20, 1e9), drained: false }, policy)).toBeUndefined();
    expect(nextBuild([segment(0, 5000)], idle(0, 5000, 1e9), policy)).toBeUndefined();
  });

  it('should seal the small rest of a load that was sealed in part while it ran, once quiet', () => {
    const sealedDuringLoad = segment(0, 1200);
    expect(nextBuild([sealedDuringLoad], { ...busy(40, 1240), endsLoad: true }, policy)).toBeUndefined();
    expect(nextBuild([sealedDuringLoad], { ...quiet(40, 1240), endsLoad: true }, policy)).toEqual({
      seqFrom: 1200,
      seqTo: 1240,
      replaces: [],
      duringLoad: false,
    });
    expect(nextBuild([sealedDuringLoad], { ...quiet(0, 1200), endsLoad: true }, policy)).toBeUndefined();
  });

  it('should merge a new segment into the one before once quiet, unless it is much smaller', () => {
    const big = segment(0, 10_000);
    expect(nextBuild([big, segment(10_000, 12_000)], quiet(0, 12_000), policy)).toBeUndefined();
    expect(nextBuild([big, segment(10_000, 13_000)], busy(0, 13_000), policy)).toBeUndefined();
    const bulk = segment(10_000, 13_000);
    expect(nextBuild([big, bulk], quiet(0, 13_000), policy)).toEqual({ seqFrom: 0, seqTo: 13_000, replaces: [big, bulk] });
  });

  it('should merge a bulk load sealed piece by piece into one segment in one build, small last piece included', () => {
    const pieces = [segment(0, 2043), segment(2043, 4164), segment(4164, 6400), segment(6400, 9408), segment(9408, 13_647), segment(13_647, 13_947)];
    const roomy = { ...policy, maxSegments: 8 };
    expect(nextBuild(pieces, quiet(0, 13_947), roomy)).toEqual({ seqFrom: 0, seqTo: 13_947, replaces: pieces });
    // On top of a large index, only the pieces that outweigh one another; the large one waits for more.
    const onTop = [segment(0, 100_000), ...pieces.map((p) => segment(100_000 + p.seqFrom, 100_000 + p.seqTo))];
    expect(nextBuild(onTop, quiet(0, 113_947), roomy)).toEqual({ seqFrom: 100_000, seqTo: 113_947, replaces: onTop.slice(1) });
  });

  it('should merge the smallest adjacent pair when there are too many segments, even while busy, before sealing a full tail', () => {
    const segments = [segment(0, 8000), segment(8000, 9000), segment(9000, 9300), segment(9300, 10_400)];
    expect(nextBuild(segments, busy(10, 10_410), policy)).toEqual({ seqFrom: 8000, seqTo: 9300, replaces: [segments[1], segments[2]] });
    expect(nextBuild(segments, busy(1000, 11_400), policy)).toEqual({ seqFrom: 8000, seqTo: 9300, replaces: [segments[1], segments[2]] });
    expect(nextBuild(segments.slice(0, 3), busy(1000, 11_400), policy)).toMatchObject({ seqFrom: 9300, replaces: [] });
  });

  it('should count chunks, not seq ranges (deleted chunks leave gaps)', () => {
    const segments = [segment(0, 8000, 100), segment(8000, 9000, 900), segment(9000, 9300, 300), segment(9300, 10_400, 1100)];
    expect(nextBuild(segments, busy(0, 10_400), policy)?.replaces).toEqual([segments[0], segments[1]]);
  });

  describe('with partitions', () => {
    const partition = (seqFrom: number, seqTo: number) => ({ name: partitionName(seqFrom, seqTo), seqFrom, seqTo });
    const partitions = [partition(0, 10_000), partition(10_000, 20_000), partition(20_000, 30_000)];

    it('should end a new segment with its partition, and seal the rest of the tail in the next', () => {
      expect(nextBuild([segment(0, 9000)], busy(1500, 10_500), policy, partitions)).toEqual({
        seqFrom: 9000,
        seqTo: 10_000,
        replaces: [],
        duringLoad: true,
      });
      expect(nextBuild([segment(0, 9000), segment(9000, 10_000)], busy(500, 10_500), policy, partitions)).toBeUndefined();
      expect(nextBuild([segment(0, 10_000)], quiet(500, 10_500), policy, partitions)).toMatchObject({ seqFrom: 10_000, seqTo: 10_500 });
    });

    it('should merge only within a partition, and count the segments of each partition against the maximum', () => {
      const first = [segment(0, 4000), segment(4000, 8000), segment(8000, 10_000)];
      const second = [segment(10_000, 13_000), segment(13_000, 16_000), segment(16_000, 17_000)];
      // Six segments over two partitions, three in each: at the maximum, not over it.
      expect(nextBuild([...first, ...second], busy(0, 17_000), policy, partitions)).toBeUndefined();
      const third = [...second, segment(17_000, 17_500)];
      expect(nextBuild([...first, ...third], busy(0, 17_500), policy, partitions)).toEqual({
        seqFrom: 16_000,
        seqTo: 17_500,
        replaces: [third[2], third[3]],
      });
      // Once quiet: each partition's pieces become one index, the oldest partition first; never one across both.
      expect(nextBuild([...first, ...second], quiet(0, 17_000), policy, partitions)).toEqual({ seqFrom: 0, seqTo: 10_000, replaces: first });
      expect(nextBuild([segment(0, 10_000), ...second], quiet(0, 17_000), policy, partitions)).toEqual({
        seqFrom: 10_000,
        seqTo: 17_000,
        replaces: second,
      });
    });
  });
});
