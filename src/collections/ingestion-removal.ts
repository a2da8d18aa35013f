import { Injectable } from '@nestjs/common';
import { SqlEntityManager } from '../database/sql';
import { IngestionRequestRepository } from '../queue/ingestion-request.repository';
import { JobQueue } from '../queue/job-queue';
import { VectorStore } from '../vector-store/vector-store';

/** What a removal deleted. */
export interface Removed {
  ingestions: number;
  chunks: number;
}

/**
 * The one delete of ingestions (one by id, or a whole collection's) with their chunks: the work in progress on
 * them is stopped first and stores nothing; then, in one transaction, their rows are locked before the chunks
 * are counted (so the count includes what a worker committed meanwhile), and chunks and rows go together.
 * Idempotent; rows of collections `mayUse` refuses are left alone and reported as not there.
 */
@Injectable()
export class IngestionRemoval {
  constructor(
    private readonly queue: JobQueue,
    private readonly requests: IngestionRequestRepository,
    private readonly vectors: VectorStore,
    private readonly em: SqlEntityManager,
  ) {}

  async remove(target: { id: string } | { collection: string }, mayUse: (collection: string) => boolean): Promise<Removed> {
    await this.queue.stopWorkOn(target, mayUse, 'deleted');
    return this.em.transactional(async (tx) => {
      const collections = await this.requests.lockForDelete(tx, target);
      if (collections.length === 0 || !collections.every(mayUse)) return { ingestions: 0, chunks: 0 };
      const chunks =
        'id' in target ? await this.vectors.deleteByIngestion(tx, target.id) : await this.vectors.deleteByCollection(tx, target.collection);
      return { ingestions: await this.requests.deleteRows(tx, target), chunks };
    });
  }
}
