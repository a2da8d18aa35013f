import { ApiProperty } from '@nestjs/swagger';
import type { SearchHit } from '../../vector-store/vector-store';

export class SearchResultDto {
  @ApiProperty({ format: 'uuid' }) chunk_id: string;
  @ApiProperty({ format: 'uuid' }) ingestion_id: string;
  @ApiProperty({ example: 0 }) chunk_index: number;
  @ApiProperty({ example: 'fixed' }) chunk_strategy: string;
  @ApiProperty({ example: 'pgvector adds vector similarity search to PostgreSQL.' }) chunk_text: string;
  @ApiProperty({ description: 'Character offset of the chunk in the source text', example: 0 }) start_offset: number;
  @ApiProperty({ description: 'Character offset just past the chunk', example: 52 }) end_offset: number;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { source: 'handbook.md' } })
  source_metadata: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Per-chunk metadata, e.g. the PDF page', example: { page: 3 } })
  chunk_metadata: Record<string, unknown>;
  @ApiProperty({ description: 'Cosine similarity between query and chunk, -1..1 (higher is closer)', example: 0.83 })
  score: number;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class SearchResponseDto {
  @ApiProperty({ type: [SearchResultDto], description: 'Best match first' }) results: SearchResultDto[];
}

export function toSearchResult(hit: SearchHit): SearchResultDto {
  return {
    chunk_id: hit.chunkId,
    ingestion_id: hit.ingestionId,
    chunk_index: hit.chunkIndex,
    chunk_strategy: hit.chunkStrategy,
    chunk_text: hit.chunkText,
    start_offset: hit.startOffset,
    end_offset: hit.endOffset,
    source_metadata: hit.sourceMetadata,
    chunk_metadata: hit.chunkMetadata,
    score: hit.score,
    created_at: hit.createdAt.toISOString(),
  };
}
