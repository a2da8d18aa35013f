import { ApiProperty } from '@nestjs/swagger';
import { encodeCursor } from '../../common/page-cursor';
import type { IngestionPage } from '../../queue/ingestion-request.repository';
import type { AttemptRow } from '../../queue/sql/attempts';
import { IngestionResponseDto, toIngestionResponse } from './ingestion-response.dto';

/** One page of GET /v1/ingest. */
export class IngestionPageResponseDto {
  @ApiProperty({ type: [IngestionResponseDto], description: 'Each as GET /v1/ingest/{id} answers it, in the order asked for' })
  items: IngestionResponseDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as cursor (with the same filters) for the next page; null on the last page',
    example: 'WyIyMDI2LTEyLTAyVDEwOjAwOjAwLjEyMzQ1NloiLCIzZjFjNmEwZS01YjdkLTRmNDMtOWM1NS0wZDhmNGYyZjdhMTAiXQ',
  })
  next_cursor: string | null;
}

export function toIngestionPageResponse(page: IngestionPage, history: ReadonlyMap<string, readonly AttemptRow[]>): IngestionPageResponseDto {
  return {
    items: page.requests.map((request) => toIngestionResponse(request, history.get(request.id) ?? [])),
    next_cursor: page.next ? encodeCursor([page.next.createdAt, page.next.id]) : null,
  };
}
