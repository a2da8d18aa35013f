import type { SearchFilters, SearchHit } from './vector-store';

/** The chunk_vectors columns a search hit carries (every search mode selects these, plus a `score`). */
export const HIT_COLUMNS = `chunk_id, ingestion_id, collection, chunk_index, chunk_strategy, chunk_text, start_offset, end_offset,
  token_count, chunk_metadata, source_metadata, created_at`;

export interface HitRow {
  chunk_id: string;
  ingestion_id: string;
  collection: string;
  chunk_index: number;
  chunk_strategy: string;
  chunk_text: string;
  start_offset: number;
  end_offset: number;
  token_count: number | null;
  chunk_metadata: Record<string, unknown>;
  source_metadata: Record<string, unknown>;
  created_at: Date | string;
  score: number | string;
}

/** The filters as SQL conditions with bound parameters numbered from `$firstParam`. */
export function whereClause(filters: SearchFilters, firstParam: number): { sql: string; params: unknown[] } {
  const conditions = ['true'];
  const params: unknown[] = [];
  const bind = (value: unknown) => `$${firstParam + params.push(value) - 1}`;
  if (filters.collection !== undefined) conditions.push(`collection = ${bind(filters.collection)}`);
  if (filters.ingestionIds?.length) conditions.push(`ingestion_id = any(${bind(filters.ingestionIds)}::uuid[])`);
  if (filters.metadata && Object.keys(filters.metadata).length > 0) {
    conditions.push(`source_metadata @> ${bind(JSON.stringify(filters.metadata))}::jsonb`);
  }
  if (filters.createdAfter) conditions.push(`created_at >= ${bind(filters.createdAfter)}`);
  if (filters.createdBefore) conditions.push(`created_at < ${bind(filters.createdBefore)}`);
  return { sql: conditions.join(' and '), params };
}

export function toHit(r: HitRow): SearchHit {
  return {
    chunkId: r.chunk_id,
    ingestionId: r.ingestion_id,
    collection: r.collection,
    chunkIndex: r.chunk_index,
    chunkStrategy: r.chunk_strategy,
    chunkText: r.chunk_text,
    startOffset: r.start_offset,
    endOffset: r.end_offset,
    tokenCount: r.token_count,
    chunkMetadata: r.chunk_metadata,
    sourceMetadata: r.source_metadata,
    createdAt: new Date(r.created_at),
    score: Number(r.score),
  };
}
