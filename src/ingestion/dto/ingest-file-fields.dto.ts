import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsOptional, IsString, Matches } from 'class-validator';
import { CHUNK_STRATEGIES, ChunkStrategy } from '../../chunking/chunking-options';
import { SUPPORTED_EXTENSIONS } from '../../extraction/file-kind';
import { COLLECTION_NAME, COLLECTION_NAME_MESSAGE, DEFAULT_COLLECTION } from '../../common/collection';

/** A form field holding a JSON object; anything else is left as is for @IsObject to reject. */
const parseJsonObject = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
};

/**
 * The text fields of a `POST /v1/ingest/file` form. Bounds are checked once more, with the same rules as
 * `POST /v1/ingest`, when the extracted text is handed to the ingestion service.
 */
export class IngestFileFieldsDto {
  @ApiPropertyOptional({
    type: 'string',
    description: 'A JSON object stored with every chunk, merged under the file facts',
    example: '{"team":"docs"}',
  })
  @IsOptional()
  @Transform(parseJsonObject)
  @IsObject({ message: 'source_metadata must be a JSON object' })
  source_metadata?: Record<string, unknown>;

  @ApiPropertyOptional({
    default: DEFAULT_COLLECTION,
    pattern: COLLECTION_NAME.source,
    description: 'Collection the document belongs to',
    example: 'handbook',
  })
  @IsOptional()
  @Matches(COLLECTION_NAME, { message: COLLECTION_NAME_MESSAGE })
  collection?: string;

  @ApiPropertyOptional({
    description: 'Your id for the document (as in POST /v1/ingest): uploading it again makes a new version',
    example: 'handbook.pdf',
  })
  @IsOptional()
  @IsString()
  document_id?: string;

  @ApiPropertyOptional({ enum: CHUNK_STRATEGIES, description: 'Chunking strategy (default by file type: markdown for .md, recursive otherwise)' })
  @IsOptional()
  @IsIn(CHUNK_STRATEGIES)
  chunking_strategy?: ChunkStrategy;

  @ApiPropertyOptional({ type: 'integer', description: 'Characters per chunk (default CHUNK_SIZE)', example: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  chunk_size?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'Characters shared by consecutive chunks (default CHUNK_OVERLAP)', example: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  chunk_overlap?: number;
}

/** The OpenAPI description of the whole form (the file part cannot be expressed with class-validator). */
export const INGEST_FILE_FORM_SCHEMA = {
  type: 'object',
  required: ['file'],
  properties: {
    file: { type: 'string', format: 'binary', description: `The document: ${SUPPORTED_EXTENSIONS.join(', ')}` },
    source_metadata: { type: 'string', description: 'A JSON object stored with every chunk', example: '{"team":"docs"}' },
    collection: { type: 'string', pattern: COLLECTION_NAME.source, default: DEFAULT_COLLECTION },
    document_id: { type: 'string', example: 'handbook.pdf' },
    chunking_strategy: { type: 'string', enum: CHUNK_STRATEGIES, description: 'Default by file type: markdown for .md, recursive otherwise' },
    chunk_size: { type: 'integer', example: 1000 },
    chunk_overlap: { type: 'integer', example: 200 },
  },
};
