import { TIMEFRAME_MS, TIMEFRAMES, type Timeframe } from '../../../shared/domain/timeframes.js';
import type { Candle } from '../../../shared/domain/candle.js';
import { MAX_BARS } from './marketsMerge.js';

/**
 * The timeframe to show `spanMs` in: the one shown when the span fits in MAX_BARS of its bars,
 * else the shortest that fits (a month of 1m bars is 43,200 candles, of 5m 8,640), else the
 * longest there is.
 */
export function timeframeForSpan(spanMs: number, shown: Timeframe): Timeframe {
  if (spanMs / TIMEFRAME_MS[shown] <= MAX_BARS) return shown;
  return TIMEFRAMES.find((timeframe) => spanMs / TIMEFRAME_MS[timeframe] <= MAX_BARS) ?? '1d';
}

/** When the latest loaded bar ends (its open plus one period), or null without bars. */
export function latestBarEnd(bars: readonly Candle[], timeframe: Timeframe): number | null {
  const last = bars[bars.length - 1];
  return last === undefined ? null : last.openTime + TIMEFRAME_MS[timeframe];
}
