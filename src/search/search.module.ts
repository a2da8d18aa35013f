import { Module } from '@nestjs/common';
import { EmbeddingModule } from '../embedding/embedding.module';
import { QueueModule } from '../queue/queue.module';
import { VectorStoreModule } from '../vector-store/vector-store.module';
import { SearchController } from './search.controller';
import { SearchService } from './search.service';

/** Similarity search over stored chunks: embeds the query with the same Embedder the poller uses. */
@Module({
  imports: [EmbeddingModule, VectorStoreModule, QueueModule],
  controllers: [SearchController],
  providers: [SearchService],
})
export class SearchModule {}
