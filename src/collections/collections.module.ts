import { Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module';
import { VectorStoreModule } from '../vector-store/vector-store.module';
import { CollectionsController } from './collections.controller';
import { CollectionsService } from './collections.service';
import { IngestionRemoval } from './ingestion-removal';

/** Named corpora: GET /v1/collections, GET and DELETE /v1/collections/{name}. Ingest and search take the collection as a field. */
@Module({
  imports: [QueueModule, VectorStoreModule],
  controllers: [CollectionsController],
  providers: [CollectionsService, IngestionRemoval],
  exports: [IngestionRemoval],
})
export class CollectionsModule {}
