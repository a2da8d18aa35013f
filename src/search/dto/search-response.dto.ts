import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ChunkMetadataDto, SourceMetadataDto } from '../../common/metadata.dto';
import type { RankedHit, Retriever } from '../search.service';
import { SEARCH_MODES, SearchMode } from './search-request.dto';

export class RetrieverScoresDto {
  @ApiPropertyOptional({ description: 'Cosine similarity from the vector retriever', example: 0.41 }) vector?: number;
  @ApiPropertyOptional({ description: 'ts_rank_cd from the keyword retriever', example: 0.1 }) keyword?: number;
}

export class SearchResultDto {
  @ApiProperty({ format: 'uuid' }) chunk_id: string;
  @ApiProperty({ format: 'uuid' }) ingestion_id: string;
  @ApiProperty({ example: 'default' }) collection: string;
  @ApiProperty({ type: 'integer', example: 0 }) chunk_index: number;
  @ApiProperty({ example: 'markdown' }) chunk_strategy: string;
  @ApiProperty({ example: 'pgvector adds vector similarity search to PostgreSQL.' }) chunk_text: string;
  @ApiProperty({ type: 'integer', description: 'Character offset of the chunk in the source text', example: 0 }) start_offset: number;
  @ApiProperty({ type: 'integer', description: 'Character offset just past the chunk', example: 52 }) end_offset: number;
  @ApiProperty({ nullable: true, type: 'integer', description: 'Tokens in the chunk (cl100k_base)', example: 11 }) token_count: number | null;
  @ApiProperty({ type: ChunkMetadataDto, description: 'What the chunker and the extractor recorded about the chunk' })
  chunk_metadata: ChunkMetadataDto;
  @ApiProperty({ type: SourceMetadataDto }) source_metadata: SourceMetadataDto;
  @ApiProperty({
    description: 'Ranking score of the mode: cosine similarity (vector), ts_rank_cd (keyword) or the reciprocal-rank-fusion sum (hybrid)',
    example: 0.83,
  })
  score: number;
  @ApiProperty({ enum: ['vector', 'keyword'], isArray: true, description: 'Which retriever(s) found the chunk', example: ['vector', 'keyword'] })
  retrievers: Retriever[];
  @ApiProperty({ type: RetrieverScoresDto, description: "Each retriever's own score for the chunk" }) scores: RetrieverScoresDto;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class SearchResponseDto {
  @ApiProperty({ enum: SEARCH_MODES, example: 'hybrid' }) mode: SearchMode;
  @ApiProperty({ type: [SearchResultDto], description: 'Best match first' }) results: SearchResultDto[];
  @ApiPropertyOptional({
    description: 'Only when results is empty: why that may be (ingestions still pending, an empty collection, or no match)',
    example: '2 ingestion(s) of collection "support" are not completed yet; their chunks are searchable once they are',
  })
  hint?: string;
}

export function toSearchResult({ hit, score, retrievers, scores }: RankedHit): SearchResultDto {
  return {
    chunk_id: hit.chunkId,
    ingestion_id: hit.ingestionId,
    collection: hit.collection,
    chunk_index: hit.chunkIndex,
    chunk_strategy: hit.chunkStrategy,
    chunk_text: hit.chunkText,
    start_offset: hit.startOffset,
    end_offset: hit.endOffset,
    token_count: hit.tokenCount,
    chunk_metadata: hit.chunkMetadata,
    source_metadata: hit.sourceMetadata,
    score,
    retrievers,
    scores,
    created_at: hit.createdAt.toISOString(),
  };
}
