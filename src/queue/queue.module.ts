import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { DocumentVersions } from './document-versions';
import { IngestionRequest } from './ingestion-request.entity';
import { JobQueue } from './job-queue';
import { SubmissionService } from './submission.service';
import { WorkInProgress } from './work-in-progress';

/** Provides IngestionRequestRepository, here and to the modules that import this one. */
const ingestionRequests = MikroOrmModule.forFeature([IngestionRequest]);

/**
 * The job row (ingestion_requests) and everything that reads or writes it: submission (SubmissionService),
 * the lifecycle after it (JobQueue: claim, heartbeat, complete, retry, fail, release, reclaim, revoke,
 * cancel — one statement per verb under sql/), document versions, and the reads the API and status need
 * (IngestionRequestRepository). No other module touches the table.
 */
@Module({
  imports: [ingestionRequests],
  providers: [JobQueue, SubmissionService, DocumentVersions, WorkInProgress],
  exports: [ingestionRequests, JobQueue, SubmissionService, DocumentVersions, WorkInProgress],
})
export class QueueModule {}
