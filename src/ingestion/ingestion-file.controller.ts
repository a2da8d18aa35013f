import { Body, Controller, HttpCode, HttpStatus, Post, Res, UploadedFile, UseInterceptors } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { FileInterceptor } from '@nestjs/platform-fastify/multipart';
import { ApiBody, ApiConsumes, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access, CollectionAccess } from '../auth/collection-access';
import { MULTIPART_BODY } from '../auth/request-body-policy';
import { ApiErrorResponses } from '../common/api-error-responses.decorator';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { IngestAcceptedResponseDto, toIngestAcceptedResponse } from './dto/ingest-accepted-response.dto';
import { INGEST_FILE_FORM_SCHEMA, IngestFileFieldsDto } from './dto/ingest-file-fields.dto';
import { FileIngestionService } from './file-ingestion.service';
import { FILE_FIELD, type StoredUpload } from './file-upload';
import { IDEMPOTENCY_KEY_HEADER, IdempotencyKey, IdempotencyKeyPipe } from './idempotency-key.pipe';

@ApiTags('ingest')
@Controller('v1/ingest')
export class IngestionFileController {
  constructor(private readonly files: FileIngestionService) {}

  @Post('file')
  @RouteConfig(MULTIPART_BODY)
  @HttpCode(HttpStatus.ACCEPTED)
  @UseInterceptors(FileInterceptor(FILE_FIELD))
  @ApiOperation({
    operationId: 'ingestFile',
    summary: 'Upload a document (.txt, .md, .html, .pdf) for ingestion; its text is extracted and processed like POST /v1/ingest',
    description:
      'The file streams to a temporary file. source_metadata records its name, content type, size and SHA-256; ' +
      'PDF chunks carry their page number in chunk metadata. HTML loses scripts, styles, navigation, headers and footers.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: INGEST_FILE_FORM_SCHEMA })
  @ApiHeader(IDEMPOTENCY_KEY_HEADER)
  @ApiResponse({ status: 202, type: IngestAcceptedResponseDto, description: 'Stored durably (outcome "created"); poll status_url' })
  @ApiResponse({ status: 200, type: IngestAcceptedResponseDto, description: 'An existing ingestion (outcome "replayed" or "unchanged")' })
  @ApiErrorResponses(403, 409)
  @ApiResponse({
    status: 400,
    type: ErrorResponseDto,
    description: 'Invalid form fields or Idempotency-Key (VALIDATION_FAILED), or an empty file (EMPTY_FILE); nothing is written',
  })
  @ApiResponse({
    status: 413,
    type: ErrorResponseDto,
    description: 'File larger than FILE_UPLOAD_LIMIT_BYTES (PAYLOAD_TOO_LARGE); nothing is written',
  })
  @ApiResponse({ status: 415, type: ErrorResponseDto, description: 'Not a supported file type (UNSUPPORTED_MEDIA_TYPE); nothing is written' })
  @ApiResponse({
    status: 422,
    type: ErrorResponseDto,
    description:
      'The file cannot be read or holds no text, or its extraction broke a limit (FILE_MAX_PAGES, FILE_EXTRACT_TIMEOUT_MS, ' +
      'FILE_EXTRACT_MEMORY_MB: the message names it) (UNREADABLE_FILE); nothing is written',
  })
  @ApiResponse({
    status: 503,
    type: ErrorResponseDto,
    description:
      'The database is unreachable (DATABASE_UNAVAILABLE), or FILE_EXTRACT_CONCURRENCY files are being extracted (EXTRACTION_BUSY); ' +
      "retry after the Retry-After header's seconds",
  })
  async ingestFile(
    @UploadedFile() file: StoredUpload | undefined,
    @Body() fields: IngestFileFieldsDto,
    @IdempotencyKey(IdempotencyKeyPipe) idempotencyKey: string | undefined,
    @Access() access: CollectionAccess,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IngestAcceptedResponseDto> {
    const { request, outcome } = await this.files.ingest(file, fields, access, { idempotencyKey, caller: access.keyId ?? '' });
    if (outcome !== 'created') void reply.status(HttpStatus.OK);
    return toIngestAcceptedResponse(request, outcome);
  }
}
