import { Injectable } from '@nestjs/common';
import { SqlEntityManager, tableName } from '../database/sql';
import { ChunkPartition, partitionOf } from './chunk-partitions';

/**
 * One partial HNSW index over the chunks whose `seq` is in (seqFrom, seqTo]. Segments tile (0, last seqTo];
 * chunks above it (the tail) have no index yet and are searched exactly.
 */
export interface IndexSegment {
  indexName: string;
  seqFrom: number;
  seqTo: number;
  chunkCount: number;
}

/** The HNSW access method, operator class and build parameters of every segment (and of the bench's peers). */
export const HNSW_INDEX_METHOD = 'hnsw (embedding vector_cosine_ops) with (m = 16, ef_construction = 64)';

/** Deterministic, so a range is built under one name and a half-built leftover is recognised by it. */
export const SEGMENT_INDEX_PREFIX = 'chunk_vectors_hnsw_';
export const segmentIndexName = (seqFrom: number, seqTo: number) => `${SEGMENT_INDEX_PREFIX}${seqFrom}_${seqTo}`;

/** The SQL condition that selects a segment's rows; a search repeats it so the planner can use the partial index. */
export const segmentCondition = (segment: Pick<IndexSegment, 'seqFrom' | 'seqTo'>) =>
  `seq > ${Math.trunc(segment.seqFrom)} and seq <= ${Math.trunc(segment.seqTo)}`;

/** Where the indexed part ends: chunks with a larger seq are the tail. */
export const indexedThrough = (segments: readonly IndexSegment[]) => segments.at(-1)?.seqTo ?? 0;

interface SegmentRow {
  index_name: string;
  seq_from: string | number;
  seq_to: string | number;
  chunk_count: number;
}

/** How long a search may use a segment list read earlier: a stale list is still correct (see `search`), only slower. */
const CACHE_MS = 1000;

/**
 * The segment list (vector_index_segments), cached briefly for searches. A stale list is safe: a replaced
 * segment's range is inside its replacement's, so the planner proves the replacement's predicate from the
 * old condition, and chunks above an old end are still in the (exactly searched) tail.
 */
@Injectable()
export class SegmentCatalog {
  private cached?: { at: number; segments: Promise<IndexSegment[]> };

  constructor(private readonly em: SqlEntityManager) {}

  private get table(): string {
    return tableName(this.em, 'vector_index_segments');
  }

  /** The segments as searches see them (at most CACHE_MS old). */
  current(): Promise<IndexSegment[]> {
    if (!this.cached || Date.now() - this.cached.at > CACHE_MS) {
      // The contextual EntityManager: inside a caller's transaction the read must use that transaction's connection.
      const segments = this.read(this.em);
      this.cached = { at: Date.now(), segments };
      segments.catch(() => (this.cached = undefined));
    }
    return this.cached.segments;
  }

  /** The segments now, ordered by range. */
  async read(em: SqlEntityManager = this.em.fork()): Promise<IndexSegment[]> {
    const rows = await em.execute<SegmentRow[]>(`select index_name, seq_from, seq_to, chunk_count from ${this.table} order by seq_from`);
    return rows.map((r) => ({ indexName: r.index_name, seqFrom: Number(r.seq_from), seqTo: Number(r.seq_to), chunkCount: r.chunk_count }));
  }

  /** Records `built` in place of `replaced`, in one transaction, and drops the cached list. */
  async replace(replaced: readonly IndexSegment[], built: IndexSegment): Promise<void> {
    await this.em.fork().transactional(async (tx) => {
      if (replaced.length > 0) {
        await tx.execute(
          `delete from ${this.table} where index_name in (${replaced.map(() => '?').join(', ')})`,
          replaced.map((s) => s.indexName),
        );
      }
      await tx.execute(`insert into ${this.table} (index_name, seq_from, seq_to, chunk_count) values (?, ?, ?, ?)`, [
        built.indexName,
        built.seqFrom,
        built.seqTo,
        built.chunkCount,
      ]);
    });
    this.cached = undefined;
  }
}

/** When the indexer seals the tail into a segment and merges segments (see VectorIndexer). */
export interface IndexPolicy {
  /** A tail smaller than this stays unindexed: an exact scan of it is about as fast as an index, and exact. */
  minSegmentChunks: number;
  /** A tail this large is sealed even while chunks keep arriving, bounding the exact scan searches do. */
  maxTailChunks: number;
  /** Otherwise the tail is sealed once no chunk has arrived for this long: a bulk load gets one build. */
  quietMs: number;
  /** A smaller tail is sealed too once ingestion is idle (drained, and no new chunk seen) for this long. */
  idleSealMs: number;
  /** Above this many segments the smallest adjacent pair is merged, bounding the index scans a search makes. */
  maxSegments: number;
}

