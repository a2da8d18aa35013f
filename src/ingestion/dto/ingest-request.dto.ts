import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import type { ChunkStrategy } from '../../chunking/chunking-options';
import { IsBoundedJson, IsStorableText } from '../../common/storable.validators';

export const CHUNK_STRATEGIES: ChunkStrategy[] = ['fixed'];
export const MAX_TEXT_LENGTH = 5_000_000;
/** source_metadata is copied onto every chunk: keep it small. */
export const SOURCE_METADATA_LIMITS = { maxBytes: 16_384, maxDepth: 8 };
export const MAX_DOCUMENT_ID_LENGTH = 512;

export class ChunkingOptionsDto {
  @ApiPropertyOptional({ enum: CHUNK_STRATEGIES, default: 'fixed', description: 'fixed: character windows with overlap' })
  @IsOptional()
  @IsIn(CHUNK_STRATEGIES)
  strategy?: ChunkStrategy;

  @ApiPropertyOptional({ minimum: 16, maximum: 100_000, description: 'Characters per chunk (default CHUNK_SIZE)', example: 1000 })
  @IsOptional()
  @IsInt()
  @Min(16)
  @Max(100_000)
  chunk_size?: number;

  @ApiPropertyOptional({ minimum: 0, description: 'Characters shared by consecutive chunks; less than chunk_size (default CHUNK_OVERLAP)', example: 200 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(50_000)
  chunk_overlap?: number;
}

export class IngestRequestDto {
  @ApiProperty({ description: 'The document text', maxLength: MAX_TEXT_LENGTH, example: 'PostgreSQL is a relational database. pgvector adds vector similarity search to it.' })
  @IsString()
  @MaxLength(MAX_TEXT_LENGTH)
  @Matches(/\S/, { message: 'text must contain at least one non-whitespace character' })
  @IsStorableText()
  text: string;

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
    maxLength: MAX_DOCUMENT_ID_LENGTH,
    description:
      'Your own id for the document. Ingesting it again creates a new version that, once completed, atomically replaces ' +
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
