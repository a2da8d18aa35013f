import { Injectable, Logger } from '@nestjs/common';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { ChunkerRegistry } from '../chunking/chunker-registry';
import { isRetryable } from '../common/errors/retryable';
import { SqlEntityManager } from '../database/sql';
import { Embedder } from '../embedding/embedder';
import { pageMetadata } from '../extraction/page-metadata';
import { withLogContext } from '../logging/log-context';
import { IngestionMetrics } from '../metrics/ingestion.metrics';
import type { ClaimedRequest } from '../status/ingestion-request.repository';
import { FailureOutcome, StatusService } from '../status/status.service';
import { ChunkSet, ChunkToStore, VectorStore } from '../vector-store/vector-store';

/** Texts per embedder call; the embedder batches further (EMBEDDING_BATCH_SIZE) and runs its requests concurrently. */
const EMBED_BATCH = 256;

/** `superseded`: a newer version of the same document had already completed, so this one stored nothing. */
export type ProcessOutcome = 'completed' | 'superseded' | FailureOutcome;

/** A claimed request, chunked and embedded, ready to store. */
interface Prepared {
  request: ClaimedRequest;
  chunks: ChunkToStore[];
}

/** The worker lost its claim (lease expired and another worker took over, or the request was deleted). */
class LostClaimError extends Error {}

/**
 * Processes claimed requests: chunk → embed, then store the chunks and mark the requests completed in one
 * transaction. Requests without a document id are stored together, one transaction (and one multi-row insert)
 * for the whole batch; should that fail, each is stored on its own so one bad request cannot fail the others.
 * A document version is stored on its own under its document's lock, in the transaction that also removes the
 * chunks of the versions it supersedes, so a search sees the old version or the new one, never both or neither.
 */
@Injectable()
export class IngestionProcessor {
  private readonly logger = new Logger(IngestionProcessor.name);

  constructor(
    private readonly chunkers: ChunkerRegistry,
    private readonly embedder: Embedder,
    private readonly vectors: VectorStore,
    private readonly status: StatusService,
    private readonly em: SqlEntityManager,
    private readonly metrics: IngestionMetrics,
  ) {}

  /** One request, start to finish. */
  async process(request: ClaimedRequest, workerId: string): Promise<ProcessOutcome> {
    const prepared = await this.prepare(request, workerId);
    return 'outcome' in prepared ? prepared.outcome : this.storeOne(prepared, workerId);
  }

  /**
   * Chunks and embeds the requests, `concurrency` at a time (embedding calls in flight), then stores them.
   * Requests not yet started when `stopping()` turns true are left as claimed (shutdown releases them).
   * Rejects when a failure cannot even be recorded (the database is gone).
   */
  async processBatch(
    requests: readonly ClaimedRequest[],
    workerId: string,
    options: { concurrency: number; stopping: () => boolean },
  ): Promise<Map<string, ProcessOutcome>> {
    const outcomes = new Map<string, ProcessOutcome>();
    const prepared: Prepared[] = [];
    const queue = [...requests];
    const lane = async (): Promise<void> => {
      for (let request = queue.shift(); request && !options.stopping(); request = queue.shift()) {
        // On the embedded database every query settles as a microtask: without this a long batch would keep
        // the event loop from HTTP requests, timers and SIGTERM.
        await yieldToEventLoop();
        const result = await this.prepare(request, workerId);
        if ('outcome' in result) outcomes.set(request.id, result.outcome);
        else prepared.push(result);
      }
    };
    const lanes = await Promise.allSettled(Array.from({ length: Math.min(options.concurrency, queue.length) }, lane));
    const failure = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
    if (failure) throw failure.reason;

    const plain = prepared.filter((p) => !p.request.document);
    const stored = plain.length > 1 ? await this.storeTogether(plain, workerId).catch(() => undefined) : undefined;
    for (const [id, outcome] of stored ?? []) outcomes.set(id, outcome);
    for (const p of prepared) if (!outcomes.has(p.request.id)) outcomes.set(p.request.id, await this.storeOne(p, workerId));
    return outcomes;
  }

