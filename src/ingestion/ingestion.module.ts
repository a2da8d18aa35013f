import { Module } from '@nestjs/common';
import { MultipartModule } from '@nestjs/platform-fastify/multipart';
import { ChunkingModule } from '../chunking/chunking.module';
import { AppConfig } from '../config/app-config';
import { EmbeddingModule } from '../embedding/embedding.module';
import { ExtractionModule } from '../extraction/extraction.module';
import { CollectionsModule } from '../collections/collections.module';
import { QueueModule } from '../queue/queue.module';
import { VectorStoreModule } from '../vector-store/vector-store.module';
import { FileIngestionService } from './file-ingestion.service';
import { fileUploadOptions } from './file-upload';
import { IngestionActionsController } from './ingestion-actions.controller';
import { IngestionFileController } from './ingestion-file.controller';
import { IngestionController } from './ingestion.controller';
import { IngestionPoller } from './ingestion.poller';
import { IngestionProcessor } from './ingestion.processor';
import { LongTextOptions } from './processing-steps';
import { IntakeGate } from './intake-gate';
import { IngestionService } from './ingestion.service';

/** The ingest API and the background poller that turns accepted requests into stored chunk vectors. */
@Module({
  imports: [
    QueueModule,
    CollectionsModule,
    ChunkingModule,
    EmbeddingModule,
    VectorStoreModule,
    ExtractionModule,
    MultipartModule.registerAsync({ inject: [AppConfig], useFactory: (config: AppConfig) => fileUploadOptions(config.FILE_UPLOAD_LIMIT_BYTES) }),
  ],
  controllers: [IngestionController, IngestionFileController, IngestionActionsController],
  providers: [IngestionService, IngestionProcessor, LongTextOptions, IngestionPoller, FileIngestionService, IntakeGate],
  exports: [IngestionPoller],
})
export class IngestionModule {}
