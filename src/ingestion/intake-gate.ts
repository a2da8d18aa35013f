import { Injectable, Logger } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
import { JobQueue } from '../queue/job-queue';
import { ChunkPartitions } from '../vector-store/chunk-partitions';
import { VectorIndexer } from '../vector-store/vector-indexer';

/** How long a backlog count stands for: at 800 requests/s a count per request would be most of the work. */
const BACKLOG_CACHE_MS = 1000;

/**
 * Backpressure, so that search stays fast when ingestion outruns the indexer:
 *  - claims pause while the unindexed tail is over INDEX_MAX_TAIL_CHUNKS (searches scan the tail exactly: an
 *    unbounded tail made vector search p50 16 s), and resume once a build has sealed it. The claims already
 *    in flight still add their chunks, so pausing at once the bound keeps the tail under twice it;
 *  - new submissions get 503 INGEST_BACKLOG_FULL with Retry-After once INGEST_MAX_BACKLOG requests wait,
 *    rather than a queue that grows without bound.
 */
@Injectable()
export class IntakeGate {
  private readonly logger = new Logger(IntakeGate.name);
  private backlog?: { at: number; count: Promise<number> };
  private paused = false;

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
    const tail = await this.indexer.tailChunks();
    const bound = this.config.INDEX_MAX_TAIL_CHUNKS;
    const paused = tail > bound;
    if (paused !== this.paused) {
      this.paused = paused;
      if (paused) this.logger.warn(`Claims paused: ${tail} unindexed chunks, over INDEX_MAX_TAIL_CHUNKS (${bound}); resuming once indexed`);
      else this.logger.log(`Claims resumed: the unindexed tail is down to ${tail} chunks`);
    }
    return !paused;
  }
}
