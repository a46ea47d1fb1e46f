/**
 * Perpetual funding as the backtests apply it. At each funding time a position pays
 * position x mark x rate: a long pays when the rate is positive and receives when it is
 * negative, a short the opposite. The rates are the instrument's stored ones (imported from a
 * file or backfilled from the exchange), in time order.
 */
export interface FundingSchedule {
  /** Funding times, ms UTC, strictly increasing. */
  readonly ts: Float64Array;
  /** The rate settled at each time (a fraction of notional). */
  readonly rate: Float64Array;
}

export const NO_FUNDING: FundingSchedule = { ts: new Float64Array(0), rate: new Float64Array(0) };

/** Refuses a schedule the engines would misapply: lengths differ, times out of order, rates not finite. */
export function checkFundingSchedule(schedule: FundingSchedule): void {
  const { ts, rate } = schedule;
  if (ts.length !== rate.length)
    throw new RangeError(`funding schedule has ${ts.length} times but ${rate.length} rates`);
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i] ?? Number.NaN;
    if (!Number.isFinite(t) || (i > 0 && !(t > (ts[i - 1] ?? 0))))
      throw new RangeError(`funding times must increase: ${t} at index ${i}`);
    if (!Number.isFinite(rate[i] ?? Number.NaN))
      throw new RangeError(`funding rate at ${t} is not a number: ${rate[i]}`);
  }
}

/** Funding of a candle run: a rate per bar (NaN: none at that bar) and how many funding times it holds. */
export interface BarFunding {
  readonly rate: Float64Array;
  readonly events: number;
}

/**
 * Puts each funding time on the bar whose open is the first at or after it: bars only know
 * their open, so a payment at 08:00 is made at the open of the bar opening at 08:00 (every
 * timeframe up to 8h opens there). Bars longer than the funding interval (1d) gather several
 * times; their rates add up, which is what paying each at the same open would cost. Times
 * after the last bar's open are outside the run and are left out, as are those before the
 * first bar's open (before the range).
 */
export function fundingPerBar(openTime: Float64Array, schedule: FundingSchedule): BarFunding {
  checkFundingSchedule(schedule);
  const rate = new Float64Array(openTime.length).fill(Number.NaN);
  const first = openTime[0] ?? Number.POSITIVE_INFINITY;
  let events = 0;
  let bar = 0;
  for (let k = 0; k < schedule.ts.length; k++) {
    const t = schedule.ts[k] ?? 0;
    if (t < first) continue;
    while (bar < openTime.length && (openTime[bar] ?? 0) < t) bar++;
    if (bar >= openTime.length) break;
    const held = rate[bar] ?? Number.NaN;
    rate[bar] = (Number.isNaN(held) ? 0 : held) + (schedule.rate[k] ?? 0);
    events++;
  }
  return { rate, events };
}
