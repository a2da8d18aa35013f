import { ApiProperty } from '@nestjs/swagger';
import { SourceMetadataDto } from '../../common/metadata.dto';
import type { IngestionRequest } from '../../queue/ingestion-request.entity';
import { StatusResponseDto, toStatusResponse } from '../../status/dto/status-response.dto';
import { ChunkingOptionsDto } from './ingest-request.dto';

/** A request as stored: its options and progress. The text itself is not echoed back (it can be megabytes). */
export class IngestionResponseDto extends StatusResponseDto {
  @ApiProperty({ type: SourceMetadataDto }) source_metadata: SourceMetadataDto;
  @ApiProperty({ example: 'default', description: 'The collection the document belongs to' }) collection: string;
  @ApiProperty({ type: ChunkingOptionsDto }) chunking: ChunkingOptionsDto;
  @ApiProperty({ type: 'integer', description: 'Length of the text in characters', example: 5120 }) text_length: number;
}

export function toIngestionResponse(request: IngestionRequest): IngestionResponseDto {
  return {
    ...toStatusResponse(request),
    source_metadata: request.sourceMetadata,
    collection: request.collection,
    chunking: request.chunking,
    text_length: request.textLength,
  };
}
