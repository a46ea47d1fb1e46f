import type { BookDelta, MarketEvent } from '../domain/market.js';
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
  /**
   * The imbalance and mid of the book as it is, while `touchFresh`: most deltas land too deep
   * to move either, and the live signal reads both after every book event.
   */
  private lastImbalance: number | null = null;
  private lastMid: number | null = null;
  private touchFresh = false;

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
        if (this.touchFresh && !this.belowCountedLevels(event)) this.touchFresh = false;
        return;
      case 'book_snapshot':
        this.vwap.advanceTo(event.ts);
        this.book.applySnapshot(event);
        this.touchFresh = false;
        return;
      default:
        event satisfies never;
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

  /** The book's imbalance now, as `bookImbalance` gives it (recomputed only when it may have moved). */
  imbalance(): number | null {
    if (!this.touchFresh) this.refreshTouch();
    return this.lastImbalance;
  }

  /** The book's mid now, as `OrderBook.mid` gives it (recomputed only when it may have moved). */
  mid(): number | null {
    if (!this.touchFresh) this.refreshTouch();
    return this.lastMid;
  }

  private refreshTouch(): void {
    this.lastImbalance = bookImbalance(this.book, this.imbalanceLevels);
    this.lastMid = this.book.mid();
    this.touchFresh = true;
  }

  values(): BookFeatures {
    return {
      instrument: this.instrument,
      ts: this.ts,
      imbalance: this.imbalance(),
      spread: this.book.spread(),
      spreadBps: spreadBps(this.book),
      mid: this.mid(),
      microprice: microprice(this.book),
      vwap1m: this.vwap.value(),
    };
  }
}
