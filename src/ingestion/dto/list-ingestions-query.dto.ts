import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, isUUID, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { IsPageCursor, MAX_CURSOR_LENGTH } from '../../common/page-cursor';
import { isReadableInstant, IsReadableInstant, IsStorableText } from '../../common/storable.validators';
import type { IngestionPageKey } from '../../queue/ingestion-request.repository';
import { IngestionStatus } from '../../queue/ingestion-status';
import { COLLECTION_NAME, COLLECTION_NAME_MESSAGE } from '../../common/collection';
import { MAX_DOCUMENT_ID_LENGTH } from './ingest-request.dto';

export const MAX_PAGE_LIMIT = 500;
export const DEFAULT_INGESTION_PAGE_LIMIT = 50;
export const PAGE_ORDERS = ['desc', 'asc'] as const;
export type PageOrder = (typeof PAGE_ORDERS)[number];

/** created_at as a cursor holds it: UTC, to the microsecond. */
const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** The sort key in a GET /v1/ingest cursor: [created_at, id] of the page's last ingestion. */
export function parseIngestionPageKey(values: unknown[]): IngestionPageKey | undefined {
  const [createdAt, id] = values;
  if (values.length !== 2 || typeof createdAt !== 'string' || typeof id !== 'string' || !CURSOR_TIME.test(createdAt) || !isUUID(id)) return undefined;
  // Date rolls 2026-02-30 over into March, and PostgreSQL refuses year 0: only an instant it stores is a key.
  if (!isReadableInstant(createdAt) || new Date(createdAt).toISOString().slice(0, 23) !== createdAt.slice(0, 23)) return undefined;
  return { createdAt, id: id.toLowerCase() };
}

/** The query string of GET /v1/ingest: filters, page size, order and where to resume. */
export class ListIngestionsQueryDto {
  @ApiPropertyOptional({
    pattern: COLLECTION_NAME.source,
    description: 'Only this collection (default: every collection the API key may use)',
    example: 'support',
  })
  @IsOptional()
  @Matches(COLLECTION_NAME, { message: COLLECTION_NAME_MESSAGE })
  collection?: string;

  @ApiPropertyOptional({ enum: IngestionStatus, description: 'Only ingestions in this status', example: IngestionStatus.Completed })
  @IsOptional()
  @IsIn(Object.values(IngestionStatus))
  status?: IngestionStatus;

  @ApiPropertyOptional({ maxLength: MAX_DOCUMENT_ID_LENGTH, description: 'Only the versions of this document_id', example: 'handbook.md' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_DOCUMENT_ID_LENGTH)
  @IsStorableText()
  document_id?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only ingestions created at or after this time', example: '2026-11-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  @IsReadableInstant()
  created_after?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only ingestions created before this time', example: '2026-12-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  @IsReadableInstant()
  created_before?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE_LIMIT,
    default: DEFAULT_INGESTION_PAGE_LIMIT,
    description: 'Ingestions per page',
    example: 25,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_LIMIT)
  limit?: number;

  @ApiPropertyOptional({
    maxLength: MAX_CURSOR_LENGTH,
    description: 'The next_cursor of the previous page, unchanged (with the same filters): the page after it',
    example: 'WyIyMDI2LTEyLTAyVDEwOjAwOjAwLjEyMzQ1NloiLCIzZjFjNmEwZS01YjdkLTRmNDMtOWM1NS0wZDhmNGYyZjdhMTAiXQ',
  })
  @IsOptional()
  @IsPageCursor(parseIngestionPageKey)
  cursor?: string;

  @ApiPropertyOptional({
    enum: PAGE_ORDERS,
    default: 'desc',
    description: 'desc: newest first; asc: oldest first (by created_at, then id)',
    example: 'desc',
  })
  @IsOptional()
  @IsIn(PAGE_ORDERS)
  order?: PageOrder;
}
