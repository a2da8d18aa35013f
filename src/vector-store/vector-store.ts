import type { SqlEntityManager } from '../database/sql';

/** A chunk ready to store: its text, where it came from in the source, and its embedding. */
export interface ChunkToStore {
  index: number;
  text: string;
  start: number;
  end: number;
  embedding: Float32Array;
  /** Stored as chunk_metadata (e.g. the PDF page); `{}` when absent. */
  metadata?: Record<string, unknown>;
}

export interface ChunkSet {
  ingestionId: string;
  strategy: string;
  sourceMetadata: Record<string, unknown>;
  chunks: ChunkToStore[];
}

export interface VectorQuery {
  vector: Float32Array;
  topK: number;
  ingestionId?: string;
}

export interface SearchHit {
  chunkId: string;
  ingestionId: string;
  chunkIndex: number;
  chunkStrategy: string;
  chunkText: string;
  startOffset: number;
  endOffset: number;
  sourceMetadata: Record<string, unknown>;
  chunkMetadata: Record<string, unknown>;
  createdAt: Date;
  /** Cosine similarity, 1 = same direction. */
  score: number;
}

/** Where chunk vectors live. Writes take the caller's transaction so chunks and status commit together. */
export abstract class VectorStore {
  /** Replaces every chunk of the ingestion with `set.chunks` (a retry overwrites, never duplicates). */
  abstract replaceChunks(tx: SqlEntityManager, set: ChunkSet): Promise<void>;
  abstract search(query: VectorQuery): Promise<SearchHit[]>;
  /** Removes the ingestion's chunks; returns how many there were. */
  abstract deleteByIngestion(tx: SqlEntityManager, ingestionId: string): Promise<number>;
}
