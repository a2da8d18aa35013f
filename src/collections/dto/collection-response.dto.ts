import { ApiProperty } from '@nestjs/swagger';
import type { CollectionSummary } from '../../queue/ingestion-request.repository';
import { IngestionStatus } from '../../queue/ingestion-status';

/** How many ingestions of a collection are in each status. */
export class IngestionCountsDto {
  @ApiProperty({ type: 'integer', description: 'Waiting for a worker (new, or backing off before a retry)', example: 2 }) accepted: number;
  @ApiProperty({ type: 'integer', description: 'Being chunked and embedded', example: 1 }) running: number;
  @ApiProperty({ type: 'integer', description: 'Stored and searchable', example: 40 }) completed: number;
  @ApiProperty({ type: 'integer', description: 'Failed for good', example: 0 }) failed: number;
  @ApiProperty({ type: 'integer', description: 'Older versions of a document, replaced by a newer one', example: 3 }) superseded: number;
  @ApiProperty({ type: 'integer', description: 'Cancelled before they completed (nothing stored)', example: 0 }) cancelled: number;
}

export class CollectionResponseDto {
  @ApiProperty({ example: 'support' }) name: string;
  @ApiProperty({ type: IngestionCountsDto, description: 'Its ingestions, by status' }) ingestions: IngestionCountsDto;
  @ApiProperty({ type: 'integer', description: 'Chunks stored in it: what a search of it can find', example: 340 }) chunks: number;
  @ApiProperty({ format: 'date-time', description: 'When one of its ingestions last changed', example: '2026-12-02T10:00:00.000Z' })
  updated_at: string;
}

export class CollectionListResponseDto {
  @ApiProperty({ type: [CollectionResponseDto], description: 'Every collection that has ingestions and that the API key may use, by name' })
  items: CollectionResponseDto[];
}

export function toCollectionResponse(summary: CollectionSummary, chunks: number): CollectionResponseDto {
  const { counts } = summary;
  return {
    name: summary.collection,
    ingestions: {
      accepted: counts[IngestionStatus.Accepted],
      running: counts[IngestionStatus.Running],
      completed: counts[IngestionStatus.Completed],
      failed: counts[IngestionStatus.Failed],
      superseded: counts[IngestionStatus.Superseded],
      cancelled: counts[IngestionStatus.Cancelled],
    },
    chunks,
    updated_at: summary.updatedAt.toISOString(),
  };
}
