import type { ChunkingOptions, ChunkStrategy } from './chunking-options';

/** One piece of a source text; start/end are character offsets into it, so a client can cite and highlight. */
export interface TextChunk {
  index: number;
  text: string;
  start: number;
  end: number;
}

/**
 * Splits text into chunks. Implementations must be deterministic: the same text and options always give
 * the same chunks, so a retry or a re-ingest yields the same chunk ids.
 */
export abstract class Chunker {
  abstract readonly strategy: ChunkStrategy;
  abstract split(text: string, options: ChunkingOptions): TextChunk[];
}
