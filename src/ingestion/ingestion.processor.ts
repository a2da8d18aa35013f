import { Injectable, Logger } from '@nestjs/common';
import { ChunkerRegistry } from '../chunking/chunker-registry';
import { isRetryable } from '../common/errors/retryable';
import { SqlEntityManager } from '../database/sql';
import { Embedder } from '../embedding/embedder';
import { IngestionMetrics } from '../metrics/ingestion.metrics';
import { pageMetadata } from '../extraction/page-metadata';
import type { ClaimedRequest } from '../status/ingestion-request.repository';
import { FailureOutcome, StatusService } from '../status/status.service';
import { ChunkToStore, VectorStore } from '../vector-store/vector-store';

/** Texts per embedder call; the embedder batches further (EMBEDDING_BATCH_SIZE) and runs its requests concurrently. */
const EMBED_BATCH = 256;

/** `superseded`: a newer version of the same document had already completed, so this one stored nothing. */
export type ProcessOutcome = 'completed' | 'superseded' | FailureOutcome;

/** The worker lost its claim (lease expired and another worker took over, or the request was deleted). */
class LostClaimError extends Error {}

/**
 * Processes one claimed request: chunk → embed → store chunks and mark completed in one transaction. For a
 * document version the same transaction, under the document's lock, also removes the chunks of the versions
 * it supersedes, so a search sees the old version or the new one, never both or neither.
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

  async process(request: ClaimedRequest, workerId: string): Promise<ProcessOutcome> {
    try {
      const chunks = this.chunkers.split(request.text, request.chunking);
      // Embedding happens outside any transaction: a slow provider must not hold a database connection.
      const toStore: ChunkToStore[] = [];
      for (let from = 0; from < chunks.length; from += EMBED_BATCH) {
        const batch = chunks.slice(from, from + EMBED_BATCH);
        const vectors = await this.metrics.timeEmbedding(this.embedder.name, () => this.embedder.embed(batch.map((c) => c.text)));
        batch.forEach((chunk, i) =>
          toStore.push({
            ...chunk,
            embedding: vectors[i],
            metadata: { ...chunk.metadata, ...pageMetadata(request.pageStarts, chunk.start, chunk.end) },
          }),
        );
      }
      const outcome = await this.em.transactional(async (tx): Promise<'completed' | 'superseded'> => {
        const newer = await this.status.newerCompletedVersion(tx, request);
        if (newer) {
          if (!(await this.status.markSuperseded(tx, request.id, workerId, newer))) throw new LostClaimError();
          return 'superseded';
        }
        await this.vectors.replaceChunks(tx, {
          ingestionId: request.id,
          collection: request.collection,
          strategy: request.chunking.strategy,
          sourceMetadata: request.sourceMetadata,
          chunks: toStore,
        });
        if (!(await this.status.complete(tx, request.id, workerId, toStore.length))) throw new LostClaimError();
        for (const older of await this.status.supersedeOlderVersions(tx, request)) await this.vectors.deleteByIngestion(tx, older);
        return 'completed';
      });
      this.logger.log(
        outcome === 'completed'
          ? `ingestion ${request.id}: completed with ${toStore.length} chunks`
          : `ingestion ${request.id}: superseded by a newer version of document ${request.document?.id}; nothing stored`,
      );
      return outcome;
    } catch (error) {
      if (error instanceof LostClaimError) {
        this.logger.warn(`ingestion ${request.id}: claim lost before completion; its result was discarded`);
        return 'lost-lease';
      }
      const message = error instanceof Error ? error.message : String(error);
      // An error may say it will not heal by itself (a provider's 4xx: unknown model, bad key): it fails at once.
      const outcome = await this.status.retryOrFail(request, workerId, message, isRetryable(error));
      this.logger.warn(`ingestion ${request.id}: attempt ${request.attempts} failed (${outcome}): ${message}`);
      return outcome;
    }
  }
}
