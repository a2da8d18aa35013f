import { Injectable, Logger } from '@nestjs/common';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { TextChunk } from '../chunking/chunker';
import { ChunkerRegistry } from '../chunking/chunker-registry';
import { TextSource } from '../chunking/text-source';
import { AppConfig } from '../config/app-config';
import { withStatementTimeout } from '../database/connection-bounds';
import { SqlEntityManager } from '../database/sql';
import { Embedder } from '../embedding/embedder';
import { pageMetadata } from '../extraction/page-metadata';
import { withLogContext } from '../logging/log-context';
import { IngestionMetrics } from '../metrics/ingestion.metrics';
import { DocumentVersions } from '../queue/document-versions';
import { ClaimedRequest, FailureOutcome, JobQueue } from '../queue/job-queue';
import { openTextParts } from '../queue/long-text';
import { isRetryable } from '../queue/retry-policy';
import type { Progress } from '../queue/sql/progress';
import { WorkAbandonedError, WorkInProgress } from '../queue/work-in-progress';
import { ChunkToStore, VectorStore } from '../vector-store/vector-store';
import { inWindows, LONG_WORK_STATEMENT_TIMEOUT_MS, LongTextOptions, LostClaimError, Prepared, toChunkSet } from './processing-steps';

/** Texts per embedder call; the embedder batches further (EMBEDDING_BATCH_SIZE) and runs its requests concurrently. */
const EMBED_BATCH = 256;

/** `superseded`: a newer version of the same document had already completed, so this one stored nothing. */
export type ProcessOutcome = 'completed' | 'superseded' | 'cancelled' | FailureOutcome;

/**
 * Processes claimed requests: chunk → embed, then store the chunks and mark the requests completed in one
 * transaction. Requests without a document id are stored together, one transaction (and one multi-row insert)
 * for the whole batch; should that fail, each is stored on its own so one bad request cannot fail the others.
 * A document version is stored on its own under its document's lock, in the transaction that also removes the
 * chunks of the versions it supersedes, so a search sees the old version or the new one, never both or neither.
 * A long text (claimed without its text) is processed alone, window by window, in the transaction that
 * completes it (processLong).
 */
@Injectable()
export class IngestionProcessor {
  private readonly logger = new Logger(IngestionProcessor.name);

  constructor(
    private readonly chunkers: ChunkerRegistry,
    private readonly embedder: Embedder,
    private readonly vectors: VectorStore,
    private readonly queue: JobQueue,
    private readonly versions: DocumentVersions,
    private readonly em: SqlEntityManager,
    private readonly metrics: IngestionMetrics,
    private readonly longText: LongTextOptions,
    private readonly config: AppConfig,
    private readonly work: WorkInProgress,
  ) {}

