import { Injectable } from '@nestjs/common';
import type { CollectionAccess } from '../auth/collection-access';
import { AppConfig } from '../config/app-config';
import { ChunkingOptions, resolveChunkingOptions } from '../chunking/chunking-options';
import { decodeCursor } from '../common/page-cursor';
import { IngestionRequestRepository, type IngestionPage } from '../queue/ingestion-request.repository';
import { DEFAULT_INGESTION_PAGE_LIMIT, ListIngestionsQueryDto, parseIngestionPageKey } from './dto/list-ingestions-query.dto';
import { DEFAULT_CHUNK_PAGE_LIMIT, ListChunksQueryDto, parseChunkPageKey } from './dto/list-chunks-query.dto';
import type { ChunkPage } from '../vector-store/vector-store';
import { AppError, ErrorCode } from '../common/errors/app-error';
import type { IngestionRequest } from '../queue/ingestion-request.entity';
import type { AttemptRow } from '../queue/sql/attempts';
import type { TextUpload } from '../common/text-upload';
import { NewIngestion, SubmissionService, Submitted } from '../queue/submission.service';
import { IngestionRemoval } from '../collections/ingestion-removal';
import { VectorStore } from '../vector-store/vector-store';
import type { DeleteResponseDto } from './dto/delete-response.dto';
import { IntakeGate } from './intake-gate';
import type { ChunkingOptionsDto, IngestOptionsDto, IngestRequestDto } from './dto/ingest-request.dto';

@Injectable()
export class IngestionService {
  constructor(
    private readonly submissions: SubmissionService,
    private readonly requests: IngestionRequestRepository,
    private readonly vectors: VectorStore,
    private readonly removal: IngestionRemoval,
    private readonly config: AppConfig,
    private readonly intake: IntakeGate,
  ) {}

  /**
   * Stores the request as `accepted` and returns at once; the poller does the work. A repeated Idempotency-Key
   * (of the same caller, in the same collection) or unchanged document returns the existing ingestion instead. `pageStarts` (from an uploaded PDF) lets the
   * processor give each chunk its page number. The text may be an upload too long to hold whole.
   */
  async ingest(
    dto: IngestOptionsDto & { text: string | TextUpload },
    options: Pick<NewIngestion, 'idempotencyKey' | 'caller' | 'pageStarts'> = {},
  ): Promise<Submitted> {
    const ingestion = this.toNewIngestion(dto);
    await this.intake.assertRoom();
    return this.submissions.submit({ ...ingestion, ...options });
  }

  /**
   * Several documents at once: each checked as ingest() checks it, then all stored in one transaction. A batch
   * takes no Idempotency-Key (one key for many ingestions would make replays ambiguous): document ids do that.
   */
  async ingestBatch(dtos: IngestRequestDto[], { idempotencyKey }: { idempotencyKey?: string } = {}): Promise<Submitted[]> {
    if (idempotencyKey !== undefined) {
      throw new AppError(ErrorCode.ValidationFailed, 'Request header Idempotency-Key is invalid', [
        { field: 'Idempotency-Key', messages: ['a batch takes no Idempotency-Key; give each document a document_id instead'] },
      ]);
    }
    const ingestions = dtos.map((dto, i) => this.toNewIngestion(dto, `documents.${i}.`));
    await this.intake.assertRoom(ingestions.length);
    return this.submissions.submitBatch(ingestions);
  }

