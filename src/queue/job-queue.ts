import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { SqlEntityManager } from '../database/sql';
import type { IngestionRequest } from './ingestion-request.entity';
import { IngestionRequestRepository } from './ingestion-request.repository';
import { IngestionStatus } from './ingestion-status';
import { CLAIMED_TEXT_LIMIT } from './long-text';
import { backoffDelayMs } from './retry-policy';
import { claimJobs } from './sql/claim';
import { completeJobs, type Completion } from './sql/complete';
import { failJob, retryJob } from './sql/fail';
import { heartbeat, isHeldBy } from './sql/heartbeat';
import { countQueued, hasPendingWork } from './sql/pending';
import { recordProgress } from './sql/progress';
import { reclaimJobs, releaseJobs } from './sql/release';
import { cancelJob, requeueFailed, revokeClaims } from './sql/revoke';
import { WorkInProgress } from './work-in-progress';

/** What a worker needs to process one claimed request. */
export interface ClaimedRequest {
  id: string;
  /** The text, when it is at most CLAIMED_TEXT_LIMIT characters long; longer texts are read in parts. */
  text?: string;
  /** Its length in UTF-16 code units (JavaScript's `length`). */
  textLength: number;
  chunking: IngestionRequest['chunking'];
  collection: string;
  sourceMetadata: Record<string, unknown>;
  pageStarts?: number[] | null;
  attempts: number;
  maxAttempts: number;
  /** Set when the request is a version of a client document (of its collection). */
  document?: { id: string; version: number };
}

/** The outcome of a failed attempt, as decided by retryOrFail. */
export type FailureOutcome = 'retry' | 'failed' | 'lost-lease';

/** Whether the caller may act on a collection's requests (CollectionAccess.canUse). */
type MayUse = (collection: string) => boolean;

/**
 * The job queue: every status transition of a request after its submission goes through here, each as one
 * statement under src/queue/sql named by its verb (claim, heartbeat, complete, retry, fail, release, reclaim,
 * revoke, cancel), guarded by the expected status and lock owner, so a worker that lost its lease can never
 * overwrite another worker's result.
 */
@Injectable()
export class JobQueue {
  constructor(
    private readonly requests: IngestionRequestRepository,
    private readonly config: AppConfig,
    private readonly em: SqlEntityManager,
    private readonly work: WorkInProgress,
  ) {}

  /** Claims up to `limit` due requests for `workerId` (and those whose worker's lease expired). */
  async claim(workerId: string, limit: number): Promise<ClaimedRequest[]> {
    const rows = await claimJobs(this.em, workerId, limit, this.config.JOB_LEASE_MS, CLAIMED_TEXT_LIMIT);
    return rows.map((r) => ({
      id: r.id,
      ...(r.text !== null ? { text: r.text } : {}),
      textLength: r.text_length,
      chunking: r.chunking,
      collection: r.collection,
      sourceMetadata: r.source_metadata,
      pageStarts: r.page_starts,
      attempts: r.attempts,
      maxAttempts: r.max_attempts,
      ...(r.document_id !== null && r.document_version !== null ? { document: { id: r.document_id, version: r.document_version } } : {}),
    }));
  }

  /** Renews the locks of the requests a live worker is processing (see JOB_LEASE_MS); returns how many it still holds. */
  heartbeat(workerId: string, ids: string[]): Promise<number> {
    return heartbeat(this.em, workerId, ids);
  }

  /** Writes the progress WorkInProgress collected to the rows `workerId` still holds. */
  recordProgress(workerId: string): Promise<void> {
    return recordProgress(this.em, workerId, this.work.takeProgress());
  }

  /** Whether `workerId` still holds its claim on the request, read in `tx` (a delete or cancel revokes claims). */
  holds(tx: SqlEntityManager, workerId: string, id: string): Promise<boolean> {
    return isHeldBy(tx, id, workerId);
  }

  /** Completes, in `tx`, the requests `workerId` still holds; returns those completed with their accepted → completed seconds. */
  complete(tx: SqlEntityManager, workerId: string, completions: readonly Completion[]): Promise<Map<string, number>> {
    return completeJobs(tx, workerId, completions);
  }

