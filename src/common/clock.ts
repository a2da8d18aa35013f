/**
 * The time the service reads when it decides by how long something lasted (how long ingestion has been idle).
 * Tests substitute one they move by hand, so such decisions are tested without waiting or timing.
 */
export abstract class Clock {
  /** Milliseconds since the epoch. */
  abstract now(): number;
}

export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }
}
