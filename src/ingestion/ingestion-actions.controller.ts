import { Body, Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Access, CollectionAccess } from '../auth/collection-access';
import { ApiErrorResponses } from '../common/api-error-responses.decorator';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { EXAMPLE_ID, UuidParamPipe } from '../common/uuid-param.pipe';
import { JobQueue } from '../queue/job-queue';
import { IngestionResponseDto, toIngestionResponse } from './dto/ingestion-response.dto';
import { IngestionService } from './ingestion.service';
import { RetryFailedRequestDto, RetryFailedResponseDto } from './dto/retry-failed.dto';

const STATUS_CONFLICT = { status: 409, type: ErrorResponseDto };

/** What a client may do to an ingestion besides deleting it: retry a failed one, cancel one not finished. */
@ApiTags('ingest')
@Controller('v1/ingest')
export class IngestionActionsController {
  constructor(
    private readonly queue: JobQueue,
    private readonly ingestion: IngestionService,
  ) {}

  @Post('retry')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ operationId: 'retryFailedIngestions', summary: 'Put failed ingestions back to the queue, by collection and error text' })
  @ApiResponse({ status: 200, type: RetryFailedResponseDto })
  @ApiErrorResponses(400, 403)
  async retryFailed(@Body() body: RetryFailedRequestDto, @Access() access: CollectionAccess): Promise<RetryFailedResponseDto> {
    if (body.collection !== undefined) access.assertCanUse(body.collection);
    const collections = body.collection !== undefined ? [body.collection] : access.scope;
    return { requeued: await this.queue.retryFailed(collections, body.error_contains) };
  }

  @Post(':id/retry')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ operationId: 'retryIngestion', summary: 'Put a failed ingestion back to the queue (accepted, attempts from 0)' })
  @ApiParam({ name: 'id', format: 'uuid', example: EXAMPLE_ID })
  @ApiResponse({ status: 200, type: IngestionResponseDto, description: 'The ingestion, accepted again' })
  @ApiResponse({ ...STATUS_CONFLICT, description: 'The ingestion is not failed (STATUS_CONFLICT); nothing changes' })
  @ApiErrorResponses(400, 404)
  async retry(@Param('id', UuidParamPipe) id: string, @Access() access: CollectionAccess): Promise<IngestionResponseDto> {
    const request = await this.queue.retry(id, (collection) => access.canUse(collection));
    return toIngestionResponse(request, await this.ingestion.historyOf(request));
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'cancelIngestion',
    summary: 'Cancel an ingestion not yet finished: an accepted one never runs, a running one stops at its next step; nothing is stored',
    description: 'Idempotent: cancelling a cancelled ingestion answers it as it is.',
  })
  @ApiParam({ name: 'id', format: 'uuid', example: EXAMPLE_ID })
  @ApiResponse({ status: 200, type: IngestionResponseDto, description: 'The ingestion, cancelled' })
  @ApiResponse({ ...STATUS_CONFLICT, description: 'The ingestion is completed, failed or superseded (STATUS_CONFLICT); nothing changes' })
  @ApiErrorResponses(400, 404)
  async cancel(@Param('id', UuidParamPipe) id: string, @Access() access: CollectionAccess): Promise<IngestionResponseDto> {
    const request = await this.queue.cancel(id, (collection) => access.canUse(collection));
    return toIngestionResponse(request, await this.ingestion.historyOf(request));
  }
}
