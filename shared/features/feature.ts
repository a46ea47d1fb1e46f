import type { z } from 'zod';
import type { Candle } from '../domain/candle.js';
import type { Trade } from '../domain/market.js';
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
 *
 * Refinement of the first draft (one `update(FeatureUpdate)` method): one optional method per
 * kind of input, so the engine calls a feature only for what it consumes and a feature never
 * has to work out which kind of update it was handed.
 */

/** What a feature consumes; the engine only routes the inputs a feature declares. */
export type FeatureInput = 'book' | 'trades' | 'candles';

/** The families the UI groups the catalogue by. */
export type FeatureFamily =
  'book' | 'trades' | 'candles' | 'rolling' | 'frequency' | 'cross-asset' | 'regime';

/** A running feature instance: one instrument, one parameter set. */
export interface IncrementalFeature {
  /** The instrument's book changed (snapshot or delta already applied). Book features. */
  onBook?(book: ReadonlyOrderBook, ts: number): void;
  /** A trade of the instrument. Trade features. */
  onTrade?(trade: Trade): void;
  /**
   * A bar closed in the feature's timeframe: of its own instrument, or of a reference
   * instrument it declared (`bar.instrument` tells which). Bars close on time, not on the
   * next trade, and only bars that had trades exist.
   */
  onBar?(bar: Candle): void;
  /**
   * The clock moved to `ts`: every event before `ts` has been seen. Time windows evict here.
   * Must be idempotent and monotone (onTime(a) then onTime(b) leaves the state onTime(b)
   * alone would), because live calls it at wall-clock ticks and batch only at events: this is
   * what makes batch and live agree exactly.
   */
  onTime?(ts: number): void;
  /** Write the current value of each output into `out` starting at `offset` (NaN = missing). */
  read(out: Float64Array, offset: number): void;
}

/** A wrapped feature handed to a wrapper (e.g. rolling statistics) at creation. */
export interface InnerFeature {
  readonly feature: IncrementalFeature;
  readonly outputs: readonly string[];
  /** Reference instruments it consumes, sorted (the engine delivers their bars in this order, after its own). */
  readonly references: readonly string[];
}

/** What an instance is created with besides its parameters. */
export interface FeatureEnv {
  /** The instrument the instance belongs to (the feature set's instrument). */
  readonly instrument: string;
  /** That instrument's book, maintained by the engine. */
  readonly book: ReadonlyOrderBook;
  /** For wrappers: the wrapped feature, created by the engine; null otherwise. */
  readonly inner: InnerFeature | null;
}

/** A catalogue entry: what the UI shows, how parameters are checked, how to make an instance. */
export interface FeatureDefinition<P extends Record<string, unknown> = Record<string, unknown>> {
  /** Stable id used in feature sets and hashes, e.g. `rsi`. */
  readonly kind: string;
  readonly title: string;
  readonly family: FeatureFamily;
  /** One-line definition shown in the UI, e.g. "100 - 100 / (1 + avg gain / avg loss) over n closed bars". */
  readonly definition: string;
  /** What it consumes; a wrapper lists none and inherits its inner feature's. */
  readonly inputs: readonly FeatureInput[];
  /** zod schema of the parameters, with defaults (strict: an unknown key is an error). */
  readonly params: z.ZodType<P>;
  /** Candle features: the timeframe whose closed bars they consume (from their params). */
  timeframe?(params: P): Timeframe;
  /** Cross-asset features: other instruments whose closed bars they consume. */
  references?(params: P): readonly string[];
  /** Wrappers: the feature they wrap, and how to put its canonical form back into the params. */
  readonly inner?: {
    get(params: P): FeatureSpec;
    set(params: P, inner: FeatureSpec): P;
    /** Checks the params against the inner feature's outputs; an error message or null. */
    check?(params: P, innerOutputs: readonly string[]): string | null;
  };
  /** Names of the outputs, e.g. ['line', 'signal', 'histogram'] for MACD. */
  outputs(params: P): readonly string[];
  create(params: P, env: FeatureEnv): IncrementalFeature;
}

/** One feature of a feature set: which catalogue entry, with which parameters. */
export interface FeatureSpec {
  readonly kind: string;
  readonly params: Record<string, unknown>;
}

/** Erases a definition's parameter type so definitions of every kind fit in one list. */
export function defineFeature<P extends Record<string, unknown>>(
  definition: FeatureDefinition<P>,
): FeatureDefinition {
  return definition;
}
