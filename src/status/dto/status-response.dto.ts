import { ApiProperty } from '@nestjs/swagger';
import type { IngestionRequest } from '../../queue/ingestion-request.entity';
import { IngestionStatus } from '../../queue/ingestion-status';
import type { Progress } from '../../queue/sql/progress';

export class StatusResponseDto {
  @ApiProperty({ format: 'uuid', example: '3f1c6a0e-5b7d-4f43-9c55-0d8f4f2f7a10' }) id: string;
  @ApiProperty({ enum: IngestionStatus, example: IngestionStatus.Completed }) status: IngestionStatus;
  @ApiProperty({ type: 'integer', description: 'Processing attempts started so far', example: 1 }) attempts: number;
  @ApiProperty({ type: 'integer', example: 3 }) max_attempts: number;
  @ApiProperty({ type: String, nullable: true, description: 'Last error, while retrying or once failed', example: null })
  error: string | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Chunks stored, once completed', example: 12 })
  chunk_count: number | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When an accepted request is next due' })
  next_attempt_at: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) started_at: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completed_at: string | null;
  @ApiProperty({ type: String, nullable: true, description: "The client's document id, when given", example: null })
  document_id: string | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Version of document_id, counting from 1', example: null })
  document_version: number | null;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: "For status superseded: the newer version of the document that replaced this one's chunks",
    example: null,
  })
  superseded_by: string | null;
  @ApiProperty({
    type: String,
    // null listed too: with nullable alone, OpenAPI 3.0 validators still hold null to the enum.
    enum: ['chunking', 'embedding', 'storing', null],
    nullable: true,
    description: 'While running: what the worker is doing (updated at most once a second)',
    example: null,
  })
  stage: Progress['stage'] | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'While running: chunks embedded so far', example: null })
  chunks_done: number | null;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'While running: chunks in all, when known (a long text is counted as it is read)',
    example: null,
  })
  chunks_total: number | null;
}

export function toStatusResponse(request: IngestionRequest): StatusResponseDto {
  // Progress belongs to the attempt running now: what an ended attempt left is not shown.
  const running = request.status === IngestionStatus.Running;
  return {
    id: request.id,
    status: request.status,
    attempts: request.attempts,
    max_attempts: request.maxAttempts,
    error: request.errorMessage ?? null,
    chunk_count: request.chunkCount ?? null,
    next_attempt_at: request.status === IngestionStatus.Accepted ? request.nextAttemptAt.toISOString() : null,
    created_at: request.createdAt.toISOString(),
    updated_at: request.updatedAt.toISOString(),
    started_at: request.startedAt?.toISOString() ?? null,
    completed_at: request.completedAt?.toISOString() ?? null,
    document_id: request.documentId ?? null,
    document_version: request.documentVersion ?? null,
    superseded_by: request.supersededBy ?? null,
    ...(running
      ? { stage: request.progressStage ?? null, chunks_done: request.chunksDone ?? null, chunks_total: request.chunksTotal ?? null }
      : { stage: null, chunks_done: null, chunks_total: null }),
  };
}