  /** One request, start to finish. */
  async process(request: ClaimedRequest, workerId: string): Promise<ProcessOutcome> {
    if (request.text === undefined) return this.processLong(request, workerId);
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
        const result = request.text === undefined ? { outcome: await this.processLong(request, workerId) } : await this.prepare(request, workerId);
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
      const signal = this.work.signalOf(request.id);
      try {
        this.report(request, 'chunking');
        // Embedding happens outside any transaction: a slow provider must not hold a database connection.
        const chunks = await this.embed(request, this.chunkers.split(request.text!, request.chunking), signal);
        this.report(request, 'storing', chunks.length, chunks.length);
        return { request, chunks };
      } catch (error) {
        if (signal.aborted) return { outcome: this.abandoned(request, signal) };
        return { outcome: await this.recordFailure(request, workerId, error) };
      }
    });
  }

  /**
   * Embeds the chunks, EMBED_BATCH at a time, reporting progress (`before` chunks embedded already, of `total`);
   * stops (throwing WorkAbandonedError) once `signal` aborts.
   */
  private async embed(
    request: ClaimedRequest,
    chunks: TextChunk[],
    signal: AbortSignal,
    before = 0,
    total: number | null = chunks.length,
  ): Promise<ChunkToStore[]> {
    const toStore: ChunkToStore[] = [];
    for (let from = 0; from < chunks.length; from += EMBED_BATCH) {
      signal.throwIfAborted();
      this.report(request, 'embedding', before + from, total);
      const batch = chunks.slice(from, from + EMBED_BATCH);
      const texts = batch.map((c) => c.text);
      const vectors = await this.metrics.timeEmbedding(this.embedder.name, () => this.embedder.embed(texts, signal));
      batch.forEach((chunk, i) =>
        toStore.push({
          ...chunk,
          embedding: vectors[i],
          metadata: { ...chunk.metadata, ...pageMetadata(request.pageStarts, chunk.start, chunk.end) },
        }),
      );
    }
    return toStore;
  }

  /**
   * A text too long to hold whole: read in parts, chunked, embedded and inserted a window at a time, all in
   * the one transaction that completes the request, so its chunks appear at once with its completion and a
   * failure anywhere stores nothing. Memory is bounded by a window, not by the text. The price: that
   * transaction stays open while the text is chunked and embedded (with the built-in embedder, 50 MB takes
   * about 30 s in all), holding one connection. So each window first checks the work is still wanted: not
   * abandoned here (shutdown, a delete in this process) and the claim still held (a delete in another process
   * revokes it); otherwise the transaction rolls back within a window and releases what a delete waits for.
   */
  private processLong(request: ClaimedRequest, workerId: string): Promise<ProcessOutcome> {
    return this.inContext(request, workerId, async () => {
      const signal = this.work.signalOf(request.id);
      let chunkCount = 0;
      try {
        const result = await this.em.transactional(async (tx) => {
          await this.allowLongStatements(tx);
          this.report(request, 'chunking');
          const source = new TextSource(request.textLength, await openTextParts(tx, request.id));
          // Whatever an earlier processing of this ingestion stored (a re-embed) goes, in this transaction.
          const empty = toChunkSet({ request, chunks: [] });
          await this.vectors.replaceChunks(tx, [empty]);
          for await (const window of inWindows(this.chunkers.stream(source, request.chunking), this.longText.windowChunks)) {
            signal.throwIfAborted();
            if (!(await this.queue.holds(tx, workerId, request.id))) throw new LostClaimError();
            await this.vectors.appendChunks(tx, [toChunkSet({ request, chunks: await this.embed(request, window, signal, chunkCount, null) })]);
            chunkCount += window.length;
            // On the embedded database every query settles as a microtask: let HTTP requests and timers in.
            await yieldToEventLoop();
          }
          this.report(request, 'storing', chunkCount, chunkCount);
          return this.completeAlone(tx, request, workerId, chunkCount, { discard: () => this.vectors.replaceChunks(tx, [empty]) });
        });
        return this.stored(request, workerId, chunkCount, result);
      } catch (error) {
        if (signal.aborted) return this.abandoned(request, signal);
        if (error instanceof LostClaimError) return this.lostClaim(request, workerId);
        return this.recordFailure(request, workerId, error);
      }
    });
  }

  /** Stores requests without a document id in one transaction; rejects (storing nothing) if that fails. */
  private async storeTogether(batch: Prepared[], workerId: string): Promise<Map<string, ProcessOutcome>> {
    const completed = await this.em.transactional(async (tx) => {
      // Completing first tells which claims are still ours: only their chunks are stored.
      const done = await this.queue.complete(
        tx,
        workerId,
        batch.map((p) => ({ id: p.request.id, chunkCount: p.chunks.length })),
      );
      await this.vectors.replaceChunks(tx, batch.filter((p) => done.has(p.request.id)).map(toChunkSet));
      return done;
    });
    const outcomes = new Map<string, ProcessOutcome>();
    for (const p of batch) {
      const seconds = completed.get(p.request.id);
      outcomes.set(
        p.request.id,
        seconds === undefined ? this.lostClaim(p.request, workerId) : this.completed(p.request, workerId, p.chunks.length, seconds),
      );
    }
    return outcomes;
  }

  /** Stores one request in its own transaction (a document version under its document's lock). */
  private storeOne(prepared: Prepared, workerId: string): Promise<ProcessOutcome> {
    const { request, chunks } = prepared;
    return this.inContext(request, workerId, async () => {
      try {
        const result = await this.em.transactional((tx) =>
          this.completeAlone(tx, request, workerId, chunks.length, { store: () => this.vectors.replaceChunks(tx, [toChunkSet(prepared)]) }),
        );
        return this.stored(request, workerId, chunks.length, result);
      } catch (error) {
        if (error instanceof LostClaimError) return this.lostClaim(request, workerId);
        return this.recordFailure(request, workerId, error);
      }
    });
  }

  /**
   * In `tx`: completes a request stored on its own (`store` writes its chunks, unless they were written
   * already) and drops the chunks of the older versions it supersedes; or, when a newer version of its
   * document completed first, stores nothing (`discard` drops what was written). Throws LostClaimError when
   * the claim is no longer held.
   */
  private async completeAlone(
    tx: SqlEntityManager,
    request: ClaimedRequest,
    workerId: string,
    chunkCount: number,
    { store, discard }: { store?: () => Promise<void>; discard?: () => Promise<void> },
  ): Promise<{ superseded: true } | { seconds: number }> {
    const completion = await this.versions.completeVersion(tx, request, workerId, chunkCount);
    switch (completion.outcome) {
      case 'lost-claim':
        throw new LostClaimError();
      case 'superseded':
        await discard?.();
        return { superseded: true };
      case 'completed':
        await store?.();
        if (completion.supersededIds.length > 0) await this.allowLongStatements(tx);
        for (const id of completion.supersededIds) await this.vectors.deleteByIngestion(tx, id);
        return { seconds: completion.seconds };
    }
  }

  private allowLongStatements(tx: SqlEntityManager): Promise<void> {
    return withStatementTimeout(tx, LONG_WORK_STATEMENT_TIMEOUT_MS, !this.config.usesEmbeddedDatabase);
  }

  private stored(request: ClaimedRequest, workerId: string, chunkCount: number, result: { superseded: true } | { seconds: number }): ProcessOutcome {
    if ('seconds' in result) return this.completed(request, workerId, chunkCount, result.seconds);
    this.logger.log(`ingestion ${request.id}: superseded by a newer version of document ${request.document?.id}; nothing stored`);
    return 'superseded';
  }

  private completed(request: ClaimedRequest, workerId: string, chunkCount: number, seconds: number): ProcessOutcome {
    this.metrics.completed(chunkCount, seconds);
    this.inContext(request, workerId, () => this.logger.log(`ingestion ${request.id}: completed with ${chunkCount} chunks`));
    return 'completed';
  }

  private lostClaim(request: ClaimedRequest, workerId: string): ProcessOutcome {
    this.inContext(request, workerId, () => this.logger.warn(`ingestion ${request.id}: claim lost before completion; its result was discarded`));
    return 'lost-lease';
  }

  /** Abandoned work records nothing: shutdown releases its row, a delete removes it, a cancel ended it already. */
  private abandoned(request: ClaimedRequest, signal: AbortSignal): ProcessOutcome {
    const error = signal.reason as WorkAbandonedError;
    this.logger.warn(`ingestion ${request.id}: ${error.message}; nothing stored`);
    return error.reason === 'cancelled' ? 'cancelled' : 'lost-lease';
  }

  private async recordFailure(request: ClaimedRequest, workerId: string, error: unknown): Promise<ProcessOutcome> {
    const message = error instanceof Error ? error.message : String(error);
    // An error may say it will not heal by itself (a provider's 4xx: unknown model, bad key): it fails at once.
    const outcome = await this.queue.retryOrFail(request, workerId, message, isRetryable(error));
    this.logger.warn(`ingestion ${request.id}: attempt ${request.attempts} failed (${outcome}): ${message}`);
    return outcome;
  }

  /** The total is unknown (null) for a long text until it is read to its end. */
  private report(request: ClaimedRequest, stage: Progress['stage'], chunksDone: number | null = null, chunksTotal: number | null = null): void {
    this.work.report(request.id, { stage, chunksDone, chunksTotal });
  }

  /** Every log line about a request carries its ingestion id and the worker's id. */
  private inContext<T>(request: ClaimedRequest, workerId: string, fn: () => T): T {
    return withLogContext({ ingestion_id: request.id, worker_id: workerId }, fn);
  }
}
