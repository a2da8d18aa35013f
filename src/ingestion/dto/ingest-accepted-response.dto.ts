import { ApiProperty } from '@nestjs/swagger';
import type { IngestionRequest } from '../../status/ingestion-request.entity';
import { IngestionStatus } from '../../status/ingestion-status';

export class IngestAcceptedResponseDto {
  @ApiProperty({ format: 'uuid', example: '3f1c6a0e-5b7d-4f43-9c55-0d8f4f2f7a10' }) id: string;
  @ApiProperty({ enum: [IngestionStatus.Accepted], example: IngestionStatus.Accepted }) status: IngestionStatus;
  @ApiProperty({ description: 'Where to poll for progress', example: '/v1/status/3f1c6a0e-5b7d-4f43-9c55-0d8f4f2f7a10' })
  status_url: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export function toIngestAcceptedResponse(request: IngestionRequest): IngestAcceptedResponseDto {
  return { id: request.id, status: request.status, status_url: `/v1/status/${request.id}`, created_at: request.createdAt.toISOString() };
}
