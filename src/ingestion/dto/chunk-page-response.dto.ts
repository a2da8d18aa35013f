import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ChunkMetadataDto } from '../../common/metadata.dto';
import { encodeCursor } from '../../common/page-cursor';
import type { ChunkPage, StoredChunk } from '../../vector-store/vector-store';

/** One stored chunk of an ingestion, as search returns it, without the ingestion's own fields. */
export class ChunkDto {
  @ApiProperty({ format: 'uuid', example: '9b2e4c1a-7d3f-5a61-8e0b-2c4d6f8a0b1c' }) chunk_id: string;
  @ApiProperty({ type: 'integer', description: 'Position of the chunk in its text, from 0', example: 0 }) chunk_index: number;
  @ApiProperty({ example: 'pgvector adds vector similarity search to PostgreSQL.' }) text: string;
  @ApiProperty({ type: 'integer', description: 'Character offset of the chunk in the source text', example: 0 }) start_offset: number;
  @ApiProperty({ type: 'integer', description: 'Character offset just past the chunk', example: 52 }) end_offset: number;
  @ApiProperty({ nullable: true, type: 'integer', description: 'Tokens in the chunk (cl100k_base)', example: 11 }) token_count: number | null;
  @ApiProperty({ type: ChunkMetadataDto, description: 'What the chunker and the extractor recorded about the chunk' }) metadata: ChunkMetadataDto;
  @ApiPropertyOptional({ type: [Number], description: 'With include=embedding: the stored vector', example: [0.011, -0.052, 0.093] })
  embedding?: number[];
}

/** One page of GET /v1/ingest/{id}/chunks. */
export class ChunkPageResponseDto {
  @ApiProperty({ type: [ChunkDto], description: 'In chunk_index order; empty until the ingestion has completed' }) items: ChunkDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page; null on the last page', example: 'Wzk5XQ' })
  next_cursor: string | null;
}

function toChunk(chunk: StoredChunk): ChunkDto {
  return {
    chunk_id: chunk.chunkId,
    chunk_index: chunk.index,
    text: chunk.text,
    start_offset: chunk.start,
    end_offset: chunk.end,
    token_count: chunk.tokenCount,
    metadata: chunk.metadata,
    ...(chunk.embedding === undefined ? {} : { embedding: chunk.embedding }),
  };
}

export function toChunkPageResponse(page: ChunkPage): ChunkPageResponseDto {
  return { items: page.chunks.map(toChunk), next_cursor: page.next === undefined ? null : encodeCursor([page.next]) };
}
