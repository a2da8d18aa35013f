import { Module } from '@nestjs/common';
import { EmbeddingModule } from '../embedding/embedding.module';
import { PgvectorStore } from './pgvector.store';
import { VectorStore } from './vector-store';

@Module({
  imports: [EmbeddingModule],
  providers: [{ provide: VectorStore, useClass: PgvectorStore }],
  exports: [VectorStore],
})
export class VectorStoreModule {}
