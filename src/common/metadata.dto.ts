import { ApiPropertyOptional } from '@nestjs/swagger';

/** What the chunker and the extractor record about a chunk (open: a future chunker may add fields). */
export class ChunkMetadataDto {
  [key: string]: unknown;
  @ApiPropertyOptional({
    type: [String],
    description: 'Markdown chunks: the headings above the chunk, outermost first',
    example: ['Guide', 'Install'],
  })
  heading_path?: string[];
  @ApiPropertyOptional({ type: 'integer', minimum: 1, description: 'PDF chunks: the page the chunk starts on (from 1)', example: 3 })
  page?: number;
  @ApiPropertyOptional({ type: 'integer', minimum: 1, description: 'PDF chunks that run onto later pages: the last page', example: 4 })
  page_end?: number;
}

/** The client's own source_metadata, plus what POST /v1/ingest/file records about the file. */
export class SourceMetadataDto {
  [key: string]: unknown;
  @ApiPropertyOptional({ description: 'Where the text came from (the file name for uploads, unless the client sets it)', example: 'handbook.md' })
  source?: string;
  @ApiPropertyOptional({ description: 'Uploads: the uploaded file name', example: 'handbook.pdf' })
  file_name?: string;
  @ApiPropertyOptional({ description: 'Uploads: the detected media type', example: 'application/pdf' })
  content_type?: string;
  @ApiPropertyOptional({ type: 'integer', description: 'Uploads: the file size in bytes', example: 182044 })
  size_bytes?: number;
  @ApiPropertyOptional({ description: "Uploads: hex SHA-256 of the file's bytes", example: 'a3f1c0…' })
  sha256?: string;
  @ApiPropertyOptional({ type: 'integer', description: 'PDF uploads: the number of pages', example: 12 })
  page_count?: number;
}

/** Schemas that stay open in the OpenAPI document: other keys are the client's own or a chunker's. */
export const OPEN_SCHEMAS = [ChunkMetadataDto.name, SourceMetadataDto.name];