  /**
   * A page of ingestions: of `query.collection` (which the caller must be allowed to use) or else of every
   * collection the caller may use, filtered in SQL, so a limited key never sees another collection's rows.
   */
  list(query: ListIngestionsQueryDto, access: CollectionAccess): Promise<IngestionPage> {
    if (query.collection !== undefined) access.assertCanUse(query.collection);
    return this.requests.listPage({
      collections: query.collection !== undefined ? [query.collection] : access.scope,
      status: query.status,
      documentId: query.document_id,
      // As search reads them: an offset-less time is local to the server, a date alone is midnight UTC.
      createdAfter: query.created_after === undefined ? undefined : new Date(query.created_after).toISOString(),
      createdBefore: query.created_before === undefined ? undefined : new Date(query.created_before).toISOString(),
      after: query.cursor === undefined ? undefined : decodeCursor(query.cursor, parseIngestionPageKey),
      order: query.order ?? 'desc',
      limit: query.limit ?? DEFAULT_INGESTION_PAGE_LIMIT,
    });
  }

  /** A page of an ingestion's chunks; INGESTION_NOT_FOUND (404) for an unknown id or another collection's. */
  async listChunks(id: string, query: ListChunksQueryDto, access: CollectionAccess): Promise<ChunkPage> {
    access.assertCanSee(await this.requests.findByIdOrFail(id));
    return this.vectors.listChunks({
      ingestionId: id,
      afterIndex: query.cursor === undefined ? undefined : decodeCursor(query.cursor, parseChunkPageKey),
      limit: query.limit ?? DEFAULT_CHUNK_PAGE_LIMIT,
      withEmbeddings: query.include === 'embedding',
    });
  }

  /** The submission for a request body, with its chunking resolved; `field` prefixes the fields errors name. */
  private toNewIngestion(dto: IngestOptionsDto & { text: string | TextUpload }, field = ''): NewIngestion {
    if (dto.text.length > this.config.TEXT_LIMIT_CHARS) {
      throw new AppError(
        ErrorCode.PayloadTooLarge,
        `The text${field ? ` of ${field.slice(0, -1)}` : ''} has ${dto.text.length} characters; at most ${this.config.TEXT_LIMIT_CHARS} are accepted (TEXT_LIMIT_CHARS)`,
      );
    }
    return {
      text: dto.text,
      sourceMetadata: dto.source_metadata ?? {},
      collection: dto.collection,
      chunking: this.resolveChunking(dto.chunking ?? undefined, field),
      documentId: dto.document_id ?? undefined,
    };
  }

  get(id: string): Promise<IngestionRequest> {
    return this.requests.findByIdOrFail(id);
  }

  /** The attempts of the requests (a page's in one query) by request id, for their attempts_history. */
  async history(requests: readonly IngestionRequest[]): Promise<Map<string, AttemptRow[]>> {
    const byRequest = new Map<string, AttemptRow[]>();
    for (const row of await this.requests.attemptsOf(requests)) byRequest.set(row.ingestion_id, [...(byRequest.get(row.ingestion_id) ?? []), row]);
    return byRequest;
  }

  /** One request's attempts, oldest first. */
  async historyOf(request: IngestionRequest): Promise<AttemptRow[]> {
    return (await this.history([request])).get(request.id) ?? [];
  }

  /**
   * Removes the request and its vectors in one transaction. Deleting what is already gone is not an error;
   * another collection's ingestion is answered as if it were gone (deleting nothing: its existence stays hidden).
   */
  async delete(id: string, access: CollectionAccess): Promise<DeleteResponseDto> {
    const { ingestions, chunks } = await this.removal.remove({ id }, (collection) => access.canUse(collection));
    return { id, deleted: ingestions > 0, chunks_deleted: chunks };
  }

  /** Request options over server defaults. */
  private resolveChunking(options: ChunkingOptionsDto = {}, field = ''): ChunkingOptions {
    const { config } = this;
    const resolved = resolveChunkingOptions(options, {
      strategy: config.CHUNK_STRATEGY,
      chunkSize: config.CHUNK_SIZE,
      chunkOverlap: config.CHUNK_OVERLAP,
    });
    if (resolved.problem) {
      throw new AppError(ErrorCode.ValidationFailed, 'Request body is invalid', [
        { field: field + resolved.problem.field, messages: [resolved.problem.message] },
      ]);
    }
    return resolved.options;
  }
}
