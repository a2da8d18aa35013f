import { EntityManager, RequestContext } from '@mikro-orm/core';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { AppConfig } from '../config/app-config';
import { withLogContext } from '../logging/log-context';
import { IngestionMetrics } from '../metrics/ingestion.metrics';
import { StatusService } from '../status/status.service';
import { IngestionProcessor } from './ingestion.processor';

const INTERVAL_NAME = 'ingestion-poller';

/**
 * The scheduled poller: every POLL_INTERVAL_MS it claims due requests and hands each to the processor.
 * A tick that is still running makes the next one a no-op; on shutdown it stops claiming, lets the current
 * tick finish and releases anything it still holds.
 */
@Injectable()
export class IngestionPoller implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly logger = new Logger(IngestionPoller.name);
  private currentTick?: Promise<number>;
  private stopping = false;

  constructor(
    private readonly status: StatusService,
    private readonly processor: IngestionProcessor,
    private readonly scheduler: SchedulerRegistry,
    private readonly em: EntityManager,
    private readonly config: AppConfig,
    private readonly metrics: IngestionMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.POLLER_ENABLED) return;
    if (this.config.usesEmbeddedDatabase) {
      // Only one process can open the embedded database, so anything still `running` was left by a
      // process that died: take it back now instead of waiting JOB_LEASE_MS for its lease to expire.
      const released = await RequestContext.create(this.em, () => this.status.release());
      if (released > 0) this.logger.warn(`Re-queued ${released} request(s) left running by a previous process`);
    }
    this.scheduler.addInterval(INTERVAL_NAME, setInterval(() => void this.tick(), this.config.POLL_INTERVAL_MS));
    this.logger.log(`Polling every ${this.config.POLL_INTERVAL_MS} ms as worker ${this.workerId}`);
  }

  /** Runs one claim-and-process round unless one is already running; resolves to the number of requests handled. */
  tick(): Promise<number> {
    if (this.stopping) return Promise.resolve(0);
    this.currentTick ??= this.drain().finally(() => (this.currentTick = undefined));
    return this.currentTick;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    // Nothing was claimed by this process if its poller never started (disabled, or start-up failed).
    if (!this.scheduler.doesExist('interval', INTERVAL_NAME)) return;
    this.scheduler.deleteInterval(INTERVAL_NAME);
    await this.currentTick;
    // Requests claimed but not started when shutdown began go straight back to the queue.
    const released = await RequestContext.create(this.em, () => this.status.release(this.workerId));
    if (released > 0) this.logger.log(`Released ${released} claimed request(s) on shutdown`);
  }

  /** Claims batches until the queue has nothing due (or shutdown begins). */
  private async drain(): Promise<number> {
    let handled = 0;
    try {
      while (!this.stopping) {
        const claimed = await RequestContext.create(this.em, () => this.status.claim(this.workerId, this.config.POLL_BATCH_SIZE));
        this.metrics.claimed(claimed.length);
        for (const request of claimed) {
          if (this.stopping) break;
          const processOne = () => RequestContext.create(this.em, () => this.processor.process(request, this.workerId));
          const outcome = await withLogContext({ ingestion_id: request.id, worker_id: this.workerId }, processOne);
          await this.metrics.attemptFinished(request.id, outcome);
          handled++;
        }
        if (claimed.length < this.config.POLL_BATCH_SIZE) break;
      }
    } catch (error) {
      // The database may be briefly unreachable: log and try again on the next tick.
      this.logger.error(`Poller tick failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    return handled;
  }
}