export interface TailState {
  chunks: number;
  /** The largest seq in the tail. */
  lastSeq: number;
  /** Milliseconds since the newest tail chunk was written. */
  idleMs: number;
  /** Milliseconds for which the indexer has seen no new chunk (by its Clock, from its first look at the newest). */
  unchangedMs: number;
  /** The newest segment was sealed at maxTailChunks while chunks kept arriving: the tail is a bulk load's end. */
  endsLoad: boolean;
  /** No request is waiting or being processed: no more chunks are on their way, so the tail need not go quiet. */
  drained: boolean;
}

/** What to build next: a segment over `seqFrom..seqTo` that replaces `replaces` (none for a new segment). */
export interface BuildPlan {
  seqFrom: number;
  seqTo: number;
  replaces: IndexSegment[];
  /** A new segment over a tail that was not quiet (sealed at maxTailChunks). */
  duringLoad?: boolean;
}

/** Newer segments holding at least this fraction of an older one's chunks are merged with it once quiet. */
const QUIET_MERGE_RATIO = 1 / 4;

/**
 * The next build, or undefined when the index is as it should be. A segment never crosses the end of a
 * partition of chunk_vectors (`partitions`; none known = one), so each build reads one partition:
 *  1. more than maxSegments in a partition → merge its adjacent pair with the fewest chunks. First, even with
 *     a full tail: under sustained ingest the tail is always full, and sealing first left 97 segments for
 *     every search to walk (its p99 grew to 1.7 s); meanwhile the tail grows to its bound and claims pause;
 *  2. a tail at maxTailChunks, or a quiet or drained tail of at least minSegmentChunks or at the end of a
 *     load that was already sealed in part, or any tail once drained and unchanged for idleSealMs → a new
 *     segment over it up to its partition's end (so a bulk load ends entirely indexed, and a small tail is not
 *     an exact scan for good);
 *  3. quiet, and in a partition the segments after some segment hold at least QUIET_MERGE_RATIO of its chunks
 *     → merge it and all after it in that partition in one build (the oldest such). A bulk load sealed piece
 *     by piece, alone or on top of an index, ends as one index per partition; small additions to a large
 *     index wait until they add up, so no row is rebuilt more than a few times.
 */
export function nextBuild(
  segments: readonly IndexSegment[],
  tail: TailState,
  policy: IndexPolicy,
  partitions: readonly ChunkPartition[] = [],
): BuildPlan | undefined {
  const groups = byPartition(segments, partitions);
  for (const group of groups) if (group.length > policy.maxSegments) return mergeSmallestPair(group);
  const quiet = tail.idleMs >= policy.quietMs;
  const loadEnded = tail.endsLoad && tail.chunks > 0;
  const idle = tail.drained && tail.chunks > 0 && tail.unchangedMs >= policy.idleSealMs;
  if (tail.chunks >= policy.maxTailChunks || ((quiet || tail.drained) && (tail.chunks >= policy.minSegmentChunks || loadEnded)) || idle) {
    const seqFrom = indexedThrough(segments);
    const partitionEnd = partitionOf(seqFrom + 1, partitions)?.seqTo ?? Number.POSITIVE_INFINITY;
    return { seqFrom, seqTo: Math.min(tail.lastSeq, partitionEnd), replaces: [], duringLoad: !quiet && !tail.drained };
  }
  if (!quiet) return undefined;
  for (const group of groups) {
    const plan = mergeOutweighed(group);
    if (plan) return plan;
  }
  return undefined;
}

/** The segments in runs that share a partition, oldest first. */
function byPartition(segments: readonly IndexSegment[], partitions: readonly ChunkPartition[]): IndexSegment[][] {
  const groups: IndexSegment[][] = [];
  let current: string | undefined;
  for (const segment of segments) {
    const partition = partitionOf(segment.seqTo, partitions)?.name ?? '';
    if (groups.length === 0 || partition !== current) groups.push([]);
    groups.at(-1)!.push(segment);
    current = partition;
  }
  return groups;
}

const merge = (segments: readonly IndexSegment[]): BuildPlan => ({
  seqFrom: segments[0].seqFrom,
  seqTo: segments.at(-1)!.seqTo,
  replaces: [...segments],
});

function mergeSmallestPair(segments: readonly IndexSegment[]): BuildPlan {
  let smallest = 0;
  const pairSize = (i: number) => segments[i].chunkCount + segments[i + 1].chunkCount;
  for (let i = 1; i < segments.length - 1; i++) if (pairSize(i) < pairSize(smallest)) smallest = i;
  return merge(segments.slice(smallest, smallest + 2));
}

/** The longest run of newest segments whose first is outweighed by those after it, merged in one build. */
function mergeOutweighed(segments: readonly IndexSegment[]): BuildPlan | undefined {
  let after = 0;
  for (let i = segments.length - 1; i >= 0; i--) after += segments[i].chunkCount;
  for (let i = 0; i < segments.length - 1; i++) {
    after -= segments[i].chunkCount;
    if (after >= segments[i].chunkCount * QUIET_MERGE_RATIO) return merge(segments.slice(i));
  }
  return undefined;
}
