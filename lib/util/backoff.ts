/**
 * Exponential back-off after failures: the first retry after `initialMs`,
 * doubling up to `maxMs`; a success resets it.
 */
export class Backoff {
  private count = 0;
  private until = 0;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {}

  /** Failures since the last success. */
  get failures(): number {
    return this.count;
  }

  /** Notes a failure; returns the delay before the next attempt, ms. */
  failed(): number {
    this.count++;
    const delay = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(30, this.count - 1));
    this.until = Date.now() + delay;
    return delay;
  }

  /** Notes a success. */
  succeeded(): void {
    this.count = 0;
    this.until = 0;
  }

  /** Allows the next attempt now (the back-off count is kept). */
  skipWait(): void {
    this.until = 0;
  }

  /** Milliseconds until the next attempt is due (0: now). */
  remaining(): number {
    return Math.max(0, this.until - Date.now());
  }
}
