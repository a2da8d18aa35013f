import { ApiProperty } from '@nestjs/swagger';
import type { IngestionRequest } from '../../queue/ingestion-request.entity';
import { IngestionStatus } from '../../queue/ingestion-status';
import type { SubmitOutcome } from '../../queue/submission.service';

export class IngestAcceptedResponseDto {
  @ApiProperty({ format: 'uuid', example: '3f1c6a0e-5b7d-4f43-9c55-0d8f4f2f7a10' }) id: string;
  @ApiProperty({
    enum: IngestionStatus,
    example: IngestionStatus.Accepted,
    description: 'accepted for a new ingestion; the current status otherwise',
  })
  status: IngestionStatus;
  @ApiProperty({ description: 'Where to poll for progress', example: '/v1/status/3f1c6a0e-5b7d-4f43-9c55-0d8f4f2f7a10' })
  status_url: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({
    enum: ['created', 'replayed', 'unchanged'],
    example: 'created',
    description:
      'created (202): a new ingestion. replayed (200): the ingestion made earlier with this Idempotency-Key and body. ' +
      "unchanged (200): the document_id's current version has the same content; nothing new is processed.",
  })
  outcome: SubmitOutcome;
  @ApiProperty({ type: String, nullable: true, example: null }) document_id: string | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Version of document_id, counting from 1', example: null })
  document_version: number | null;
}

export function toIngestAcceptedResponse(request: IngestionRequest, outcome: SubmitOutcome): IngestAcceptedResponseDto {
  return {
    id: request.id,
    status: request.status,
    status_url: `/v1/status/${request.id}`,
    created_at: request.createdAt.toISOString(),
    outcome,
    document_id: request.documentId ?? null,
    document_version: request.documentVersion ?? null,
  };
}

export class IngestBatchAcceptedResponseDto {
  @ApiProperty({ type: [IngestAcceptedResponseDto], description: 'One per document, in the order sent' })
  ingestions: IngestAcceptedResponseDto[];
}
