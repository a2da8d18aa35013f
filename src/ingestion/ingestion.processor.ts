import { Injectable, Logger } from '@nestjs/common';
import { Chunker } from '../chunking/chunker';
import { SqlEntityManager } from '../database/sql';
import { Embedder } from '../embedding/embedder';
import { pageMetadata } from '../extraction/page-metadata';
import type { ClaimedRequest } from '../status/ingestion-request.repository';
import { FailureOutcome, StatusService } from '../status/status.service';
import { ChunkToStore, VectorStore } from '../vector-store/vector-store';

/** Texts per embedder call: bounds memory and, for HTTP providers, request size. */
const EMBED_BATCH = 64;

export type ProcessOutcome = 'completed' | FailureOutcome;

/** The worker lost its claim (lease expired and another worker took over, or the request was deleted). */
class LostClaimError extends Error {}

/** Processes one claimed request: chunk → embed → store chunks and mark completed in one transaction. */
@Injectable()
export class IngestionProcessor {
  private readonly logger = new Logger(IngestionProcessor.name);

  constructor(
    private readonly chunker: Chunker,
    private readonly embedder: Embedder,
    private readonly vectors: VectorStore,
    private readonly status: StatusService,
    private readonly em: SqlEntityManager,
  ) {}

  async process(request: ClaimedRequest, workerId: string): Promise<ProcessOutcome> {
    try {
      const chunks = this.chunker.split(request.text, request.chunking);
      // Embedding happens outside any transaction: a slow provider must not hold a database connection.
      const toStore: ChunkToStore[] = [];
      for (let from = 0; from < chunks.length; from += EMBED_BATCH) {
        const batch = chunks.slice(from, from + EMBED_BATCH);
        const vectors = await this.embedder.embed(batch.map((c) => c.text));
        batch.forEach((chunk, i) =>
          toStore.push({ ...chunk, embedding: vectors[i], metadata: pageMetadata(request.pageStarts, chunk.start, chunk.end) }),
        );
      }
      await this.em.transactional(async (tx) => {
        await this.vectors.replaceChunks(tx, {
          ingestionId: request.id,
          strategy: request.chunking.strategy,
          sourceMetadata: request.sourceMetadata,
          chunks: toStore,
        });
        if (!(await this.status.complete(tx, request.id, workerId, toStore.length))) throw new LostClaimError();
      });
      this.logger.log(`ingestion ${request.id}: completed with ${toStore.length} chunks`);
      return 'completed';
    } catch (error) {
      if (error instanceof LostClaimError) {
        this.logger.warn(`ingestion ${request.id}: claim lost before completion; its result was discarded`);
        return 'lost-lease';
      }
      const message = error instanceof Error ? error.message : String(error);
      const outcome = await this.status.retryOrFail(request, workerId, message, true);
      this.logger.warn(`ingestion ${request.id}: attempt ${request.attempts} failed (${outcome}): ${message}`);
      return outcome;
    }
  }
}
