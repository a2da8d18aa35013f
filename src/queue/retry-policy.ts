/**
 * When a failed attempt is tried again. The contract between whatever fails during processing and this
 * policy: an error that carries a boolean `retryable` property is taken at its word (embedding providers set
 * false for a 4xx that will never succeed, true for timeouts and 5xx); any other error is retryable, so an
 * unknown failure is retried up to MAX_ATTEMPTS rather than dropped.
 */
export function isRetryable(error: unknown): boolean {
  const flag = (error as { retryable?: unknown } | null | undefined)?.retryable;
  return typeof flag === 'boolean' ? flag : true;
}

/** A processing failure with an explicit retry decision. */
export class ProcessingError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ProcessingError';
  }
}

/**
 * The pause before attempt `attempt + 1`: RETRY_BASE_DELAY_MS doubled per attempt, with jitter (half to all
 * of it) so requests that failed together (a provider outage) do not all come back at the same moment.
 */
export function backoffDelayMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  return baseMs * 2 ** (attempt - 1) * (0.5 + random() / 2);
}
