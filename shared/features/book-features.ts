import type { BookDelta, MarketEvent } from '../domain/market.js';
import type { BookFeatures } from '../domain/signal.js';
import { OrderBook, type ReadonlyOrderBook } from '../market/order-book.js';
import { bookImbalanceOf, midOf } from './catalogue/book.js';
import { featureDefinition } from './catalogue/index.js';
import type { FeatureSpec, IncrementalFeature } from './feature.js';

/**
 * The Markets panel's feature set, run through the feature catalogue: the panel shows
 * catalogue features (imbalance, spread, microprice, VWAP) computed by the catalogue's own
 * code, so a value on screen is the value a feature set with the same spec gives a model or
 * a backtest. A value that is undefined (a book side is empty, no trade in the window) is
 * NaN in the catalogue and null here, because these values travel as JSON.
 */

/** Levels per side the imbalance counts, as in the demo market's planted signal. */
export const IMBALANCE_LEVELS = 5;
export const VWAP_WINDOW_MS = 60_000;

/** The panel's built-in feature set, in the order `values()` reads it. */
export function marketPanelFeatures(imbalanceLevels: number, vwapWindowMs: number): readonly FeatureSpec[] {
  return [
    { kind: 'book_imbalance', params: { levels: imbalanceLevels } },
    { kind: 'spread', params: {} },
    { kind: 'microprice', params: {} },
    { kind: 'vwap', params: { windowMs: vwapWindowMs } },
  ];
}

/** Column of each panel value in the row the panel set writes. */
const IMBALANCE = 0;
const SPREAD = 1;
const SPREAD_BPS = 2;
const MICROPRICE = 3;
const VWAP = 4;
const WIDTH = 5;

export interface BookFeatureOptions {
  /** Levels per side for the imbalance. */
  readonly imbalanceLevels?: number;
  readonly vwapWindowMs?: number;
}

function orNull(value: number | undefined): number | null {
  return value === undefined || Number.isNaN(value) ? null : value;
}

/**
 * Live feature values of one instrument. Feed it every event of that instrument in (ts, seq)
 * order; events of other instruments are ignored. `values()` reflects exactly the events fed
 * so far, so a value at time t never depends on anything after t.
 */
export class BookFeatureEngine {
  private readonly book = new OrderBook();
  private readonly features: readonly IncrementalFeature[];
  private readonly widths: readonly number[];
  private readonly row = new Float64Array(WIDTH);
  private readonly imbalanceLevels: number;
  private ts = 0;
  /**
   * The imbalance and mid of the book as it is, while `touchFresh`: most deltas land too deep
   * to move either, and the live signal reads both after every book event.
   */
  private lastImbalance = Number.NaN;
  private lastMid = Number.NaN;
  private touchFresh = false;

  constructor(
    readonly instrument: string,
    options: BookFeatureOptions = {},
  ) {
    this.imbalanceLevels = options.imbalanceLevels ?? IMBALANCE_LEVELS;
    const specs = marketPanelFeatures(this.imbalanceLevels, options.vwapWindowMs ?? VWAP_WINDOW_MS);
    const features: IncrementalFeature[] = [];
    const widths: number[] = [];
    for (const spec of specs) {
      const definition = featureDefinition(spec.kind);
      if (definition === undefined) throw new Error(`the feature catalogue has no '${spec.kind}'`);
      const params = definition.params.parse(spec.params);
      features.push(definition.create(params, { instrument, book: this.book, inner: null }));
      widths.push(definition.outputs(params).length);
    }
    this.features = features;
    this.widths = widths;
  }

  onEvent(event: MarketEvent): void {
    if (event.instrument !== this.instrument) return;
    this.ts = event.ts;
    switch (event.kind) {
      case 'trade':
        for (const feature of this.features) feature.onTrade?.(event);
        return;
      case 'book_delta':
        this.book.applyDelta(event);
        if (this.touchFresh && !this.belowCountedLevels(event)) this.touchFresh = false;
        this.bookChanged(event.ts);
        return;
      case 'book_snapshot':
        this.book.applySnapshot(event);
        this.touchFresh = false;
        this.bookChanged(event.ts);
        return;
      default:
        event satisfies never;
    }
  }

  private bookChanged(ts: number): void {
    for (const feature of this.features) {
      feature.onTime?.(ts);
      feature.onBook?.(this.book, ts);
    }
  }

  /**
   * True when a delta just applied left the counted levels of its side, and so its touch, as
   * they were: that side still has at least `imbalanceLevels` levels and the changed price is
   * strictly behind the last counted one (a level that was counted and is now gone would have
   * let a deeper level, behind the changed price, move up into the count).
   */
  private belowCountedLevels(delta: Pick<BookDelta, 'side' | 'price'>): boolean {
    const levels = this.imbalanceLevels;
    if (levels < 1) return false;
    if (delta.side === 'bid') {
      return this.book.depth('bid') >= levels && delta.price < this.book.bidPrice(levels - 1);
    }
    return this.book.depth('ask') >= levels && delta.price > this.book.askPrice(levels - 1);
  }

  /** The book the features are computed from. */
  orderBook(): ReadonlyOrderBook {
    return this.book;
  }

  /**
   * The book's imbalance now, as the catalogue's `bookImbalanceOf` gives it (NaN with a side
   * empty; recomputed only when it may have moved).
   */
  imbalance(): number {
    if (!this.touchFresh) this.refreshTouch();
    return this.lastImbalance;
  }

  /** The book's mid now, NaN with a side empty (recomputed only when it may have moved). */
  mid(): number {
    if (!this.touchFresh) this.refreshTouch();
    return this.lastMid;
  }

  private refreshTouch(): void {
    this.lastImbalance = bookImbalanceOf(this.book, this.imbalanceLevels);
    this.lastMid = midOf(this.book);
    this.touchFresh = true;
  }

  values(): BookFeatures {
    let offset = 0;
    for (let i = 0; i < this.features.length; i++) {
      (this.features[i] as IncrementalFeature).read(this.row, offset);
      offset += this.widths[i] ?? 0;
    }
    return {
      instrument: this.instrument,
      ts: this.ts,
      imbalance: orNull(this.row[IMBALANCE]),
      spread: orNull(this.row[SPREAD]),
      spreadBps: orNull(this.row[SPREAD_BPS]),
      mid: orNull(this.mid()),
      microprice: orNull(this.row[MICROPRICE]),
      vwap1m: orNull(this.row[VWAP]),
    };
  }
}
