import { Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module';
import { StatusController } from './status.controller';

/** GET /v1/status/{id}: a request's processing state, read through the queue. */
@Module({
  imports: [QueueModule],
  controllers: [StatusController],
})
export class StatusModule {}
