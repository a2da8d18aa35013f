import type { Logger } from '@nestjs/common';

/**
 * Logs a recurring failure (a background loop retrying while the database is away) once when it starts and once
 * when it ends, instead of once per retry: an outage of minutes would otherwise write a line every tick.
 */
export class FailureStreak {
  private failures = 0;

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  /** Counts a failure; resolves to how many there have been in a row. Only the first is a warning. */
  failed(error: unknown): number {
    const message = error instanceof Error ? error.message : String(error);
    if (++this.failures === 1) this.logger.warn(`${this.what} failed (retrying; further failures are logged at debug level): ${message}`);
    else this.logger.debug(`${this.what} failed (${this.failures} in a row): ${message}`);
    return this.failures;
  }

  /** Ends a streak of failures, if there was one. */
  succeeded(): void {
    if (this.failures > 0) this.logger.log(`${this.what} works again after ${this.failures} failure(s)`);
    this.failures = 0;
  }

  get count(): number {
    return this.failures;
  }
}
