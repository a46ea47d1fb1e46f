import type { Timeframe } from './timeframes.js';

/** One OHLCV bar built from trades. `openTime` is the bar's aligned start (ms UTC). */
export interface Candle {
  readonly instrument: string;
  readonly timeframe: Timeframe;
  readonly openTime: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  /** Base-currency volume. */
  readonly volume: number;
  /** Quote-currency volume (sum of price * amount), so VWAP = quoteVolume / volume. */
  readonly quoteVolume: number;
  readonly trades: number;
}
