import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access, CollectionAccess } from '../auth/collection-access';
import { ApiErrorResponses } from '../common/api-error-responses.decorator';
import { EXAMPLE_ID, UuidParamPipe } from '../common/uuid-param.pipe';
import { DeleteResponseDto } from './dto/delete-response.dto';
import { IngestAcceptedResponseDto, IngestBatchAcceptedResponseDto, toIngestAcceptedResponse } from './dto/ingest-accepted-response.dto';
import { IngestBatchRequestDto, IngestRequestDto } from './dto/ingest-request.dto';
import { IngestionResponseDto, toIngestionResponse } from './dto/ingestion-response.dto';
import { IngestionPageResponseDto, toIngestionPageResponse } from './dto/ingestion-page-response.dto';
import { ListIngestionsQueryDto } from './dto/list-ingestions-query.dto';
import { ChunkPageResponseDto, toChunkPageResponse } from './dto/chunk-page-response.dto';
import { ListChunksQueryDto } from './dto/list-chunks-query.dto';
import { IDEMPOTENCY_KEY_HEADER, IdempotencyKey, IdempotencyKeyPipe } from './idempotency-key.pipe';
import { DEFAULT_COLLECTION } from '../common/collection';
import { IngestionService } from './ingestion.service';

@ApiTags('ingest')
@Controller('v1/ingest')
export class IngestionController {
  constructor(private readonly ingestion: IngestionService) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ operationId: 'ingest', summary: 'Accept a text for ingestion; it is chunked, embedded and stored in the background' })
  @ApiHeader(IDEMPOTENCY_KEY_HEADER)
  @ApiResponse({ status: 202, type: IngestAcceptedResponseDto, description: 'Stored durably (outcome "created"); poll status_url' })
  @ApiResponse({ status: 200, type: IngestAcceptedResponseDto, description: 'An existing ingestion (outcome "replayed" or "unchanged")' })
  @ApiErrorResponses(400, 403, 409, 413, 415)
  async ingest(
    @Body() body: IngestRequestDto,
    @IdempotencyKey(IdempotencyKeyPipe) idempotencyKey: string | undefined,
    @Access() access: CollectionAccess,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IngestAcceptedResponseDto> {
    access.assertCanUse(body.collection ?? DEFAULT_COLLECTION);
    const { request, outcome } = await this.ingestion.ingest(body, { idempotencyKey, caller: access.keyId ?? '' });
    if (outcome !== 'created') void reply.status(HttpStatus.OK);
    return toIngestAcceptedResponse(request, outcome);
  }

  @Post('batch')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    operationId: 'ingestBatch',
    summary: 'Accept several texts at once (a bulk load): one request and one transaction for all of them',
    description:
      'Each document is what POST /v1/ingest takes, and is answered as it would answer it, in the order sent. All are stored ' +
      'or, on any error, none. No Idempotency-Key: give documents a document_id, so a batch sent again is "unchanged".',
  })
  @ApiResponse({ status: 202, type: IngestBatchAcceptedResponseDto, description: 'Stored durably; each ingestion has its own status_url' })
  @ApiErrorResponses(400, 403, 413, 415)
  async ingestBatch(
    @Body() body: IngestBatchRequestDto,
    @IdempotencyKey(IdempotencyKeyPipe) idempotencyKey: string | undefined,
    @Access() access: CollectionAccess,
  ): Promise<IngestBatchAcceptedResponseDto> {
    for (const document of body.documents) access.assertCanUse(document.collection ?? DEFAULT_COLLECTION);
    const submitted = await this.ingestion.ingestBatch(body.documents, { idempotencyKey });
    return { ingestions: submitted.map(({ request, outcome }) => toIngestAcceptedResponse(request, outcome)) };
  }

  @Get()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'listIngestions',
    summary: 'Ingestions, newest first (or oldest), filtered, a page at a time',
    description:
      'Keyset pagination on (created_at, id): next_cursor resumes strictly after the last item, so ingestions created while ' +
      'paging never repeat or shift an item. An API key limited to collections sees only those.',
  })
  @ApiResponse({ status: 200, type: IngestionPageResponseDto, description: 'One page; next_cursor is null on the last' })
  @ApiErrorResponses(400, 403)
  async list(@Query() query: ListIngestionsQueryDto, @Access() access: CollectionAccess): Promise<IngestionPageResponseDto> {
    const page = await this.ingestion.list(query, access);
    return toIngestionPageResponse(page, await this.ingestion.history(page.requests));
  }

  @Get(':id')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ operationId: 'getIngestion', summary: 'An ingestion request: options, status, counts and timestamps (not the text)' })
  @ApiParam({ name: 'id', format: 'uuid', example: EXAMPLE_ID })
  @ApiResponse({ status: 200, type: IngestionResponseDto })
  @ApiErrorResponses(400, 404)
  async get(@Param('id', UuidParamPipe) id: string, @Access() access: CollectionAccess): Promise<IngestionResponseDto> {
    const request = await this.ingestion.get(id);
    access.assertCanSee(request);
    return toIngestionResponse(request, await this.ingestion.historyOf(request));
  }

  @Get(':id/chunks')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'listIngestionChunks',
    summary: "An ingestion's stored chunks in chunk_index order, a page at a time, optionally with their embeddings",
  })
  @ApiParam({ name: 'id', format: 'uuid', example: EXAMPLE_ID })
  @ApiResponse({ status: 200, type: ChunkPageResponseDto, description: 'One page; next_cursor is null on the last' })
  @ApiErrorResponses(400, 404)
  async listChunks(
    @Param('id', UuidParamPipe) id: string,
    @Query() query: ListChunksQueryDto,
    @Access() access: CollectionAccess,
  ): Promise<ChunkPageResponseDto> {
    return toChunkPageResponse(await this.ingestion.listChunks(id, query, access));
  }

  @Delete(':id')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ operationId: 'deleteIngestion', summary: 'Delete an ingestion: its vectors and its request row. Idempotent.' })
  @ApiParam({ name: 'id', format: 'uuid', example: EXAMPLE_ID })
  @ApiResponse({ status: 200, type: DeleteResponseDto, description: 'deleted=false when there was nothing to delete' })
  @ApiErrorResponses(400, 403)
  delete(@Param('id', UuidParamPipe) id: string, @Access() access: CollectionAccess): Promise<DeleteResponseDto> {
    return this.ingestion.delete(id, access);
  }
}
