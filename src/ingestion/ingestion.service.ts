import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import type { ChunkingOptions } from '../chunking/chunking-options';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { SqlEntityManager } from '../database/sql';
import { IngestionRequest } from '../status/ingestion-request.entity';
import { StatusService } from '../status/status.service';
import { VectorStore } from '../vector-store/vector-store';
import type { DeleteResponseDto } from './dto/delete-response.dto';
import type { ChunkingOptionsDto, IngestRequestDto } from './dto/ingest-request.dto';

@Injectable()
export class IngestionService {
  constructor(
    private readonly status: StatusService,
    private readonly vectors: VectorStore,
    private readonly em: SqlEntityManager,
    private readonly config: AppConfig,
  ) {}

  /**
   * Stores the request as `accepted` and returns at once; the poller does the work. `pageStarts` (from an
   * uploaded PDF) lets the processor give each chunk its page number.
   */
  ingest(dto: IngestRequestDto, extracted: { pageStarts?: number[] } = {}): Promise<IngestionRequest> {
    return this.status.accept({
      text: dto.text,
      sourceMetadata: dto.source_metadata ?? {},
      chunking: this.resolveChunking(dto.chunking),
      pageStarts: extracted.pageStarts,
    });
  }

  get(id: string): Promise<IngestionRequest> {
    return this.status.get(id);
  }

  /** Removes the request and its vectors in one transaction. Deleting what is already gone is not an error. */
  delete(id: string): Promise<DeleteResponseDto> {
    return this.em.transactional(async (tx) => {
      const chunksDeleted = await this.vectors.deleteByIngestion(tx, id);
      const deleted = await this.status.remove(tx, id);
      return { id, deleted, chunks_deleted: chunksDeleted };
    });
  }

  /** Request options over server defaults. */
  private resolveChunking(options: ChunkingOptionsDto = {}): ChunkingOptions {
    const resolved: ChunkingOptions = {
      strategy: options.strategy ?? 'fixed',
      chunk_size: options.chunk_size ?? this.config.CHUNK_SIZE,
      chunk_overlap: options.chunk_overlap ?? Math.min(this.config.CHUNK_OVERLAP, Math.floor((options.chunk_size ?? this.config.CHUNK_SIZE) / 2)),
    };
    if (resolved.chunk_overlap >= resolved.chunk_size) {
      throw new AppError(ErrorCode.ValidationFailed, 'Request body is invalid', [
        { field: 'chunking.chunk_overlap', messages: [`chunk_overlap (${resolved.chunk_overlap}) must be less than chunk_size (${resolved.chunk_size})`] },
      ]);
    }
    return resolved;
  }
}
