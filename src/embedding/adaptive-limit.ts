/** How a provider request ended, as the limit learns from it. */
export type RequestOutcome = 'ok' | 'throttled' | 'error';

/** What a process did with the provider since it last reported to the shared budget. */
export interface Usage {
  /** It sent requests. */
  used: boolean;
  /** Some request had to wait for a slot: it would use more. */
  wanted: boolean;
  /** Requests the provider answered 429. */
  throttles: number;
}

/**
 * Successes, per request allowed in flight, before one more is allowed: slow growth, so that probing past the
 * provider's limit costs about one 429 in this many requests.
 */
const GROWTH_SUCCESSES_PER_SLOT = 16;

/**
 * How many embedding requests this process may have in flight: at most its share of the budget (`share`, set
 * from the database when several processes share a provider, see EmbeddingBudget), lowered at once on a 429
 * to one below what was in flight when it came, raised one at a time as requests succeed. Waiters queue in
 * order; an aborted waiter leaves the queue. Pure bookkeeping: no timers, no I/O.
 */
export class AdaptiveLimit {
  private limit: number;
  private inFlight = 0;
  private successes = 0;
  private usage: Usage = { used: false, wanted: false, throttles: 0 };
  private readonly waiters: (() => void)[] = [];

  constructor(private share: number) {
    this.limit = share;
  }

  /** This process's share of the budget: the most it may ever have in flight now. */
  get shareOf(): number {
    return this.share;
  }

  /** Requests allowed in flight now. */
  get allowed(): number {
    return Math.max(1, Math.min(this.limit, this.share));
  }

  get running(): number {
    return this.inFlight;
  }

  /** This process's share of the provider's budget (at least 1). */
  setShare(share: number): void {
    this.share = Math.max(1, share);
    this.wake();
  }

  /** Resolves when a slot is free (then held until release), or rejects with the signal's reason once it aborts. */
  acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.usage.used = true;
    if (this.inFlight < this.allowed && this.waiters.length === 0) {
      this.inFlight++;
      return Promise.resolve();
    }
    this.usage.wanted = true;
    return new Promise<void>((resolve, reject) => {
      const take = () => {
        signal?.removeEventListener('abort', abort);
        this.inFlight++;
        resolve();
      };
      const abort = () => {
        const at = this.waiters.indexOf(take);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(signal?.reason as Error);
      };
      this.waiters.push(take);
      signal?.addEventListener('abort', abort, { once: true });
    });
  }

  /** Gives the slot back and learns from how the request ended. */
  release(outcome: RequestOutcome): void {
    if (outcome === 'throttled') {
      // The provider took fewer than were in flight: allow one fewer than that from now on.
      this.limit = Math.max(1, Math.min(this.limit, this.inFlight - 1));
      this.successes = 0;
      this.usage.throttles++;
    } else if (outcome === 'ok' && ++this.successes >= GROWTH_SUCCESSES_PER_SLOT * this.limit && this.limit < this.share) {
      this.limit++;
      this.successes = 0;
    }
    this.inFlight--;
    this.wake();
  }

  /** What happened since the last call. */
  takeUsage(): Usage {
    const usage = this.usage;
    this.usage = { used: false, wanted: false, throttles: 0 };
    return usage;
  }

  private wake(): void {
    while (this.waiters.length > 0 && this.inFlight < this.allowed) this.waiters.shift()!();
  }
}
