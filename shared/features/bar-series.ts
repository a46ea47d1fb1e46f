import type { Candle } from '../domain/candle.js';
import type { Trade } from '../domain/market.js';
import { TIMEFRAME_MS, barOpenTime, type Timeframe } from '../domain/timeframes.js';

/**
 * The bars of one instrument in one timeframe, as the feature engine needs them: a bar closes
 * as soon as the clock passes its end, not when the next trade arrives. The recorder's
 * CandleBuilder closes a bar on the next trade of the instrument (right for storage, where
 * late trades are merged into stored bars), which would hold a finished bar back for as long
 * as the market stays quiet, so a row stamped at a minute boundary would miss the minute that
 * just ended. The bars are the same (same alignment, open = first trade, close = last trade
 * by (ts, seq), periods without trades have no bar); the engine feeds trades in order.
 *
 * A bar that may be missing trades is dropped instead of delivered: one that started before
 * the stream (or the end of a data gap) began, and one still open when a gap was declared.
 */
export class BarSeries {
  readonly lengthMs: number;
  private active = false;
  private partial = false;
  private openTime = 0;
  private open = 0;
  private high = 0;
  private low = 0;
  private close = 0;
  private volume = 0;
  private quoteVolume = 0;
  private trades = 0;
  /** Bars opening before this time may lack trades the stream never delivered. */
  private completeFrom = Number.POSITIVE_INFINITY;

  constructor(
    readonly instrument: string,
    readonly timeframe: Timeframe,
  ) {
    this.lengthMs = TIMEFRAME_MS[timeframe];
  }

  /** End (exclusive) of the bar in progress, +Infinity when there is none. */
  nextClose(): number {
    return this.active ? this.openTime + this.lengthMs : Number.POSITIVE_INFINITY;
  }

  /** Data for the instrument starts (again) at `ts`: bars opening before it are incomplete. */
  resumeAt(ts: number): void {
    this.completeFrom = ts;
  }

  /** Forgets the bar in progress (a gap was declared while it was open). */
  discard(): void {
    this.active = false;
  }

  /** Adds a trade; the engine has already closed the bar if the trade is past its end. */
  addTrade(trade: Trade): void {
    if (!this.active) {
      this.active = true;
      this.openTime = barOpenTime(trade.ts, this.timeframe);
      this.partial = this.openTime < this.completeFrom;
      this.open = this.high = this.low = this.close = trade.price;
      this.volume = trade.amount;
      this.quoteVolume = trade.price * trade.amount;
      this.trades = 1;
      return;
    }
    const price = trade.price;
    if (price > this.high) this.high = price;
    if (price < this.low) this.low = price;
    this.close = price;
    this.volume += trade.amount;
    this.quoteVolume += price * trade.amount;
    this.trades += 1;
  }

  /**
   * Adds a closed bar of a shorter timeframe that divides this one (an instrument known only
   * by its candles): open of the first, close of the last, max/min, sums, exactly as
   * shared/candles/roll-up.ts rolls stored bars up, so a 5m bar built here equals the stored
   * 5m bar rolled up from the same 1m bars. The engine has already closed the bar in progress
   * if `bar` opens past its end.
   */
  addBar(bar: Candle): void {
    if (!this.active) {
      this.active = true;
      this.openTime = barOpenTime(bar.openTime, this.timeframe);
      this.partial = this.openTime < this.completeFrom;
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

  /**
   * Closes the bar in progress; returns it, or null when it must not be delivered (partial).
   * One allocation per closed bar, none per trade.
   */
  closeBar(): Candle | null {
    this.active = false;
    if (this.partial) return null;
    return {
      instrument: this.instrument,
      timeframe: this.timeframe,
      openTime: this.openTime,
      open: this.open,
      high: this.high,
      low: this.low,
      close: this.close,
      volume: this.volume,
      quoteVolume: this.quoteVolume,
      trades: this.trades,
    };
  }
}
