import { EntityManager, RequestContext } from '@mikro-orm/core';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppConfig } from '../config/app-config';
import { ClaimedRequest, JobQueue } from '../queue/job-queue';
import { WorkInProgress } from '../queue/work-in-progress';
import { IngestionMetrics } from '../metrics/ingestion.metrics';
import { FailureStreak } from '../database/failure-streak';
import { CLAIM_LOOPS, IntakeGate } from './intake-gate';
import { IngestionProcessor } from './ingestion.processor';

const INTERVAL_NAME = 'ingestion-poller';
/** Longest pause between ticks while the database is unreachable: bounds how long recovery can go unnoticed. */
const MAX_BACKOFF_MS = 10_000;
/**
 * How long shutdown waits, once the grace period is over, for abandoned work to unwind (each request stops at
 * its next step and rolls back): the process then exits within SHUTDOWN_GRACE_MS + SHUTDOWN_DEADLINE_EXTRA_MS.
 */
const ABANDON_WAIT_MS = 3000;
/** How often the progress of running requests is written: a client sees it move, the database is not written per chunk. */
const PROGRESS_INTERVAL_MS = 1000;

/**
 * The scheduled poller: every POLL_INTERVAL_MS it claims due requests (POLL_BATCH_SIZE per claim) and
 * processes up to POLL_CONCURRENCY of them at once. A tick that is still running makes the next one a no-op.
 * While it works, a heartbeat renews the locks of the requests it holds, three times per JOB_LEASE_MS, so
 * only a dead worker's requests are ever reclaimed. When the database is unreachable it backs off
 * (doubling the pause up to MAX_BACKOFF_MS) and resumes by itself. On shutdown it stops claiming, lets the
 * requests in progress finish for up to SHUTDOWN_GRACE_MS, abandons what is still in progress (rolled back)
 * and releases everything it still holds.
 */
