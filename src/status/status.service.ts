import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import type { ChunkingOptions } from '../chunking/chunking-options';
import type { SqlEntityManager } from '../database/sql';
import { IngestionRequest } from './ingestion-request.entity';
import { ClaimedRequest, IngestionRequestRepository } from './ingestion-request.repository';
import { IngestionStatus } from './ingestion-status';

export interface NewIngestion {
  text: string;
  sourceMetadata: Record<string, unknown>;
  chunking: ChunkingOptions;
  /** Where each page starts in `text`, for a text extracted from a paged document (PDF). */
  pageStarts?: number[];
}

/** The outcome of a failed attempt, as decided by retryOrFail. */
export type FailureOutcome = 'retry' | 'failed' | 'lost-lease';

/** Owns the request's lifecycle: every status transition goes through here. */
@Injectable()
export class StatusService {
  constructor(
    private readonly requests: IngestionRequestRepository,
    private readonly config: AppConfig,
  ) {}

  /** Stores a new request as `accepted`; it is durable once this resolves. */
  async accept(input: NewIngestion): Promise<IngestionRequest> {
    const now = new Date();
    const request = this.requests.create({
      id: randomUUID(),
      status: IngestionStatus.Accepted,
      text: input.text,
      textLength: input.text.length,
      sourceMetadata: input.sourceMetadata,
      chunking: input.chunking,
      pageStarts: input.pageStarts ?? null,
      attempts: 0,
      maxAttempts: this.config.MAX_ATTEMPTS,
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    });
    await this.requests.getEntityManager().flush();
    return request;
  }

  get(id: string): Promise<IngestionRequest> {
    return this.requests.findByIdOrFail(id);
  }

  claim(workerId: string, limit: number): Promise<ClaimedRequest[]> {
    return this.requests.claimBatch(workerId, limit, this.config.JOB_LEASE_MS);
  }

  complete(tx: SqlEntityManager, id: string, workerId: string, chunkCount: number): Promise<boolean> {
    return this.requests.markCompleted(tx, id, workerId, chunkCount);
  }

  /** A failed attempt goes back to the queue with exponential backoff until max_attempts, then fails. */
  async retryOrFail(request: ClaimedRequest, workerId: string, error: string, retryable: boolean): Promise<FailureOutcome> {
    if (retryable && request.attempts < request.maxAttempts) {
      const delayMs = this.config.RETRY_BASE_DELAY_MS * 2 ** (request.attempts - 1) * (0.5 + Math.random() / 2);
      const moved = await this.requests.scheduleRetry(request.id, workerId, error, new Date(Date.now() + delayMs));
      return moved ? 'retry' : 'lost-lease';
    }
    return (await this.requests.markFailed(request.id, workerId, error)) ? 'failed' : 'lost-lease';
  }

  release(workerId?: string): Promise<number> {
    return this.requests.releaseRunning(workerId);
  }

  remove(tx: SqlEntityManager, id: string): Promise<boolean> {
    return this.requests.deleteById(tx, id);
  }
}
