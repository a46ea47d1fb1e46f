/**
 * Bars of a longer timeframe from bars of a shorter one, exactly: open of the first bar,
 * close of the last, the highest high, the lowest low, sums of volume, quote volume and trade
 * count. Used wherever bars are derived from bars (imported candles rolled up to every higher
 * timeframe, trades rebuilt into 1s bars and then rolled up), so every stored timeframe of a
 * range is the same function of its shortest one.
 */

/** Bars as parallel columns, ordered by open time. */
export interface BarColumns {
  readonly openTime: number[];
  readonly open: number[];
  readonly high: number[];
  readonly low: number[];
  readonly close: number[];
  readonly volume: number[];
  readonly quote: number[];
  readonly trades: number[];
}

export function emptyBars(): BarColumns {
  return { openTime: [], open: [], high: [], low: [], close: [], volume: [], quote: [], trades: [] };
}

/**
 * Rolls `bars` (ordered by open time, a timeframe that divides `lengthMs`) up into bars of
 * `lengthMs`, aligned to the epoch. A bar with no shorter bar inside it does not exist.
 */
export function rollUpBars(bars: BarColumns, lengthMs: number): BarColumns {
  const out = emptyBars();
  for (let i = 0; i < bars.openTime.length; i++) {
    const openTime = Math.floor((bars.openTime[i] ?? 0) / lengthMs) * lengthMs;
    const last = out.openTime.length - 1;
    if (last < 0 || out.openTime[last] !== openTime) {
      out.openTime.push(openTime);
      out.open.push(bars.open[i] ?? 0);
      out.high.push(bars.high[i] ?? 0);
      out.low.push(bars.low[i] ?? 0);
      out.close.push(bars.close[i] ?? 0);
      out.volume.push(bars.volume[i] ?? 0);
      out.quote.push(bars.quote[i] ?? 0);
      out.trades.push(bars.trades[i] ?? 0);
    } else {
      out.high[last] = Math.max(out.high[last] ?? 0, bars.high[i] ?? 0);
      out.low[last] = Math.min(out.low[last] ?? 0, bars.low[i] ?? 0);
      out.close[last] = bars.close[i] ?? 0;
      out.volume[last] = (out.volume[last] ?? 0) + (bars.volume[i] ?? 0);
      out.quote[last] = (out.quote[last] ?? 0) + (bars.quote[i] ?? 0);
      out.trades[last] = (out.trades[last] ?? 0) + (bars.trades[i] ?? 0);
    }
  }
  return out;
}
