/** fixed: character/token windows · recursive: paragraph → line → sentence → word · sentence · markdown: by heading. */
export type ChunkStrategy = 'fixed' | 'recursive' | 'sentence' | 'markdown';
export const CHUNK_STRATEGIES: ChunkStrategy[] = ['fixed', 'recursive', 'sentence', 'markdown'];

/** What chunk_size and chunk_overlap count: characters, or tokens of the bundled cl100k_base tokenizer. */
export type SizeUnit = 'characters' | 'tokens';
export const SIZE_UNITS: SizeUnit[] = ['characters', 'tokens'];

/** Bounds of chunk_size per unit: a token is ~4 characters of English, and embedding models take ≤ 8192 tokens. */
export const CHUNK_SIZE_BOUNDS: Record<SizeUnit, { min: number; max: number }> = {
  characters: { min: 16, max: 100_000 },
  tokens: { min: 8, max: 8192 },
};

/** How a request's text is split; stored with the request so a retry splits it the same way. */
export interface ChunkingOptions {
  strategy: ChunkStrategy;
  chunk_size: number;
  chunk_overlap: number;
  /** Absent on requests stored before size units existed: characters. */
  size_unit?: SizeUnit;
}

export interface ChunkingDefaults {
  strategy: ChunkStrategy;
  chunkSize: number;
  chunkOverlap: number;
}

/**
 * A request's options over the server defaults. The default overlap never exceeds half the requested size,
 * so asking only for a small chunk_size stays valid. Returns the problem for an invalid combination.
 */
export function resolveChunkingOptions(
  requested: Partial<ChunkingOptions>,
  defaults: ChunkingDefaults,
): { options: ChunkingOptions; problem?: { field: string; message: string } } {
  const size_unit = requested.size_unit ?? 'characters';
  const chunk_size = requested.chunk_size ?? defaults.chunkSize;
  const options: ChunkingOptions = {
    strategy: requested.strategy ?? defaults.strategy,
    chunk_size,
    chunk_overlap: requested.chunk_overlap ?? Math.min(defaults.chunkOverlap, Math.floor(chunk_size / 2)),
    size_unit,
  };
  const bounds = CHUNK_SIZE_BOUNDS[size_unit];
  if (chunk_size < bounds.min || chunk_size > bounds.max) {
    return {
      options,
      problem: { field: 'chunking.chunk_size', message: `chunk_size in ${size_unit} must be between ${bounds.min} and ${bounds.max}` },
    };
  }
  if (options.chunk_overlap >= chunk_size) {
    return {
      options,
      problem: { field: 'chunking.chunk_overlap', message: `chunk_overlap (${options.chunk_overlap}) must be less than chunk_size (${chunk_size})` },
    };
  }
  return { options };
}
