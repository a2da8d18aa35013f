import { Module } from '@nestjs/common';
import { Clock, SystemClock } from '../common/clock';
import { EmbeddingModule } from '../embedding/embedding.module';
import { QueueModule } from '../queue/queue.module';
import { ChunkPartitions } from './chunk-partitions';
import { IndexMetrics } from './index.metrics';
import { PgvectorStore } from './pgvector.store';
import { SegmentCatalog } from './index-segments';
import { VectorIndexer } from './vector-indexer';
import { VectorStore } from './vector-store';

@Module({
  imports: [EmbeddingModule, QueueModule],
  providers: [
    { provide: VectorStore, useClass: PgvectorStore },
    { provide: Clock, useClass: SystemClock },
    SegmentCatalog,
    ChunkPartitions,
    VectorIndexer,
    IndexMetrics,
  ],
  exports: [VectorStore, VectorIndexer, ChunkPartitions],
})
export class VectorStoreModule {}
