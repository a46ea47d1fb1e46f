import type { z } from 'zod';
import type { Candle } from '../domain/candle.js';
import type { MarketEvent } from '../domain/market.js';
import type { Timeframe } from '../domain/timeframes.js';
import type { ReadonlyOrderBook } from '../market/order-book.js';

/**
 * The contract every feature in the catalogue keeps. A feature is incremental and
 * event-driven: it sees the stream in (ts, seq) order and its value at time t depends only
 * on what it has seen up to t. The same instance type runs live in the feature worker, in
 * replay, in backtests and when building training sets (DESIGN.md, one code path).
 *
 * Missing values are NaN inside the engine and in matrices (a defined "no value": an empty
 * book side, a window not yet full, NaN from upstream), and null on the wire. Never 0.
 */

/** What a feature consumes; the engine only routes the inputs a feature declares. */
export type FeatureInput = 'book' | 'trades' | 'candles';

/** Everything the engine hands a feature for one update. */
export interface FeatureUpdate {
  /** The instrument's book after the event was applied (for book features). */
  readonly book: ReadonlyOrderBook;
  /** The raw event, when the update comes from one. */
  readonly event: MarketEvent | null;
  /** A bar that has just closed (for candle features), in the feature's timeframe. */
  readonly closedCandle: Candle | null;
  /** Event time of the update, ms UTC. */
  readonly ts: number;
}

/** A running feature instance: one instrument, one parameter set. */
export interface IncrementalFeature {
  /** Consume one update. Must not allocate per call in the hot path where avoidable. */
  update(update: FeatureUpdate): void;
  /** Write the current value of each output into `out` starting at `offset` (NaN = missing). */
  read(out: Float64Array, offset: number): void;
}

/** A catalogue entry: what the UI shows, how parameters are checked, how to make an instance. */
export interface FeatureDefinition<P extends Record<string, unknown> = Record<string, unknown>> {
  /** Stable id used in feature sets and hashes, e.g. `rsi`. */
  readonly kind: string;
  readonly title: string;
  /** One-line definition shown in the UI, e.g. "100 - 100 / (1 + avg gain / avg loss) over n closed bars". */
  readonly definition: string;
  readonly inputs: readonly FeatureInput[];
  /** zod schema of the parameters, with defaults. */
  readonly params: z.ZodType<P>;
  /** Candle features: the timeframe whose closed bars they consume (from their params). */
  timeframe?(params: P): Timeframe;
  /** Names of the outputs, e.g. ['line', 'signal', 'histogram'] for MACD. */
  outputs(params: P): readonly string[];
  create(params: P): IncrementalFeature;
}

/** One feature of a feature set: which catalogue entry, with which parameters. */
export interface FeatureSpec {
  readonly kind: string;
  readonly params: Record<string, unknown>;
}
