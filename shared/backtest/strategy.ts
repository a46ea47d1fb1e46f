import type { z } from 'zod';
import type { MarketEvent } from '../domain/market.js';
import type { ReadonlyOrderBook } from '../market/order-book.js';
import type { OrderEvent, OrderIntent, WorkingOrder } from './orders.js';

/**
 * The strategy contract. ONE interface for the backtest engine (event and candle modes) and
 * the paper/live broker: a strategy sees market data, its features, its position and its open
 * orders, and answers with order intents. It never fills anything itself, never reads a
 * clock and never draws random numbers except from what it is given, so it replays exactly.
 *
 * Every callback returns the intents it wants sent, or null for none (the common case: no
 * allocation when a strategy just watches).
 */
export interface Strategy {
  /** Event mode: a trade or book update, already applied to `ctx.book`. */
  onEvent?(event: MarketEvent, ctx: StrategyContext): readonly OrderIntent[] | null;
  /** A bar closed: a candle in candle mode, a bar built from trades in event mode (when configured). */
  onBar?(bar: BarView, ctx: StrategyContext): readonly OrderIntent[] | null;
  /** One of our orders changed state (accepted, filled, cancelled ...). */
  onOrderEvent?(event: OrderEvent, ctx: StrategyContext): readonly OrderIntent[] | null;
}

/** A closed bar. The engine reuses one object: read it in the callback, do not keep it. */
export interface BarView {
  readonly openTime: number;
  /** openTime + the bar's duration: the market time the bar closed and the strategy decides. */
  readonly closeTime: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/** What a strategy may look at. The engine reuses one object; values are current at the callback. */
export interface StrategyContext {
  /** Market time of the event or bar close being handled (ms UTC). */
  readonly ts: number;
  /** Signed base-currency position: > 0 long, < 0 short. */
  readonly position: number;
  readonly cash: number;
  readonly avgEntryPrice: number;
  /** Mid in event mode (last trade if a side is empty), close in candle mode; NaN before any data. */
  readonly mark: number;
  readonly equity: number;
  /** The instrument's L2 book in event mode; null in candle mode. */
  readonly book: ReadonlyOrderBook | null;
  /** The current feature row when a feature set is attached, else null. NaN = missing value. */
  readonly features: Float64Array | null;
  /** Orders not yet finished (pending, open or partially filled), oldest first. */
  openOrders(): readonly WorkingOrder[];
  order(clientId: string): WorkingOrder | undefined;
  /** A fresh client order id, `<prefix>-<n>`, deterministic within a run. */
  nextClientId(prefix?: string): string;
}

/**
 * Features for a strategy, from whatever computes them. The feature-set engine of the
 * features issue fits as is (`onEvent` + `current()`); `featureCallback` adapts a function.
 * The engine calls `onEvent`/`onBar` BEFORE the strategy sees the same event, so features
 * at time t include the event at t and nothing after it.
 */
export interface FeatureSource {
  onEvent?(event: MarketEvent): void;
  onBar?(bar: BarView): void;
  /** The current row (may be the same array every time), or null while there is none. */
  current(): Float64Array | null;
}

/**
 * What the backtest needs of the feature-set engine (shared/features/engine.ts,
 * `FeatureSetEngine`): structural, so this folder does not depend on that one.
 */
export interface FeatureEngineLike {
  readonly width: number;
  onEvent(event: MarketEvent): void;
  current(out: Float64Array): Float64Array;
}

/**
 * A feature source over the feature-set engine, reading every row into one reused buffer
 * (the engine allocates a row per `current()` call otherwise).
 */
export function featureEngineSource(engine: FeatureEngineLike): FeatureSource {
  const row = new Float64Array(engine.width);
  return {
    onEvent: (event) => {
      engine.onEvent(event);
    },
    current: () => engine.current(row),
  };
}

/** A feature source from a per-event function of the event and the book after it. */
export function featureCallback(
  compute: (event: MarketEvent, book: ReadonlyOrderBook | null) => Float64Array | null,
  book: () => ReadonlyOrderBook | null,
): FeatureSource {
  let row: Float64Array | null = null;
  return {
    onEvent(event) {
      row = compute(event, book());
    },
    current: () => row,
  };
}

/**
 * A catalogue entry for a built-in strategy: the UI renders a form from `params` (zod, with
 * defaults), a sweep varies the parameters, the run record stores them.
 */
export interface StrategyDefinition<P, Deps = void> {
  readonly kind: string;
  readonly title: string;
  readonly description: string;
  readonly params: z.ZodType<P>;
  /** `deps` carries what is not a parameter (e.g. the ML strategy's model). */
  create(params: P, deps: Deps): Strategy;
}
