/** Candle timeframes the workstation builds incrementally from trades. */
export const TIMEFRAMES = ['1s', '1m', '5m', '15m', '1h', '4h', '1d'] as const;

export type Timeframe = (typeof TIMEFRAMES)[number];

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Length of one bar in milliseconds. */
export const TIMEFRAME_MS: Readonly<Record<Timeframe, number>> = {
  '1s': SECOND,
  '1m': MINUTE,
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  '1h': HOUR,
  '4h': 4 * HOUR,
  '1d': 24 * HOUR,
};

/** Start of the bar (UTC, aligned to the epoch) that contains `ts`. */
export function barOpenTime(ts: number, timeframe: Timeframe): number {
  const length = TIMEFRAME_MS[timeframe];
  return Math.floor(ts / length) * length;
}
