import { Module } from '@nestjs/common';
import { EmbeddingModule } from '../embedding/embedding.module';
import { QueueModule } from '../queue/queue.module';
import { PgvectorStore } from './pgvector.store';
import { SegmentCatalog } from './index-segments';
import { VectorIndexer } from './vector-indexer';
import { VectorStore } from './vector-store';

@Module({
  imports: [EmbeddingModule, QueueModule],
  providers: [{ provide: VectorStore, useClass: PgvectorStore }, SegmentCatalog, VectorIndexer],
  exports: [VectorStore, VectorIndexer],
})
export class VectorStoreModule {}
