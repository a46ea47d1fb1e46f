/** How long to wait before reconnect attempt n: exponential, capped, with jitter. */
export interface BackoffPolicy {
  /** Delay before the first retry, ms. */
  readonly baseMs: number;
  /** No delay exceeds this, ms. */
  readonly capMs: number;
  /** Growth per failed attempt (2 doubles). */
  readonly factor: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 30_000, factor: 2 };

/**
 * Capped exponential backoff with "equal jitter": attempt n waits between half and all of
 * min(cap, base * factor^n). The random half keeps many clients that lost the same venue at
 * once from reconnecting in lockstep; the fixed half keeps a retry from firing at once.
 * The random source is injected so tests and replays see the same delays.
 */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly random: () => number,
    private readonly policy: BackoffPolicy = DEFAULT_BACKOFF,
  ) {}

  /** Failed attempts since the last success. */
  get attempts(): number {
    return this.failures;
  }

  /** The delay before the next attempt, and counts this failure. */
  next(): number {
    const ceiling = Math.min(this.policy.capMs, this.policy.baseMs * this.policy.factor ** this.failures);
    this.failures++;
    const half = ceiling / 2;
    return Math.round(half + half * this.random());
  }

  /** A success: the next failure starts from the base delay again. */
  reset(): void {
    this.failures = 0;
  }
}
