import { Clock } from '../../src/common/clock';

/** A Clock that stands still until a test moves it: durations are decided without waiting for them. */
export class ManualClock extends Clock {
  private at = Date.parse('2026-12-01T00:00:00Z');

  now(): number {
    return this.at;
  }

  advance(ms: number): void {
    this.at += ms;
  }
}
