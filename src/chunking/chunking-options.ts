export type ChunkStrategy = 'fixed';

/** How a request's text is split; stored with the request so a retry splits it the same way. */
export interface ChunkingOptions {
  strategy: ChunkStrategy;
  chunk_size: number;
  chunk_overlap: number;
}
