import { Injectable, Logger } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { JobQueue } from '../queue/job-queue';
import { MetricsRegistry } from './metrics.registry';

/** What a processing attempt ended with (IngestionProcessor's ProcessOutcome). */
export type AttemptOutcome = 'completed' | 'superseded' | 'cancelled' | 'retry' | 'failed' | 'lost-lease';

const QUEUED_STATUSES = ['accepted', 'running'] as const;

/**
 * The pipeline's metrics. Queue depth is read from the database at scrape time, so it is right whichever
 * instance is scraped; the rest are counted by the process that did the work (sum them across instances).
 */
@Injectable()
export class IngestionMetrics {
  private readonly logger = new Logger(IngestionMetrics.name);
  private readonly claims: Counter;
  private readonly attempts: Counter<'outcome'>;
  private readonly chunksStored: Counter;
  private readonly acceptedToCompleted: Histogram;
  private readonly embeddingDuration: Histogram<'provider'>;
  private readonly embeddingErrors: Counter<'provider'>;

  constructor(
    registry: MetricsRegistry,
    private readonly queue: JobQueue,
  ) {
    const registers = [registry];
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- prom-client calls collect() with the metric as `this`
    const metrics = this;
    new Gauge({
      name: 'ingestion_queue_depth',
      help: 'Ingestion requests waiting (accepted, including those backing off before a retry) or being processed (running)',
      labelNames: ['status'],
      registers,
      async collect() {
        await metrics.collectQueueDepth(this);
      },
    });
    this.claims = new Counter({ name: 'ingestion_poller_claims_total', help: 'Requests claimed by this process’s poller', registers });
    this.attempts = new Counter({
      name: 'ingestion_attempts_total',
      help: 'Processing attempts by outcome: completed, superseded, cancelled, retry (failed, will be retried), failed (for good), lost-lease',
      labelNames: ['outcome'],
      registers,
    });
    this.chunksStored = new Counter({ name: 'ingestion_chunks_stored_total', help: 'Chunks (with their vectors) stored', registers });
    this.acceptedToCompleted = new Histogram({
      name: 'ingestion_accepted_to_completed_seconds',
      help: 'Time from a request being accepted to its completion, retries included',
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    });
    this.embeddingDuration = new Histogram({
      name: 'embedding_batch_duration_seconds',
      help: 'Time of one embedder call (a batch of texts), by provider',
      labelNames: ['provider'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.embeddingErrors = new Counter({
      name: 'embedding_batch_errors_total',
      help: 'Embedder calls that failed, by provider',
      labelNames: ['provider'],
      registers,
    });
  }

  /** The poller claimed `count` requests. */
  claimed(count: number): void {
    this.claims.inc(count);
  }

  /** Times one embedder call and counts its failure; the call's result or error passes through unchanged. */
  async timeEmbedding<T>(provider: string, call: () => Promise<T>): Promise<T> {
    const stop = this.embeddingDuration.startTimer({ provider });
    try {
      return await call();
    } catch (error) {
      this.embeddingErrors.inc({ provider });
      throw error;
    } finally {
      stop();
    }
  }

  /** Counts an attempt's outcome. */
  attemptFinished(outcome: AttemptOutcome): void {
    this.attempts.inc({ outcome });
  }

  /** A request completed, storing `chunks` chunks, `seconds` after it was accepted. */
  completed(chunks: number, seconds: number): void {
    this.chunksStored.inc(chunks);
    this.acceptedToCompleted.observe(seconds);
  }

  private async collectQueueDepth(gauge: Gauge<'status'>): Promise<void> {
    gauge.reset();
    try {
      const depth = await this.queue.queueDepth();
      for (const status of QUEUED_STATUSES) gauge.set({ status }, depth[status]);
    } catch (error) {
      // No samples rather than stale ones: an absent series is what alerts on a broken scrape look for.
      this.logger.warn(`Could not read the queue depth: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
