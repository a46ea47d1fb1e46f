import type { MarketEvent } from '../domain/market.js';
import type { Rng } from '../market/rng.js';
import type { LatencyConfig } from './costs.js';

/**
 * Most feed delays kept from a replayed range. A uniform sample of 10,000 pins every percentile
 * an order could land on to within about 1% of the range's, and stays 80 KB for a month of
 * trades (memory must not grow with the range).
 */
export const RECORDED_DELAY_SAMPLES = 10_000;

/**
 * The feed's delays (local receive time minus exchange time, ms) of a replayed range, as a
 * seeded uniform sample of at most `capacity` (reservoir sampling, Vitter's algorithm R): every
 * delay of the range is equally likely to be kept whatever the range's length, and the same
 * events with the same seed keep the same sample.
 *
 * A delay below zero (the exchange's clock ahead of ours) is kept as 0: an order cannot reach
 * the venue before it is sent, and clamping keeps the skewed events in the distribution
 * instead of shifting it toward the slower ones.
 */
export class FeedDelaySample {
  private readonly kept: number[] = [];
  /** Delays offered so far (those kept and those passed over). */
  seen = 0;

  constructor(
    private readonly rng: Rng,
    private readonly capacity = RECORDED_DELAY_SAMPLES,
  ) {
    if (!(Number.isInteger(capacity) && capacity > 0))
      throw new RangeError(`a delay sample holds at least one delay, got capacity ${capacity}`);
  }

  /** Offer one event's delay; NaN or infinite receive times (unknown) are skipped. */
  add(receivedTs: number, exchangeTs: number): void {
    const delay = receivedTs - exchangeTs;
    if (!Number.isFinite(delay)) return;
    const clamped = delay > 0 ? delay : 0;
    this.seen++;
    if (this.kept.length < this.capacity) {
      this.kept.push(clamped);
      return;
    }
    const slot = this.rng.int(0, this.seen);
    if (slot < this.capacity) this.kept[slot] = clamped;
  }

  /** Offer a market event's delay when it carries a receive time. */
  addEvent(event: MarketEvent): void {
    if (event.localTs !== undefined) this.add(event.localTs, event.ts);
  }

  /** The delays kept, in the order of their slots. */
  samples(): readonly number[] {
    return this.kept;
  }
}

/** The replayed range carries no receive time: the "recorded" model has nothing to sample. */
export class NoRecordedDelaysError extends Error {
  override readonly name = 'NoRecordedDelaysError';
}

/**
 * The "recorded" latency model: each order's submit and cancel delay drawn (by the engine's
 * seeded random source) from the feed's delays of the replayed range, on the reasoning that
 * our orders travel the same network path as the exchange's messages to us.
 */
export function recordedLatency(sample: FeedDelaySample, range: string): LatencyConfig {
  const samples = sample.samples();
  if (samples.length === 0)
    throw new NoRecordedDelaysError(
      `${range} has no recorded receive times (data recorded before they were kept, or imported ` +
        `from a file without them): choose a given latency instead of "recorded"`,
    );
  return { kind: 'empirical', samplesMs: [...samples] };
}
