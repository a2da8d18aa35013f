import { Injectable } from '@nestjs/common';
import { SqlEntityManager } from '../database/sql';
import { StatusService } from '../status/status.service';
import { VectorStore } from '../vector-store/vector-store';
import type { DeleteCollectionResponseDto } from './dto/delete-collection-response.dto';

@Injectable()
export class CollectionsService {
  constructor(
    private readonly status: StatusService,
    private readonly vectors: VectorStore,
    private readonly em: SqlEntityManager,
  ) {}

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
