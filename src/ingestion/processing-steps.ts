import type { ClaimedRequest } from '../queue/job-queue';
import type { ChunkSet, ChunkToStore } from '../vector-store/vector-store';

/** A claimed request, chunked and embedded, ready to store. */
export interface Prepared {
  request: ClaimedRequest;
  chunks: ChunkToStore[];
}

/** The worker lost its claim (lease expired and another worker took over, or the request was deleted). */
export class LostClaimError extends Error {}

/** A prepared request's chunks, as the vector store takes them. */
export function toChunkSet({ request, chunks }: Prepared): ChunkSet {
  return {
    ingestionId: request.id,
    collection: request.collection,
    strategy: request.chunking.strategy,
    sourceMetadata: request.sourceMetadata,
    chunks,
  };
}

/** The items in arrays of `size` (the last one shorter). */
export async function* inWindows<T>(items: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let window: T[] = [];
  for await (const item of items) {
    window.push(item);
    if (window.length === size) {
      yield window;
      window = [];
    }
  }
  if (window.length > 0) yield window;
}
