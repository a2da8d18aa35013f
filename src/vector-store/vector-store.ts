import type { SqlEntityManager } from '../database/sql';

/** A chunk ready to store: its text, where it came from in the source, what the chunker knew, and its embedding. */
export interface ChunkToStore {
  index: number;
  text: string;
  start: number;
  end: number;
  embedding: Float32Array;
  tokenCount?: number;
  /** Per-chunk metadata (the markdown heading path, the PDF page…), returned by search as `chunk_metadata`. */
  metadata?: Record<string, unknown>;
}

export interface ChunkSet {
  ingestionId: string;
  /** The collection the ingestion belongs to; searches and deletes work within one. */
  collection: string;
  strategy: string;
  sourceMetadata: Record<string, unknown>;
  chunks: ChunkToStore[];
}

/** Restricts a search; every given filter must hold. */
export interface SearchFilters {
  /** Only this collection; every collection when absent. */
  collection?: string;
  ingestionIds?: string[];
  /** Chunks whose source_metadata contains this object (jsonb `@>`). */
  metadata?: Record<string, unknown>;
  /** Chunks stored at or after / before this time. */
  createdAfter?: Date;
  createdBefore?: Date;
}

export interface VectorQuery extends SearchFilters {
  vector: Float32Array;
  topK: number;
  /** Drop hits whose cosine similarity is below this. */
  minScore?: number;
  /** HNSW candidate list size for this query (hnsw.ef_search); the store's default when absent. */
  efSearch?: number;
}

export interface KeywordQuery extends SearchFilters {
  text: string;
  topK: number;
  /** Drop hits whose text-search rank is below this. */
  minScore?: number;
}

export interface SearchHit {
  chunkId: string;
  ingestionId: string;
  collection: string;
  chunkIndex: number;
  chunkStrategy: string;
  chunkText: string;
  startOffset: number;
  endOffset: number;
  tokenCount: number | null;
  chunkMetadata: Record<string, unknown>;
  sourceMetadata: Record<string, unknown>;
  createdAt: Date;
  /** Vector search: cosine similarity, 1 = same direction. Keyword search: PostgreSQL's ts_rank_cd. */
  score: number;
}

/** A chunk as stored, for reading back an ingestion's chunks. */
export interface StoredChunk {
  chunkId: string;
  index: number;
  text: string;
  start: number;
  end: number;
  tokenCount: number | null;
  metadata: Record<string, unknown>;
  /** Only when asked for. */
  embedding?: number[];
}

export interface ChunkPageQuery {
  ingestionId: string;
  /** Resume after this chunk_index. */
  afterIndex?: number;
  limit: number;
  withEmbeddings: boolean;
}

export interface ChunkPage {
  chunks: StoredChunk[];
  /** The last chunk's index when more follow; undefined on the last page. */
  next?: number;
}

/** Where chunk vectors live. Writes take the caller's transaction so chunks and status commit together. */
export abstract class VectorStore {
  /** Replaces every chunk of each set's ingestion with `set.chunks` (a retry overwrites, never duplicates). */
  abstract replaceChunks(tx: SqlEntityManager, sets: readonly ChunkSet[]): Promise<void>;
  /** Adds `set.chunks` to what each set's ingestion already has in `tx` (a long text, stored window by window). */
  abstract appendChunks(tx: SqlEntityManager, sets: readonly ChunkSet[]): Promise<void>;
  /** Nearest chunks by cosine distance; returns `topK` when that many pass the filters. */
  abstract search(query: VectorQuery): Promise<SearchHit[]>;
  /**
   * Chunks matching the text (PostgreSQL full-text search): those holding every word first, then, when fewer
   * than `topK` do, those holding any; best rank first within each, over a bounded candidate set.
   */
  abstract searchKeyword(query: KeywordQuery): Promise<SearchHit[]>;
  /** Removes the ingestion's chunks; returns how many there were. */
  abstract deleteByIngestion(tx: SqlEntityManager, ingestionId: string): Promise<number>;
  /** Removes every chunk of the collection; returns how many there were. */
  abstract deleteByCollection(tx: SqlEntityManager, collection: string): Promise<number>;
  /** Whether the collection holds any chunk (an index probe, not a count). */
  abstract hasChunks(collection: string): Promise<boolean>;
  /** An ingestion's chunks in chunk_index order, a page at a time. */
  abstract listChunks(query: ChunkPageQuery): Promise<ChunkPage>;
  /** Chunks per collection (of `collections` only, unless null), in `tx`; a collection without chunks is absent. */
  abstract countByCollection(tx: SqlEntityManager, collections: readonly string[] | null): Promise<Map<string, number>>;
}
