import { IsolationLevel } from '@mikro-orm/core';
import { Injectable } from '@nestjs/common';
import type { CollectionAccess } from '../auth/collection-access';
import { AppError } from '../common/errors/app-error';
import { SqlEntityManager } from '../database/sql';
import { IngestionRequestRepository } from '../queue/ingestion-request.repository';
import { IngestionRemoval } from './ingestion-removal';
import { VectorStore } from '../vector-store/vector-store';
import type { DeleteCollectionResponseDto } from './dto/delete-collection-response.dto';
import { CollectionResponseDto, toCollectionResponse } from './dto/collection-response.dto';

@Injectable()
export class CollectionsService {
  constructor(
    private readonly requests: IngestionRequestRepository,
    private readonly removal: IngestionRemoval,
    private readonly vectors: VectorStore,
    private readonly em: SqlEntityManager,
  ) {}

  /** Every collection with ingestions that the caller may use, by name. */
  list(access: CollectionAccess): Promise<CollectionResponseDto[]> {
    return this.summarize(access.scope);
  }

  /** One collection; COLLECTION_NOT_FOUND (404) when it has no ingestions. */
  async get(collection: string): Promise<CollectionResponseDto> {
    const [found] = await this.summarize([collection]);
    if (!found) throw AppError.collectionNotFound(collection);
    return found;
  }

  /**
   * Ingestion counts and chunk counts read from one snapshot (REPEATABLE READ), so they agree with each other:
   * a request completes in the same transaction that stores its chunks.
   */
  private summarize(collections: readonly string[] | null): Promise<CollectionResponseDto[]> {
    return this.em.transactional(
      async (tx) => {
        const summaries = await this.requests.summarizeCollections(tx, collections);
        const chunks = await this.vectors.countByCollection(tx, collections);
        return summaries.map((summary) => toCollectionResponse(summary, chunks.get(summary.collection) ?? 0));
      },
      { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true },
    );
  }

  /** Deletes a collection's requests and chunks in one transaction (see IngestionRemoval); other collections are untouched. */
  async delete(collection: string): Promise<DeleteCollectionResponseDto> {
    const { ingestions, chunks } = await this.removal.remove({ collection }, () => true);
    return { collection, ingestions_deleted: ingestions, chunks_deleted: chunks };
  }
}
