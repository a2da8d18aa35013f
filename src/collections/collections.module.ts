import { Module } from '@nestjs/common';
import { StatusModule } from '../status/status.module';
import { VectorStoreModule } from '../vector-store/vector-store.module';
import { CollectionsController } from './collections.controller';
import { CollectionsService } from './collections.service';

/** Named corpora: GET /v1/collections, GET and DELETE /v1/collections/{name}. Ingest and search take the collection as a field. */
@Module({
  imports: [StatusModule, VectorStoreModule],
  controllers: [CollectionsController],
  providers: [CollectionsService],
})
export class CollectionsModule {}
