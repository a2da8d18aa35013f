import { Injectable, Logger } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
import { JobQueue } from '../queue/job-queue';
import { ChunkPartitions } from '../vector-store/chunk-partitions';
import { VectorIndexer } from '../vector-store/vector-indexer';

/**
 * Claim loops per poller drain: while one loop's batch is being stored (database work), the other's is chunked
 * and embedded (this process's work), so neither side waits for the other. Each may be adding a claim's chunks
 * to the tail while the gate is asked.
 */
export const CLAIM_LOOPS = 2;
/** How long a backlog count stands for: at 800 requests/s a count per request would be most of the work. */
const BACKLOG_CACHE_MS = 1000;

/**
 * Backpressure, so that search stays fast when ingestion outruns the indexer:
 *  - claims pause before the unindexed tail can pass twice INDEX_MAX_TAIL_CHUNKS (searches scan the tail
 *    exactly: an unbounded tail made vector search p50 16 s), and resume once a build has sealed it. The
 *    claims in flight (one per claim loop) still add their chunks after a check, so they pause at twice the
 *    bound less what a claim added lately (never below the bound itself): claiming goes on while the indexer
 *    builds, which is what keeps ingestion at the indexer's pace rather than alternating with it;
 *  - new submissions get 503 INGEST_BACKLOG_FULL with Retry-After once INGEST_MAX_BACKLOG requests wait,
 *    rather than a queue that grows without bound.
 */
@Injectable()
export class IntakeGate {
  private readonly logger = new Logger(IntakeGate.name);
  private backlog?: { at: number; count: Promise<number> };
  private paused = false;
  /** The tail at the last check, and the most one claim added to it lately (the tail's growth between checks). */
  private lastTail?: number;
  private perClaim = 0;

  constructor(
    private readonly queue: JobQueue,
    private readonly indexer: VectorIndexer,
    private readonly partitions: ChunkPartitions,
    private readonly config: AppConfig,
  ) {}

  /** Throws INGEST_BACKLOG_FULL when the queue is at its bound (INGEST_MAX_BACKLOG; 0 = unbounded). */
  async assertRoom(adding = 1): Promise<void> {
    const limit = this.config.INGEST_MAX_BACKLOG;
    if (limit === 0) return;
    if (!this.backlog || Date.now() - this.backlog.at > BACKLOG_CACHE_MS) {
      const count = this.queue.countWaiting();
      this.backlog = { at: Date.now(), count };
      count.catch(() => (this.backlog = undefined));
    }
    const waiting = await this.backlog.count;
    if (waiting + adding > limit) {
      throw new AppError(
        ErrorCode.IngestBacklogFull,
        `${waiting} ingestions are waiting to be processed (INGEST_MAX_BACKLOG is ${limit}); retry later`,
      );
    }
    // Counted at once here, so this process's own burst within one cache period cannot overshoot the bound.
    this.backlog.count = Promise.resolve(waiting + adding);
  }

  /**
   * Whether the poller may claim now: not while the unindexed tail is over its bound. First adds the chunk
   * partitions the claimed requests' chunks may need (see ChunkPartitions).
   */
  async mayClaim(): Promise<boolean> {
    await this.partitions.check();
    // Beyond twice the bound the answer is the same: no need to count further.
    const tail = await this.indexer.tailChunks(2 * this.config.INDEX_MAX_TAIL_CHUNKS + 1);
    // Decays, so one large document does not hold claims back for good.
    if (this.lastTail !== undefined && tail > this.lastTail) this.perClaim = Math.max(tail - this.lastTail, Math.floor(this.perClaim * 0.9));
    this.lastTail = tail;
    const max = this.config.INDEX_MAX_TAIL_CHUNKS;
    const bound = Math.max(max, 2 * max - CLAIM_LOOPS * this.perClaim);
    const paused = tail > bound;
    if (paused !== this.paused) {
      this.paused = paused;
      if (paused) this.logger.warn(`Claims paused: ${tail} unindexed chunks, near 2 x INDEX_MAX_TAIL_CHUNKS (${2 * max}); resuming once indexed`);
      else this.logger.log(`Claims resumed: the unindexed tail is down to ${tail} chunks`);
    }
    return !paused;
  }
}
