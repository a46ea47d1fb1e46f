import type { MarketEvent } from '../domain/market.js';
import type { BookFeatures } from '../domain/signal.js';
import { OrderBook, type ReadonlyOrderBook } from '../market/order-book.js';
import { RollingVwap } from './vwap.js';

/**
 * The first feature set, computed incrementally from the event stream: one implementation
 * for live, replay, backtests and training sets (DESIGN.md). A feature that is undefined
 * (a book side is empty, no trade in the window) is null, never 0: 0 is a real imbalance.
 */

/** Levels per side the imbalance counts, as in the demo market's planted signal. */
export const IMBALANCE_LEVELS = 5;
export const VWAP_WINDOW_MS = 60_000;

function hasBothSides(book: ReadonlyOrderBook): boolean {
  return book.depth('bid') > 0 && book.depth('ask') > 0;
}

/** (bid volume - ask volume) / (bid volume + ask volume) over the best `levels` of each side. */
export function bookImbalance(book: ReadonlyOrderBook, levels: number = IMBALANCE_LEVELS): number | null {
  if (!hasBothSides(book)) return null;
  const bid = book.volume('bid', levels);
  const ask = book.volume('ask', levels);
  return (bid - ask) / (bid + ask);
}

/**
 * The touch prices weighted by the opposite queue: a thin ask and a thick bid put the
 * microprice near the ask, where the next trade is likelier to print.
 */
export function microprice(book: ReadonlyOrderBook): number | null {
  if (!hasBothSides(book)) return null;
  const bidSize = book.bidSize(0);
  const askSize = book.askSize(0);
  return (book.bidPrice(0) * askSize + book.askPrice(0) * bidSize) / (bidSize + askSize);
}

/** Spread in basis points of the mid. */
export function spreadBps(book: ReadonlyOrderBook): number | null {
  const spread = book.spread();
  const mid = book.mid();
  if (spread === null || mid === null) return null;
  return (spread / mid) * 10_000;
}

export interface BookFeatureOptions {
  /** Levels per side for the imbalance. */
  readonly imbalanceLevels?: number;
  readonly vwapWindowMs?: number;
}

/**
 * Live feature values of one instrument. Feed it every event of that instrument in (ts, seq)
 * order; events of other instruments are ignored. `values()` reflects exactly the events fed
 * so far, so a value at time t never depends on anything after t.
 */
export class BookFeatureEngine {
  private readonly book = new OrderBook();
  private readonly vwap: RollingVwap;
  private readonly imbalanceLevels: number;
  private ts = 0;

  constructor(
    readonly instrument: string,
    options: BookFeatureOptions = {},
  ) {
    this.imbalanceLevels = options.imbalanceLevels ?? IMBALANCE_LEVELS;
    this.vwap = new RollingVwap(options.vwapWindowMs ?? VWAP_WINDOW_MS);
  }

  onEvent(event: MarketEvent): void {
    if (event.instrument !== this.instrument) return;
    this.ts = event.ts;
    switch (event.kind) {
      case 'trade':
        this.vwap.add(event.ts, event.price, event.amount);
        return;
      case 'book_delta':
        this.vwap.advanceTo(event.ts);
        this.book.applyDelta(event);
        return;
      case 'book_snapshot':
        this.vwap.advanceTo(event.ts);
        this.book.applySnapshot(event);
        return;
      default:
        event satisfies never;
    }
  }

  /** The book the features are computed from. */
  orderBook(): ReadonlyOrderBook {
    return this.book;
  }

  values(): BookFeatures {
    return {
      instrument: this.instrument,
      ts: this.ts,
      imbalance: bookImbalance(this.book, this.imbalanceLevels),
      spread: this.book.spread(),
      spreadBps: spreadBps(this.book),
      mid: this.book.mid(),
      microprice: microprice(this.book),
      vwap1m: this.vwap.value(),
    };
  }
}
