import { Injectable, Logger } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics.registry';
import { SegmentCatalog } from './index-segments';
import { VectorIndexer } from './vector-indexer';

/** The vector index's state, read from the database at scrape time (the same on every instance). */
@Injectable()
export class IndexMetrics {
  private readonly logger = new Logger(IndexMetrics.name);

  constructor(registry: MetricsRegistry, indexer: VectorIndexer, catalog: SegmentCatalog) {
    const registers = [registry];
    const read = (what: string, value: () => Promise<number>) =>
      async function (this: Gauge) {
        this.reset();
        // No sample rather than a stale one when the database cannot be read (as ingestion_queue_depth).
        await value().then(
          (v) => this.set(v),
          (error: unknown) => logger.warn(`Could not read ${what}: ${error instanceof Error ? error.message : String(error)}`),
        );
      };
    const logger = this.logger;
    new Gauge({
      name: 'vector_index_unindexed_chunks',
      help: 'Chunks no HNSW segment covers yet (the tail searches scan exactly)',
      registers,
      collect: read('the unindexed tail', () => indexer.tailChunks()),
    });
    new Gauge({
      name: 'vector_index_segments',
      help: 'HNSW segments (partial indexes) a search walks',
      registers,
      collect: read('the index segments', async () => (await catalog.read()).length),
    });
  }
}
