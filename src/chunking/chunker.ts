import type { ChunkingOptions, ChunkStrategy } from './chunking-options';
import type { StreamTuning } from './streaming';
import type { TextSource } from './text-source';

/**
 * One piece of a source text. `text` is always `source.slice(start, end)`, so a client can cite and highlight;
 * `metadata` carries what the strategy knows about the chunk (the markdown heading path).
 */
export interface TextChunk {
  index: number;
  text: string;
  start: number;
  end: number;
  tokenCount: number;
  metadata: Record<string, unknown>;
}

/**
 * Splits text into chunks. Implementations must be deterministic: the same text and options always give
 * the same chunks, so a retry or a re-ingest yields the same chunk ids.
 */
export abstract class Chunker {
  abstract readonly strategy: ChunkStrategy;
  abstract split(text: string, options: ChunkingOptions): TextChunk[];
  /** The chunks `split` gives, one by one, from a text read in parts (a long text is never held whole). */
  abstract stream(source: TextSource, options: ChunkingOptions, tuning?: StreamTuning): AsyncIterable<TextChunk>;
}
