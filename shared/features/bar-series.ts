import type { Candle } from '../domain/candle.js';
import type { Trade } from '../domain/market.js';
import { TIMEFRAME_MS, type Timeframe } from '../domain/timeframes.js';
import { ClockBar } from '../candles/clock-bar.js';

/**
 * The bars of one instrument in one timeframe, as the feature engine needs them: the one
 * clock-closed aggregator (clock-bar.ts, where the close policy is stated) plus what the engine
 * adds: candles with their instrument and timeframe, and partial bars withheld.
 *
 * A bar that may be missing trades is dropped instead of delivered: one that started before
 * the stream (or the end of a data gap) began, and one still open when a gap was declared.
 */
export class BarSeries {
  readonly lengthMs: number;
  private readonly bar: ClockBar;
  private partial = false;
  /** Bars opening before this time may lack trades the stream never delivered. */
  private completeFrom = Number.POSITIVE_INFINITY;

  constructor(
    readonly instrument: string,
    readonly timeframe: Timeframe,
  ) {
    this.lengthMs = TIMEFRAME_MS[timeframe];
    this.bar = new ClockBar(this.lengthMs);
  }

  /** End (exclusive) of the bar in progress, +Infinity when there is none. */
  nextClose(): number {
    return this.bar.nextClose;
  }

  /** Data for the instrument starts (again) at `ts`: bars opening before it are incomplete. */
  resumeAt(ts: number): void {
    this.completeFrom = ts;
  }

  /** Forgets the bar in progress (a gap was declared while it was open). */
  discard(): void {
    this.bar.discard();
  }

  /** Adds a trade; the engine has already closed the bar if the trade is past its end. */
  addTrade(trade: Trade): void {
    const starts = !this.bar.isOpen;
    this.bar.add(trade.price, trade.amount, trade.ts);
    if (starts) this.partial = this.bar.openTime < this.completeFrom;
  }

  /**
   * Adds a closed bar of a shorter timeframe that divides this one (an instrument known only
   * by its candles), so a 5m bar built here equals the stored 5m bar rolled up from the same
   * 1m bars. The engine has already closed the bar in progress if `bar` opens past its end.
   */
  addBar(bar: Candle): void {
    const starts = !this.bar.isOpen;
    this.bar.addBar(bar);
    if (starts) this.partial = this.bar.openTime < this.completeFrom;
  }

  /**
   * Closes the bar in progress; returns it, or null when it must not be delivered (partial).
   * One allocation per closed bar, none per trade.
   */
  closeBar(): Candle | null {
    const bar = this.bar.finish();
    if (this.partial) return null;
    return {
      instrument: this.instrument,
      timeframe: this.timeframe,
      openTime: bar.openTime,
      open: bar.open,
      high: bar.high,
      low: bar.low,
      close: bar.close,
      volume: bar.volume,
      quoteVolume: bar.quoteVolume,
      trades: bar.trades,
    };
  }
}
