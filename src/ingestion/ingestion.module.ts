import { Module } from '@nestjs/common';
import { ChunkingModule } from '../chunking/chunking.module';
import { EmbeddingModule } from '../embedding/embedding.module';
import { StatusModule } from '../status/status.module';
import { VectorStoreModule } from '../vector-store/vector-store.module';
import { IngestionController } from './ingestion.controller';
import { IngestionPoller } from './ingestion.poller';
import { IngestionProcessor } from './ingestion.processor';
import { IngestionService } from './ingestion.service';

/** The ingest API and the background poller that turns accepted requests into stored chunk vectors. */
@Module({
  imports: [StatusModule, ChunkingModule, EmbeddingModule, VectorStoreModule],
  controllers: [IngestionController],
  providers: [IngestionService, IngestionProcessor, IngestionPoller],
  exports: [IngestionPoller],
})
export class IngestionModule {}
