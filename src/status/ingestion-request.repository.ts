import { EntityRepository } from '@mikro-orm/sql';
import { AppError } from '../common/errors/app-error';
import { tableName, SqlEntityManager } from '../database/sql';
import type { IngestionRequest } from './ingestion-request.entity';
import { IngestionStatus } from './ingestion-status';

/** What a worker needs to process one claimed request. */
export interface ClaimedRequest {
  id: string;
  text: string;
  chunking: IngestionRequest['chunking'];
  sourceMetadata: Record<string, unknown>;
  pageStarts?: number[] | null;
  attempts: number;
  maxAttempts: number;
}

interface ClaimedRow {
  id: string;
  text: string;
  chunking: IngestionRequest['chunking'];
  source_metadata: Record<string, unknown>;
  page_starts: number[] | null;
  attempts: number;
  max_attempts: number;
}

/**
 * Every write to ingestion_requests. Transitions are single UPDATE statements guarded by the expected
 * status and lock owner, so a worker that lost its lease can never overwrite another worker's result.
 */
export class IngestionRequestRepository extends EntityRepository<IngestionRequest> {
  private get table(): string {
    return tableName(this.em, 'ingestion_requests');
  }

  async findByIdOrFail(id: string): Promise<IngestionRequest> {
    const request = await this.findOne({ id }, { refresh: true });
    if (!request) throw AppError.notFound(id);
    return request;
  }

  /**
   * Claims up to `limit` due requests for `workerId`: accepted ones whose next attempt is due, and running
   * ones whose lock is older than the lease (their worker died). SKIP LOCKED lets several instances claim
   * concurrently without waiting on, or double-claiming, each other's rows.
   */
  async claimBatch(workerId: string, limit: number, leaseMs: number): Promise<ClaimedRequest[]> {
    const rows = await this.em.execute<ClaimedRow[]>(
      `update ${this.table} set status = 'running', attempts = attempts + 1, locked_at = now(), locked_by = ?,
              started_at = coalesce(started_at, now()), updated_at = now()
        where id in (
          select id from ${this.table}
           where (status = 'accepted' and next_attempt_at <= now())
              or (status = 'running' and locked_at < now() - make_interval(secs => ?))
           order by next_attempt_at
           limit ?
           for update skip locked)
        returning id, text, chunking, source_metadata, page_starts, attempts, max_attempts`,
      [workerId, leaseMs / 1000, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      text: r.text,
      chunking: r.chunking,
      sourceMetadata: r.source_metadata,
      pageStarts: r.page_starts,
      attempts: r.attempts,
      maxAttempts: r.max_attempts,
    }));
  }

  /** running → completed, in the caller's transaction (the one that stored the chunks). */
  async markCompleted(tx: SqlEntityManager, id: string, workerId: string, chunkCount: number): Promise<boolean> {
    const rows = await tx.execute(
      `update ${this.table} set status = 'completed', chunk_count = ?, error_message = null, completed_at = now(),
              locked_at = null, locked_by = null, updated_at = now()
        where id = ? and status = 'running' and locked_by = ? returning id`,
      [chunkCount, id, workerId],
    );
    return rows.length === 1;
  }

  /** running → accepted again, due at `nextAttemptAt`; keeps the error so status shows why it is retrying. */
  async scheduleRetry(id: string, workerId: string, errorMessage: string, nextAttemptAt: Date): Promise<boolean> {
    return this.transitionFromRunning(id, workerId, IngestionStatus.Accepted, errorMessage, nextAttemptAt);
  }

  /** running → failed, for good. */
  async markFailed(id: string, workerId: string, errorMessage: string): Promise<boolean> {
    return this.transitionFromRunning(id, workerId, IngestionStatus.Failed, errorMessage, null);
  }

  /**
   * running → accepted, without counting the attempt, for what `workerId` holds (graceful shutdown) or, with
   * no worker given, for every running request (the embedded database, which only one process can open).
   */
  async releaseRunning(workerId?: string): Promise<number> {
    const rows = await this.em.execute(
      `update ${this.table} set status = 'accepted', attempts = greatest(attempts - 1, 0), locked_at = null,
              locked_by = null, next_attempt_at = now(), updated_at = now()
        where status = 'running' and (?::text is null or locked_by = ?) returning id`,
      [workerId ?? null, workerId ?? null],
    );
    return rows.length;
  }

  /** Deletes the request; its chunks go with it (on delete cascade). Returns whether it existed. */
  async deleteById(tx: SqlEntityManager, id: string): Promise<boolean> {
    const rows = await tx.execute(`delete from ${this.table} where id = ? returning id`, [id]);
    return rows.length === 1;
  }

  private async transitionFromRunning(
    id: string,
    workerId: string,
    to: IngestionStatus.Accepted | IngestionStatus.Failed,
    errorMessage: string,
    nextAttemptAt: Date | null,
  ): Promise<boolean> {
    const rows = await this.em.execute(
      `update ${this.table} set status = ?, error_message = ?, next_attempt_at = coalesce(?, next_attempt_at),
              completed_at = case when ? = 'failed' then now() end, locked_at = null, locked_by = null, updated_at = now()
        where id = ? and status = 'running' and locked_by = ? returning id`,
      [to, errorMessage.slice(0, 4000), nextAttemptAt, to, id, workerId],
    );
    return rows.length === 1;
  }
}
