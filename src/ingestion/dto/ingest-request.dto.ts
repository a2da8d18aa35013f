import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { CHUNK_SIZE_BOUNDS, CHUNK_STRATEGIES, ChunkStrategy, SIZE_UNITS, SizeUnit } from '../../chunking/chunking-options';
import { IsBoundedJson, IsStorableText } from '../../common/storable.validators';
import { COLLECTION_NAME, COLLECTION_NAME_MESSAGE, DEFAULT_COLLECTION } from '../../common/collection';

/** source_metadata is copied onto every chunk: keep it small. */
export const SOURCE_METADATA_LIMITS = { maxBytes: 16_384, maxDepth: 8 };
export const MAX_DOCUMENT_ID_LENGTH = 512;

export class ChunkingOptionsDto {
  @ApiPropertyOptional({
    enum: CHUNK_STRATEGIES,
    default: 'fixed',
    description:
      'fixed: windows of chunk_size with overlap, not cutting words · recursive: paragraphs, then lines, sentences, words ' +
      '(LangChain-style) · sentence: whole sentences packed up to chunk_size · markdown: sections by heading, each chunk ' +
      'with its heading path in chunk_metadata.heading_path (default CHUNK_STRATEGY)',
    example: 'markdown',
  })
  @IsOptional()
  @IsIn(CHUNK_STRATEGIES)
  strategy?: ChunkStrategy;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: CHUNK_SIZE_BOUNDS.tokens.min,
    maximum: CHUNK_SIZE_BOUNDS.characters.max,
    description: `Largest chunk, in size_unit: ${CHUNK_SIZE_BOUNDS.characters.min}-${CHUNK_SIZE_BOUNDS.characters.max} characters or ${CHUNK_SIZE_BOUNDS.tokens.min}-${CHUNK_SIZE_BOUNDS.tokens.max} tokens (default CHUNK_SIZE)`,
    example: 1000,
  })
  @IsOptional()
  @IsInt()
  @Min(CHUNK_SIZE_BOUNDS.tokens.min)
  @Max(CHUNK_SIZE_BOUNDS.characters.max)
  chunk_size?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    description: 'Size shared by consecutive chunks, in size_unit; less than chunk_size (default CHUNK_OVERLAP, at most half of chunk_size)',
    example: 200,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(50_000)
  chunk_overlap?: number;

  @ApiPropertyOptional({
    enum: SIZE_UNITS,
    default: 'characters',
    description: 'Unit of chunk_size and chunk_overlap; tokens are counted with the bundled cl100k_base tokenizer (offline)',
    example: 'tokens',
  })
  @IsOptional()
  @IsIn(SIZE_UNITS)
  size_unit?: SizeUnit;
}

/** Everything about an ingestion but its text: what a file upload's form gives beside the file. */
export class IngestOptionsDto {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: `Stored with every chunk and returned by search; at most ${SOURCE_METADATA_LIMITS.maxBytes} bytes as JSON, nested at most ${SOURCE_METADATA_LIMITS.maxDepth} levels`,
    example: { source: 'handbook.md', team: 'docs' },
  })
  @IsOptional()
  @IsObject()
  @IsBoundedJson(SOURCE_METADATA_LIMITS)
  source_metadata?: Record<string, unknown>;

  @ApiPropertyOptional({
    default: DEFAULT_COLLECTION,
    pattern: COLLECTION_NAME.source,
    description: 'Named corpus this document belongs to; search and DELETE /v1/collections/{name} work within one',
    example: 'handbook',
  })
  @IsOptional()
  @Matches(COLLECTION_NAME, { message: COLLECTION_NAME_MESSAGE })
  collection?: string;

  @ApiPropertyOptional({
    maxLength: MAX_DOCUMENT_ID_LENGTH,
    description:
      'Your own id for the document, unique within its collection. Ingesting it again (into the same collection) creates a new version that, once completed, atomically replaces ' +
      'the previous version\'s chunks; the same content as the current version is not re-processed (200, outcome "unchanged").',
    example: 'handbook.md',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_DOCUMENT_ID_LENGTH)
  @IsStorableText()
  document_id?: string;

  @ApiPropertyOptional({ type: ChunkingOptionsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ChunkingOptionsDto)
  chunking?: ChunkingOptionsDto;
}

export class IngestRequestDto extends IngestOptionsDto {
  @ApiProperty({
    description:
      'The document text, at most TEXT_LIMIT_CHARS characters (413 beyond); a body is at most BODY_LIMIT_BYTES, so upload longer texts as a file',
    example: 'PostgreSQL is a relational database. pgvector adds vector similarity search to it.',
  })
  @IsString()
  @Matches(/\S/, { message: 'text must contain at least one non-whitespace character' })
  @IsStorableText()
  text: string;
}

/** Documents in one POST /v1/ingest/batch. */
export const MAX_BATCH_DOCUMENTS = 500;

export class IngestBatchRequestDto {
  @ApiProperty({
    type: [IngestRequestDto],
    minItems: 1,
    maxItems: MAX_BATCH_DOCUMENTS,
    description: `1-${MAX_BATCH_DOCUMENTS} documents, each as the body of POST /v1/ingest; all are stored, or none (the whole body is at most BODY_LIMIT_BYTES)`,
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_DOCUMENTS)
  @ValidateNested({ each: true })
  @Type(() => IngestRequestDto)
  documents: IngestRequestDto[];
}