@Injectable()
export class IngestionPoller implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly logger = new Logger(IngestionPoller.name);
  private currentTick?: Promise<number>;
  private started = false;
  private stopping = false;
  /** Set once shutdown released the claims: nothing is renewed after that (the ORM closes next). */
  private released = false;
  private pausedUntil = 0;
  /** Ticks that failed in a row (the database is away): logged once, and backed off. */
  private readonly tickFailures = new FailureStreak(this.logger, 'Poller tick');
  private readonly heartbeatFailures = new FailureStreak(this.logger, 'Heartbeat');
  private readonly progressFailures = new FailureStreak(this.logger, 'Progress write');
  private progressWrite?: Promise<void>;

  constructor(
    private readonly queue: JobQueue,
    private readonly processor: IngestionProcessor,
    private readonly scheduler: SchedulerRegistry,
    private readonly em: EntityManager,
    private readonly config: AppConfig,
    private readonly metrics: IngestionMetrics,
    private readonly intake: IntakeGate,
    /** Claimed and not yet finished (queued or in progress): the requests the heartbeat keeps alive. */
    private readonly work: WorkInProgress,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.POLLER_ENABLED) return;
    if (this.config.usesEmbeddedDatabase) {
      // Only one process can open the embedded database, so anything still `running` was left by a
      // process that died: take it back now instead of waiting JOB_LEASE_MS for its lease to expire.
      const released = await RequestContext.create(this.em, () => this.queue.release());
      if (released > 0) this.logger.warn(`Re-queued ${released} request(s) left running by a previous process`);
    }
    this.started = true;
    this.scheduler.addInterval(
      INTERVAL_NAME,
      setInterval(() => void this.tick(), this.config.POLL_INTERVAL_MS),
    );
    this.logger.log(
      `Polling every ${this.config.POLL_INTERVAL_MS} ms as worker ${this.workerId} ` +
        `(batch ${this.config.POLL_BATCH_SIZE}, concurrency ${this.config.POLL_CONCURRENCY})`,
    );
  }

  /** Runs one claim-and-process round unless one is already running; resolves to the number of requests handled. */
  tick(): Promise<number> {
    if (this.stopping || Date.now() < this.pausedUntil) return Promise.resolve(0);
    this.currentTick ??= this.drain().finally(() => (this.currentTick = undefined));
    return this.currentTick;
  }

  /** Renews the locks of the requests this worker holds; resolves to how many it still holds. */
  async heartbeat(): Promise<number> {
    if (this.work.size === 0 || this.released) return 0;
    try {
      const held = await RequestContext.create(this.em, () => this.queue.heartbeat(this.workerId, this.work.ids()));
      this.heartbeatFailures.succeeded();
      return held;
    } catch (error) {
      // The next beat tries again; the lease is three beats long.
      this.heartbeatFailures.failed(error);
      return 0;
    }
  }

  /** Writes the progress reported since the last write, unless the last write is still going on. */
  saveProgress(): Promise<void> {
    if (this.released) return Promise.resolve();
    this.progressWrite ??= RequestContext.create(this.em, () => this.queue.recordProgress(this.workerId))
      // Progress is for display only: a lost write is overwritten by the next one.
      .then(
        () => this.progressFailures.succeeded(),
        (error: unknown) => void this.progressFailures.failed(error),
      )
      .finally(() => (this.progressWrite = undefined));
    return this.progressWrite;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    // Nothing was claimed by this process if its poller never started (disabled, or start-up failed).
    if (!this.started) return;
    this.clearInterval(INTERVAL_NAME);
    this.logger.log(`Shutting down: no more claims; waiting up to ${this.config.SHUTDOWN_GRACE_MS} ms for ${this.work.size} held request(s)`);
    if (!(await this.tickEnds(this.config.SHUTDOWN_GRACE_MS))) {
      const abandoned = this.work.abandon('shutdown');
      this.logger.warn(`${abandoned} request(s) still in progress after ${this.config.SHUTDOWN_GRACE_MS} ms (SHUTDOWN_GRACE_MS); abandoning them`);
      // Each stops at its next step and rolls back; one stuck in a statement is cut off when the ORM closes.
      if (!(await this.tickEnds(ABANDON_WAIT_MS))) this.logger.warn(`Abandoned work still unwinding after ${ABANDON_WAIT_MS} ms; closing anyway`);
    }
    // Whatever is not finished goes straight back to the queue, attempt not counted. Abandoned work can no
    // longer complete: its worker lost the claim with the release.
    const released = await RequestContext.create(this.em, () => this.queue.release(this.workerId)).catch((error: unknown) => {
      this.logger.error(`Could not release held requests (they are reclaimed after JOB_LEASE_MS): ${String(error)}`);
      return 0;
    });
    this.released = true;
    if (released > 0) this.logger.log(`Released ${released} claimed request(s) on shutdown`);
  }

  /** Whether the tick in progress (if any) ends within `ms`. */
  private tickEnds(ms: number): Promise<boolean> {
    return Promise.race([(this.currentTick ?? Promise.resolve()).then(() => true), sleep(ms, false, { ref: false })]);
  }

  /** ScheduleModule may have cleared our interval already: its shutdown hook can run before ours. */
  private clearInterval(name: string): void {
    if (this.scheduler.doesExist('interval', name)) this.scheduler.deleteInterval(name);
  }

  /** Claims batches until the queue has nothing due (or shutdown begins). */
  private async drain(): Promise<number> {
    let handled = 0;
    // Beats for as long as this round holds requests (it may outlast a shutdown's grace period).
    const beat = setInterval(() => void this.heartbeat(), this.config.JOB_LEASE_MS / 3);
    const progress = setInterval(() => void this.saveProgress(), PROGRESS_INTERVAL_MS);
    try {
      if (this.tickFailures.count > 0) await this.requeueOrphans();
      const claimLoop = async (): Promise<void> => {
        while (!this.stopping && (await RequestContext.create(this.em, () => this.intake.mayClaim()))) {
          const claimed = await RequestContext.create(this.em, () => this.queue.claim(this.workerId, this.config.POLL_BATCH_SIZE));
          handled += await this.processAll(claimed);
          if (claimed.length < this.config.POLL_BATCH_SIZE) break;
        }
      };
      const loops = await Promise.allSettled(Array.from({ length: CLAIM_LOOPS }, claimLoop));
      const failure = loops.find((l): l is PromiseRejectedResult => l.status === 'rejected');
      if (failure) throw failure.reason;
      this.tickFailures.succeeded();
    } catch (error) {
      // Typically the database is unreachable: pause for longer after each failure, then try again.
      const failures = this.tickFailures.failed(error);
      this.pausedUntil = Date.now() + Math.min(MAX_BACKOFF_MS, this.config.POLL_INTERVAL_MS * 2 ** failures);
    } finally {
      clearInterval(beat);
      clearInterval(progress);
    }
    return handled;
  }

  /**
   * After a failed tick: what this worker still holds as `running` was claimed by that tick, which ended
   * without recording an outcome (the database went away mid-way, so even the failure could not be written).
   * Nothing of this worker is in progress between ticks, so those requests go back to the queue now, rather
   * than after JOB_LEASE_MS; the attempt stays counted, so a request that keeps breaking its connection
   * still ends `failed`. Rejects while the database is still away (the tick then fails again).
   */
  private async requeueOrphans(): Promise<void> {
    const requeued = await RequestContext.create(this.em, () => this.queue.reclaim(this.workerId));
    if (requeued > 0) this.logger.warn(`Re-queued ${requeued} request(s) a failed tick left running`);
  }

  /** Processes the claimed requests (POLL_CONCURRENCY embedding at a time, stored together); rejects if the database is gone. */
  private async processAll(claimed: ClaimedRequest[]): Promise<number> {
    if (claimed.length === 0) return 0;
    claimed.forEach((request) => this.work.begin(request));
    this.metrics.claimed(claimed.length);
    try {
      const options = { concurrency: this.config.POLL_CONCURRENCY, stopping: () => this.stopping };
      const outcomes = await RequestContext.create(this.em, () => this.processor.processBatch(claimed, this.workerId, options));
      for (const outcome of outcomes.values()) this.metrics.attemptFinished(outcome);
      return outcomes.size;
    } finally {
      // Done; or not started because shutdown began (released by beforeApplicationShutdown); or failed without
      // recording an outcome (database gone, reclaimed once its lease expires): either way no longer renewed.
      claimed.forEach((request) => this.work.end(request.id));
    }
  }
}
