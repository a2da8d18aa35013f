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
   * A request being processed meanwhile loses its claim and its result is discarded. Idempotent.
   */
  delete(collection: string): Promise<DeleteCollectionResponseDto> {
    return this.em.transactional(async (tx) => {
      const chunksDeleted = await this.vectors.deleteByCollection(tx, collection);
      const ingestionsDeleted = await this.status.removeCollection(tx, collection);
      return { collection, ingestions_deleted: ingestionsDeleted, chunks_deleted: chunksDeleted };
    });
  }
}
