import { IsolationLevel } from '@mikro-orm/core';
import { Injectable } from '@nestjs/common';
import type { CollectionAccess } from '../auth/collection-access';
import { AppError } from '../common/errors/app-error';
import { SqlEntityManager } from '../database/sql';
import { StatusService } from '../status/status.service';
import { VectorStore } from '../vector-store/vector-store';
import type { DeleteCollectionResponseDto } from './dto/delete-collection-response.dto';
import { CollectionResponseDto, toCollectionResponse } from './dto/collection-response.dto';

@Injectable()
export class CollectionsService {
  constructor(
    private readonly status: StatusService,
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
        const summaries = await this.status.summarizeCollections(tx, collections);
        const chunks = await this.vectors.countByCollection(tx, collections);
        return summaries.map((summary) => toCollectionResponse(summary, chunks.get(summary.collection) ?? 0));
      },
      { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true },
    );
  }

  /**
   * Deletes a collection's requests and chunks in one transaction; other collections are untouched.
   * Work in progress on the collection is stopped first and stores nothing; its rows are locked before the
   * chunks are counted, so the count includes what a worker committed meanwhile. Idempotent.
   */
  async delete(collection: string): Promise<DeleteCollectionResponseDto> {
    await this.status.stopWorkOn({ collection }, () => true);
    return this.em.transactional(async (tx) => {
      await this.status.lockCollection(tx, collection);
      const chunksDeleted = await this.vectors.deleteByCollection(tx, collection);
      const ingestionsDeleted = await this.status.removeCollection(tx, collection);
      return { collection, ingestions_deleted: ingestionsDeleted, chunks_deleted: chunksDeleted };
    });
  }
}
