import { Injectable } from '@nestjs/common';
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

/** How a text too long to travel with its claim (CLAIMED_TEXT_LIMIT) is processed; tests shrink the window. */
@Injectable()
export class LongTextOptions {
  /**
   * Chunks embedded and inserted at a time. Small, so that a window's chunks and vectors (~0.5 MB) are
   * collected young: a 50 MB text peaked 16 MB higher with windows of 512, at the same speed.
   */
  windowChunks = 128;
}

/**
 * The statement bound of background work known to take long, instead of DB_STATEMENT_TIMEOUT_MS (an API bound):
 * a long text's transaction (its first read detoasts the whole text), and deleting a superseded version's chunks
 * (133k chunks took 16 s). Still a bound, so a stalled database fails the attempt (it is retried) instead of
 * holding the worker for ever.
 */
export const LONG_WORK_STATEMENT_TIMEOUT_MS = 600_000;
