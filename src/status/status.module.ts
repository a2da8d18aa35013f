import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { IngestionRequest } from './ingestion-request.entity';
import { StatusController } from './status.controller';
import { StatusService } from './status.service';
import { WorkInProgress } from './work-in-progress';

/** The request row and its lifecycle: StatusService owns every status transition. */
@Module({
  imports: [MikroOrmModule.forFeature([IngestionRequest])],
  controllers: [StatusController],
  providers: [StatusService, WorkInProgress],
  exports: [StatusService, WorkInProgress],
})
export class StatusModule {}