  /** Chunks and embeds; a failure is recorded (retry or fail) and returned as the outcome. */
  private prepare(request: ClaimedRequest, workerId: string): Promise<Prepared | { outcome: ProcessOutcome }> {
    return this.inContext(request, workerId, async () => {
      try {
        const chunks = this.chunkers.split(request.text, request.chunking);
        // Embedding happens outside any transaction: a slow provider must not hold a database connection.
        const toStore: ChunkToStore[] = [];
        for (let from = 0; from < chunks.length; from += EMBED_BATCH) {
          const batch = chunks.slice(from, from + EMBED_BATCH);
          const vectors = await this.metrics.timeEmbedding(this.embedder.name, () => this.embedder.embed(batch.map((c) => c.text)));
          batch.forEach((chunk, i) =>
            toStore.push({ ...chunk, embedding: vectors[i], metadata: { ...chunk.metadata, ...pageMetadata(request.pageStarts, chunk.start, chunk.end) } }),
          );
        }
        return { request, chunks: toStore };
      } catch (error) {
        return { outcome: await this.recordFailure(request, workerId, error) };
      }
    });
  }

  /** Stores requests without a document id in one transaction; rejects (storing nothing) if that fails. */
  private async storeTogether(batch: Prepared[], workerId: string): Promise<Map<string, ProcessOutcome>> {
    const completed = await this.em.transactional(async (tx) => {
      // Completing first tells which claims are still ours: only their chunks are stored.
      const done = await this.status.complete(tx, workerId, batch.map((p) => ({ id: p.request.id, chunkCount: p.chunks.length })));
      await this.vectors.replaceChunks(tx, batch.filter((p) => done.has(p.request.id)).map(toChunkSet));
      return done;
    });
    const outcomes = new Map<string, ProcessOutcome>();
    for (const p of batch) {
      const seconds = completed.get(p.request.id);
      outcomes.set(p.request.id, seconds === undefined ? this.lostClaim(p.request, workerId) : this.completed(p, workerId, seconds));
    }
    return outcomes;
  }

  /** Stores one request in its own transaction (a document version under its document's lock). */
  private storeOne(prepared: Prepared, workerId: string): Promise<ProcessOutcome> {
    const { request } = prepared;
    return this.inContext(request, workerId, async () => {
      try {
        const result = await this.em.transactional(async (tx): Promise<{ superseded: true } | { seconds: number }> => {
          const newer = await this.status.newerCompletedVersion(tx, request);
          if (newer) {
            if (!(await this.status.markSuperseded(tx, request.id, workerId, newer))) throw new LostClaimError();
            return { superseded: true };
          }
          const seconds = (await this.status.complete(tx, workerId, [{ id: request.id, chunkCount: prepared.chunks.length }])).get(request.id);
          if (seconds === undefined) throw new LostClaimError();
          await this.vectors.replaceChunks(tx, [toChunkSet(prepared)]);
          for (const older of await this.status.supersedeOlderVersions(tx, request)) await this.vectors.deleteByIngestion(tx, older);
          return { seconds };
        });
        if ('seconds' in result) return this.completed(prepared, workerId, result.seconds);
        this.logger.log(`ingestion ${request.id}: superseded by a newer version of document ${request.document?.id}; nothing stored`);
        return 'superseded';
      } catch (error) {
        if (error instanceof LostClaimError) return this.lostClaim(request, workerId);
        return this.recordFailure(request, workerId, error);
      }
    });
  }

  private completed({ request, chunks }: Prepared, workerId: string, seconds: number): ProcessOutcome {
    this.metrics.completed(chunks.length, seconds);
    this.inContext(request, workerId, () => this.logger.log(`ingestion ${request.id}: completed with ${chunks.length} chunks`));
    return 'completed';
  }

  private lostClaim(request: ClaimedRequest, workerId: string): ProcessOutcome {
    this.inContext(request, workerId, () => this.logger.warn(`ingestion ${request.id}: claim lost before completion; its result was discarded`));
    return 'lost-lease';
  }

  private async recordFailure(request: ClaimedRequest, workerId: string, error: unknown): Promise<ProcessOutcome> {
    const message = error instanceof Error ? error.message : String(error);
    // An error may say it will not heal by itself (a provider's 4xx: unknown model, bad key): it fails at once.
    const outcome = await this.status.retryOrFail(request, workerId, message, isRetryable(error));
    this.logger.warn(`ingestion ${request.id}: attempt ${request.attempts} failed (${outcome}): ${message}`);
    return outcome;
  }

  /** Every log line about a request carries its ingestion id and the worker's id. */
  private inContext<T>(request: ClaimedRequest, workerId: string, fn: () => T): T {
    return withLogContext({ ingestion_id: request.id, worker_id: workerId }, fn);
  }
}

function toChunkSet({ request, chunks }: Prepared): ChunkSet {
  return { ingestionId: request.id, collection: request.collection, strategy: request.chunking.strategy, sourceMetadata: request.sourceMetadata, chunks };
}
