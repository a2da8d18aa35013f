import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsPageCursor, MAX_CURSOR_LENGTH } from '../../common/page-cursor';
import { MAX_PAGE_LIMIT } from './list-ingestions-query.dto';

export const DEFAULT_CHUNK_PAGE_LIMIT = 100;
export const CHUNK_INCLUDES = ['embedding'] as const;

/** The sort key in a GET /v1/ingest/{id}/chunks cursor: [chunk_index] of the page's last chunk. */
export function parseChunkPageKey(values: unknown[]): number | undefined {
  const [index] = values;
  return values.length === 1 && Number.isSafeInteger(index) && (index as number) >= 0 && (index as number) <= 2 ** 31 - 1
    ? (index as number)
    : undefined;
}

/** The query string of GET /v1/ingest/{id}/chunks. */
export class ListChunksQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE_LIMIT,
    default: DEFAULT_CHUNK_PAGE_LIMIT,
    description: 'Chunks per page',
    example: 100,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_LIMIT)
  limit?: number;

  @ApiPropertyOptional({
    maxLength: MAX_CURSOR_LENGTH,
    description: 'The next_cursor of the previous page, unchanged: the chunks after it',
    example: 'Wzk5XQ',
  })
  @IsOptional()
  @IsPageCursor(parseChunkPageKey)
  cursor?: string;

  @ApiPropertyOptional({
    enum: CHUNK_INCLUDES,
    description: "embedding: add each chunk's stored vector (EMBEDDING_DIMENSION numbers)",
    example: 'embedding',
  })
  @IsOptional()
  @IsIn(CHUNK_INCLUDES)
  include?: (typeof CHUNK_INCLUDES)[number];
}