  /**
   * A failed attempt goes back to the queue with exponential backoff and jitter until max_attempts, then
   * fails; a non-retryable error fails at once.
   */
  async retryOrFail(request: ClaimedRequest, workerId: string, error: string, retryable: boolean): Promise<FailureOutcome> {
    if (retryable && request.attempts < request.maxAttempts) {
      const nextAttemptAt = new Date(Date.now() + backoffDelayMs(request.attempts, this.config.RETRY_BASE_DELAY_MS));
      return (await retryJob(this.em, request.id, workerId, error, nextAttemptAt)) ? 'retry' : 'lost-lease';
    }
    return (await failJob(this.em, request.id, workerId, error)) ? 'failed' : 'lost-lease';
  }

  /** Back to the queue, attempt not counted: what `workerId` holds (shutdown), or every running request (embedded database at boot). */
  release(workerId?: string): Promise<number> {
    return releaseJobs(this.em, workerId);
  }

  /** Back to the queue, due now, for what `workerId` left running without an outcome (its attempt stays counted). */
  reclaim(workerId: string): Promise<number> {
    return reclaimJobs(this.em, workerId);
  }

  /**
   * Stops the work in progress on one ingestion or a collection's (before a delete or a cancel), so what follows
   * does not wait behind a long text's transaction and its locks (a delete waited 22 s): in this process at
   * once, in other processes at their next window, as their claims are revoked here (committed on its own, so
   * their workers see it). Only in collections `mayUse` allows. Returns the ingestion's collection (for an id).
   */
  async stopWorkOn(target: { id: string } | { collection: string }, mayUse: MayUse, reason: 'deleted' | 'cancelled'): Promise<string | undefined> {
    const targeted = (work: { id: string; collection: string }) => ('id' in target ? work.id === target.id : work.collection === target.collection);
    this.work.abandon(reason, (work) => targeted(work) && mayUse(work.collection));
    const collection = 'collection' in target ? target.collection : await this.requests.findCollection(target.id);
    if (collection !== undefined && mayUse(collection)) await revokeClaims(this.em, target);
    return collection;
  }

  /**
   * Cancels an accepted or running request: it will not run, or stops at its next step (see stopWorkOn),
   * storing nothing. Cancelling a cancelled one changes nothing; any other status is STATUS_CONFLICT.
   * Another collection's request is answered as unknown, and nothing of it is stopped.
   */
  async cancel(id: string, mayUse: MayUse): Promise<IngestionRequest> {
    const collection = await this.stopWorkOn({ id }, mayUse, 'cancelled');
    if (collection === undefined || !mayUse(collection)) throw AppError.notFound(id);
    const request = await this.requests.findByIdOrFail(id);
    if (request.status === IngestionStatus.Cancelled) return request;
    if (!(await cancelJob(this.em, id))) throw conflict(request, 'cancelled', 'accepted or running');
    return this.requests.findByIdOrFail(id);
  }

  /** A failed request back to accepted, attempts from 0; any other status is STATUS_CONFLICT. */
  async retry(id: string, mayUse: MayUse): Promise<IngestionRequest> {
    const request = await this.requests.findByIdOrFail(id);
    if (!mayUse(request.collection)) throw AppError.notFound(id);
    if ((await requeueFailed(this.em, { id })).length === 0) throw conflict(request, 'retried', 'failed');
    return this.requests.findByIdOrFail(id);
  }

  /** Every failed request of `collections` (null: all) whose error contains `errorContains`, back to accepted; returns how many. */
  async retryFailed(collections: readonly string[] | null, errorContains?: string): Promise<number> {
    return (await requeueFailed(this.em, { collections, errorContains })).length;
  }

  /** Requests waiting for a worker (accepted, whether due now or backing off): the queue's length. */
  async countWaiting(): Promise<number> {
    return (await countQueued(this.em.fork())).accepted;
  }

  /** Ingestions of the collection not finished yet (accepted or running): what a search cannot see yet. */
  async countUnfinished(collection: string): Promise<number> {
    const { accepted, running } = await countQueued(this.em, collection);
    return accepted + running;
  }

  /** Requests accepted and running, for the queue-depth metric. */
  queueDepth(): Promise<{ accepted: number; running: number }> {
    return countQueued(this.em.fork());
  }

  /** Whether any request is running or due: more chunks are on their way. In `em` (the caller's snapshot). */
  hasPendingWork(em: SqlEntityManager): Promise<boolean> {
    return hasPendingWork(em);
  }
}

function conflict(request: IngestionRequest, done: 'cancelled' | 'retried', allowed: string): AppError {
  return new AppError(ErrorCode.StatusConflict, `Ingestion ${request.id} is ${request.status}: only ${allowed} ingestions can be ${done}`, {
    status: request.status,
  });
}
