import { ApiProperty } from '@nestjs/swagger';
import { SourceMetadataDto } from '../../common/metadata.dto';
import type { IngestionRequest } from '../../queue/ingestion-request.entity';
import type { AttemptEnd, AttemptRow } from '../../queue/sql/attempts';
import { StatusResponseDto, toStatusResponse } from '../../status/dto/status-response.dto';
import { ChunkingOptionsDto } from './ingest-request.dto';

const ATTEMPT_OUTCOMES: AttemptEnd[] = ['completed', 'retry', 'failed', 'superseded', 'cancelled', 'interrupted', 'lease-expired'];

/** One processing attempt: who ran it, when, and how it ended. */
export class AttemptDto {
  @ApiProperty({ type: 'integer', description: 'Counting from 1 (from 1 again after a retry of a failed ingestion)', example: 1 })
  attempt: number;
  @ApiProperty({ description: 'The worker that ran it (host:pid:id)', example: 'worker-1:4242:1a2b3c4d' }) worker: string;
  @ApiProperty({ format: 'date-time' }) started_at: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Null while it runs' }) ended_at: string | null;
  @ApiProperty({
    type: String,
    enum: [...ATTEMPT_OUTCOMES, null],
    nullable: true,
    description:
      'Null while it runs. retry: failed and scheduled again; interrupted: its worker lost the database mid-way; ' +
      'lease-expired: its worker stopped renewing its lease and another took the ingestion over',
    example: 'completed',
  })
  outcome: AttemptEnd | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why it failed (outcomes retry and failed)', example: null })
  error: string | null;
}

/** A request as stored: its options and progress. The text itself is not echoed back (it can be megabytes). */
export class IngestionResponseDto extends StatusResponseDto {
  @ApiProperty({ type: SourceMetadataDto }) source_metadata: SourceMetadataDto;
  @ApiProperty({ example: 'default', description: 'The collection the document belongs to' }) collection: string;
  @ApiProperty({ type: ChunkingOptionsDto }) chunking: ChunkingOptionsDto;
  @ApiProperty({ type: 'integer', description: 'Length of the text in characters', example: 5120 }) text_length: number;
  @ApiProperty({ type: [AttemptDto], description: 'Every processing attempt, oldest first' }) attempts_history: AttemptDto[];
}

/** `history` holds the attempts of this request (and maybe of others: a page's are read in one query). */
/** `attempts`: the request's own, oldest first. */
export function toIngestionResponse(request: IngestionRequest, attempts: readonly AttemptRow[]): IngestionResponseDto {
  return {
    ...toStatusResponse(request),
    source_metadata: request.sourceMetadata,
    collection: request.collection,
    chunking: request.chunking,
    text_length: request.textLength,
    attempts_history: attempts.map(toAttempt),
  };
}

function toAttempt(row: AttemptRow): AttemptDto {
  return {
    attempt: row.attempt,
    worker: row.worker,
    started_at: new Date(row.started_at).toISOString(),
    ended_at: row.ended_at === null ? null : new Date(row.ended_at).toISOString(),
    outcome: row.outcome,
    error: row.error,
  };
}
