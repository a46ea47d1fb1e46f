import type { BarView } from '../backtest/strategy.js';

/**
 * The one aggregator of trades into bars for everything that decides on bars: the feature
 * engine (BarSeries), event-mode backtests and the live and paper strategy desks.
 *
 * Close policy, stated once: a bar covers [openTime, openTime + lengthMs), aligned to the
 * epoch; it opens on the first trade of its period and closes when market time reaches its
 * end, whether or not another trade comes (`due`), so a quiet market never holds a finished
 * bar back. Open is the first trade fed, close the last; periods without trades have no bar.
 * Trades must be fed in time order.
 *
 * Storage uses the other policy on purpose: the recorder's CandleBuilder (candle-builder.ts)
 * keeps a bar open until the next trade of the instrument and merges late trades into stored
 * bars by (ts, seq), because a stored candle must hold every trade that ever arrives. Both give
 * the same bars for in-order trades; only when they are delivered differs.
 *
 * The object is reused from one bar to the next (adding a trade allocates nothing): read a
 * closed bar in the callback, copy it to keep it.
 */
export class ClockBar implements BarView {
  openTime = 0;
  closeTime = 0;
  open = 0;
  high = 0;
  low = 0;
  close = 0;
  volume = 0;
  quoteVolume = 0;
  trades = 0;
  private active = false;

  constructor(readonly lengthMs: number) {
    if (!(lengthMs > 0)) throw new RangeError(`a bar's length must be > 0 ms, got ${lengthMs}`);
  }

  /** A bar is in progress. */
  get isOpen(): boolean {
    return this.active;
  }

  /** End (exclusive) of the bar in progress, +Infinity when there is none. */
  get nextClose(): number {
    return this.active ? this.closeTime : Number.POSITIVE_INFINITY;
  }

  /** The bar in progress closes at or before `ts`. */
  due(ts: number): boolean {
    return this.active && ts >= this.closeTime;
  }

  /** Adds a trade; the caller has already closed the bar if `ts` is past its end. */
  add(price: number, amount: number, ts: number): void {
    if (!this.active) {
      this.begin(ts);
      this.open = this.high = this.low = this.close = price;
      this.volume = amount;
      this.quoteVolume = price * amount;
      this.trades = 1;
      return;
    }
    if (price > this.high) this.high = price;
    if (price < this.low) this.low = price;
    this.close = price;
    this.volume += amount;
    this.quoteVolume += price * amount;
    this.trades += 1;
  }

  /**
   * Adds a closed bar of a shorter length that divides this one (an instrument known only by
   * its candles): open of the first, close of the last, max/min, sums, exactly as
   * shared/candles/roll-up.ts rolls stored bars up.
   */
  addBar(bar: {
    readonly openTime: number;
    readonly open: number;
    readonly high: number;
    readonly low: number;
    readonly close: number;
    readonly volume: number;
    readonly quoteVolume: number;
    readonly trades: number;
  }): void {
    if (!this.active) {
      this.begin(bar.openTime);
      this.open = bar.open;
      this.high = bar.high;
      this.low = bar.low;
      this.close = bar.close;
      this.volume = bar.volume;
      this.quoteVolume = bar.quoteVolume;
      this.trades = bar.trades;
      return;
    }
    this.high = Math.max(this.high, bar.high);
    this.low = Math.min(this.low, bar.low);
    this.close = bar.close;
    this.volume += bar.volume;
    this.quoteVolume += bar.quoteVolume;
    this.trades += bar.trades;
  }

  /** Closes the bar in progress and returns it (this object, reused by the next bar). */
  finish(): this {
    this.active = false;
    return this;
  }

  /** Forgets the bar in progress. */
  discard(): void {
    this.active = false;
  }

  private begin(ts: number): void {
    this.active = true;
    this.openTime = Math.floor(ts / this.lengthMs) * this.lengthMs;
    this.closeTime = this.openTime + this.lengthMs;
  }
}
