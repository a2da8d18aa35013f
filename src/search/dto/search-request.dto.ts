import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IsBoundedJson, IsFloat32Array, IsReadableInstant, IsStorableText } from '../../common/storable.validators';
import { SOURCE_METADATA_LIMITS } from '../../ingestion/dto/ingest-request.dto';
import { COLLECTION_NAME, COLLECTION_NAME_MESSAGE, DEFAULT_COLLECTION } from '../../common/collection';

export const MAX_TOP_K = 100;
export const SEARCH_MODES = ['vector', 'keyword', 'hybrid'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

export class SearchRequestDto {
  @ApiPropertyOptional({
    description: 'Text to search for. Exactly one of query and vector; keyword and hybrid modes need query.',
    maxLength: 10_000,
    example: 'what does error ERR-7F3A9 mean',
  })
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  @Matches(/\S/, { message: 'query must contain at least one non-whitespace character' })
  @IsStorableText()
  query?: string;

  @ApiPropertyOptional({
    type: [Number],
    description: 'A raw query embedding of EMBEDDING_DIMENSION floats (vector mode only), instead of query',
    example: [0.011, -0.052, 0.093],
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(16_000)
  @IsNumber({ allowNaN: false, allowInfinity: false }, { each: true })
  @IsFloat32Array()
  vector?: number[];

  @ApiPropertyOptional({
    enum: SEARCH_MODES,
    default: 'vector',
    description:
      'vector: cosine similarity of embeddings (HNSW) · keyword: PostgreSQL full-text search over chunk_text, chunks with every ' +
      'query word first, then any (English stemming, stop words dropped) · hybrid: both, fused by reciprocal rank fusion (finds exact codes and part numbers ' +
      'that embeddings miss)',
    example: 'hybrid',
  })
  @IsOptional()
  @IsIn(SEARCH_MODES)
  mode?: SearchMode;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_TOP_K, default: 10, description: 'How many chunks to return' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_TOP_K)
  top_k?: number;

  @ApiPropertyOptional({
    default: DEFAULT_COLLECTION,
    pattern: COLLECTION_NAME.source,
    description: 'Search this collection only',
    example: 'handbook',
  })
  @IsOptional()
  @Matches(COLLECTION_NAME, { message: COLLECTION_NAME_MESSAGE })
  collection?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only search the chunks of this ingestion' })
  @IsOptional()
  @IsUUID()
  ingestion_id?: string;

  @ApiPropertyOptional({ type: [String], format: 'uuid', maxItems: 100, description: 'Only search the chunks of these ingestions' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID(undefined, { each: true })
  ingestion_ids?: string[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Only chunks whose source_metadata contains this object (jsonb @>): nested objects and arrays match by containment',
    example: { team: 'payments', tags: ['errors'] },
  })
  @IsOptional()
  @IsObject()
  @IsBoundedJson(SOURCE_METADATA_LIMITS)
  metadata?: Record<string, unknown>;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only chunks stored at or after this time', example: '2026-11-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  @IsReadableInstant()
  created_after?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only chunks stored before this time', example: '2026-12-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  @IsReadableInstant()
  created_before?: string;

  @ApiPropertyOptional({
    description:
      'Drop weaker hits. vector mode: cosine similarity (-1..1); keyword mode: ts_rank_cd; hybrid: applies to the vector ' +
      "retriever's candidates (keyword matches contain a query word and are kept)",
    example: 0.2,
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  min_score?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 10,
    maximum: 1000,
    description: 'HNSW candidate list size for this query (default SEARCH_EF_SEARCH): higher finds more of the true nearest, slower',
    example: 200,
  })
  @IsOptional()
  @IsInt()
  @Min(10)
  @Max(1000)
  ef_search?: number;
}

/** Request examples shown in the OpenAPI UI, one per mode. */
export const SEARCH_REQUEST_EXAMPLES = {
  text: { summary: 'Vector search by text', value: { query: 'vector similarity search in postgres', top_k: 5 } },
  hybrid: {
    summary: 'Hybrid search with filters',
    value: { query: 'what does ERR-7F3A9 mean', mode: 'hybrid', top_k: 5, collection: 'support', metadata: { team: 'payments' } },
  },
  keyword: { summary: 'Keyword search in one collection', value: { query: 'ERR-7F3A9', mode: 'keyword', collection: 'support' } },
  vector: {
    summary: 'Raw vector, recent chunks only',
    value: { vector: [0.011, -0.052, 0.093], created_after: '2026-11-01T00:00:00Z', min_score: 0.3 },
  },
};
