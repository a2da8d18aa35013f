import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { IngestionRequest } from './ingestion-request.entity';
import { StatusController } from './status.controller';
import { StatusService } from './status.service';

/** The request row and its lifecycle: StatusService owns every status transition. */
@Module({
  imports: [MikroOrmModule.forFeature([IngestionRequest])],
  controllers: [StatusController],
  providers: [StatusService],
  exports: [StatusService],
})
export class StatusModule {}
