import type { RoundTrip } from './accounting.js';

/**
 * Performance metrics of a run, from its mark-to-market equity curve and its round trips.
 *
 * Conventions (the report shows them next to the numbers):
 * - Period returns are simple returns between consecutive curve points, r_i = e_i / e_{i-1} - 1,
 *   up to the first point where equity is zero or below (a ruined run: that return is -100%
 *   and nothing follows), so every ratio is computed from returns a trader could have had.
 *   `periodsPerYear` says how many curve intervals make a year (365 * 24 * 60 for a 1-minute
 *   curve of a market that never closes).
 * - The risk-free rate is annual and simple; per period it is riskFreeRate / periodsPerYear.
 * - Volatility and Sharpe use the sample standard deviation (n - 1). Sortino's downside
 *   deviation is sqrt(sum(min(0, r - rf)^2) / n) over ALL periods (the usual target
 *   semideviation), so periods above the target count as zero, not as missing.
 * - Annualised return compounds: (1 + total)^(periodsPerYear / n) - 1, n = number of returns.
 * - Max drawdown is the largest fall from a running peak, as a positive fraction of the peak;
 *   its duration is the longest time from a peak to the first point back at or above it (or
 *   to the end of the curve if it never recovers).
 * - Calmar = annualised return / max drawdown.
 * - Win rate, profit factor and average trade use NET round-trip PnL (fees included).
 * - Turnover = traded notional / mean equity; exposure = share of curve time with a
 *   non-zero position (time-weighted by the intervals' lengths).
 * - The accounting counts (ruined 0/1, orders reduced or refused for buying power,
 *   liquidations, funding) come from the run as they are, for the report and the rankings.
 */
export interface MetricsInput {
  readonly ts: Float64Array;
  readonly equity: Float64Array;
  /** Position at each curve point (for exposure). */
  readonly position: Float64Array;
  readonly trips: readonly RoundTrip[];
  readonly feesPaid: number;
  readonly tradedNotional: number;
  /** What the account refused or forced (engine.ts); zeros when absent. */
  readonly accounting?: RunAccounting;
}

/** The accounting outcome of a run, as BacktestResult reports it. */
export interface RunAccounting {
  readonly ruined: boolean;
  readonly reducedOrders: number;
  readonly refusedOrders: number;
  readonly liquidations: number;
  readonly fundingPaid: number;
  /** Funding times applied in the run's range (0: none stored, or a spot account). */
  readonly fundingEvents?: number;
}

export interface MetricsOptions {
  readonly periodsPerYear: number;
  /** Annual, simple. Default 0. */
  readonly riskFreeRate?: number;
}

export interface Metrics {
  readonly totalReturn: number;
  readonly annualizedReturn: number;
  readonly volatility: number;
  readonly sharpe: number;
  readonly sortino: number;
  readonly calmar: number;
  readonly maxDrawdown: number;
  readonly maxDrawdownDurationMs: number;
  /** The same duration in curve intervals. */
  readonly maxDrawdownPeriods: number;
  readonly trades: number;
  readonly winRate: number;
  readonly profitFactor: number;
  readonly averageTrade: number;
  readonly averageHoldingMs: number;
  readonly turnover: number;
  readonly exposure: number;
  readonly feesPaid: number;
  /** Sum of round-trip slippage against the mid at decision (quote). */
  readonly slippage: number;
  /** 1 when equity reached zero and the run stopped, else 0 (a number: metrics are packed as numbers). */
  readonly ruined: number;
  readonly reducedOrders: number;
  readonly refusedOrders: number;
  readonly liquidations: number;
  readonly fundingPaid: number;
  /** Funding times applied: whether the run had funding at all, and how often it was paid. */
  readonly fundingEvents: number;
}

/**
 * Simple returns between consecutive points, up to the first point at or below zero (its
 * return is -100%: a loss beyond everything is still everything).
 */
export function periodReturns(equity: Float64Array): Float64Array {
  let n = Math.max(0, equity.length - 1);
  for (let i = 1; i <= n; i++) {
    if (!((equity[i] ?? 0) > 0)) {
      n = i;
      break;
    }
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.max(-1, (equity[i + 1] ?? 0) / (equity[i] ?? 0) - 1);
  return out;
}

export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] ?? 0;
  return sum / values.length;
}

/** Sample standard deviation (n - 1); NaN below two values. */
export function sampleStd(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return Number.NaN;
  const m = mean(values);
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = (values[i] ?? 0) - m;
    squares += d * d;
  }
  return Math.sqrt(squares / (n - 1));
}

export interface Drawdown {
  readonly maxDrawdown: number;
  readonly durationMs: number;
  readonly durationPeriods: number;
}

export function maxDrawdown(ts: Float64Array, equity: Float64Array): Drawdown {
  let peak = Number.NEGATIVE_INFINITY;
  let peakIndex = 0;
  let worst = 0;
  let longestMs = 0;
  let longestPeriods = 0;
  let below = false;
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i] ?? 0;
    if (e >= peak) {
      if (below) {
        // Back at (or above) the peak: the drawdown that started there is over.
        const ms = (ts[i] ?? 0) - (ts[peakIndex] ?? 0);
        if (ms > longestMs) longestMs = ms;
        if (i - peakIndex > longestPeriods) longestPeriods = i - peakIndex;
        below = false;
      }
      peak = e;
      peakIndex = i;
      continue;
    }
    below = true;
    const fall = Math.min(1, (peak - e) / peak);
    if (fall > worst) worst = fall;
  }
  const last = equity.length - 1;
  if (below) {
    // Never recovered: it lasts until the end of the curve.
    const ms = (ts[last] ?? 0) - (ts[peakIndex] ?? 0);
    if (ms > longestMs) longestMs = ms;
    if (last - peakIndex > longestPeriods) longestPeriods = last - peakIndex;
  }
  return { maxDrawdown: worst, durationMs: longestMs, durationPeriods: longestPeriods };
}

export function computeMetrics(input: MetricsInput, options: MetricsOptions): Metrics {
  const { ts, equity, position, trips } = input;
  const periodsPerYear = options.periodsPerYear;
  if (!(periodsPerYear > 0)) throw new RangeError(`periodsPerYear must be > 0, got ${periodsPerYear}`);
  const rf = (options.riskFreeRate ?? 0) / periodsPerYear;
  const returns = periodReturns(equity);
  const n = returns.length;
  const first = equity[0] ?? Number.NaN;
  const last = equity[equity.length - 1] ?? Number.NaN;
  const totalReturn = Math.max(-1, last / first - 1);
  const annualizedReturn = n > 0 ? Math.pow(1 + totalReturn, periodsPerYear / n) - 1 : Number.NaN;
  const std = sampleStd(returns);
  const excess = mean(returns) - rf;
  let downside = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.min(0, (returns[i] ?? 0) - rf);
    downside += d * d;
  }
  const downsideDeviation = n > 0 ? Math.sqrt(downside / n) : Number.NaN;
  const annualizer = Math.sqrt(periodsPerYear);
  const drawdown = maxDrawdown(ts, equity);

  let wins = 0;
  let grossWin = 0;
  let grossLoss = 0;
  let netSum = 0;
  let holding = 0;
  let slippage = 0;
  for (const trip of trips) {
    if (trip.netPnl > 0) {
      wins++;
      grossWin += trip.netPnl;
    } else {
      grossLoss -= trip.netPnl;
    }
    netSum += trip.netPnl;
    holding += trip.holdingMs;
    slippage += trip.slippage;
  }
  const count = trips.length;

  let exposed = 0;
  let span = 0;
  for (let i = 0; i + 1 < ts.length; i++) {
    const dt = (ts[i + 1] ?? 0) - (ts[i] ?? 0);
    span += dt;
    if ((position[i] ?? 0) !== 0) exposed += dt;
  }

  return {
    totalReturn,
    annualizedReturn,
    volatility: std * annualizer,
    sharpe: std > 0 ? (excess / std) * annualizer : Number.NaN,
    sortino: downsideDeviation > 0 ? (excess / downsideDeviation) * annualizer : Number.NaN,
    calmar: drawdown.maxDrawdown > 0 ? annualizedReturn / drawdown.maxDrawdown : Number.NaN,
    maxDrawdown: drawdown.maxDrawdown,
    maxDrawdownDurationMs: drawdown.durationMs,
    maxDrawdownPeriods: drawdown.durationPeriods,
    trades: count,
    winRate: count > 0 ? wins / count : Number.NaN,
    profitFactor: grossLoss > 0 ? grossWin / grossLoss : grossWin > 0 ? Number.POSITIVE_INFINITY : Number.NaN,
    averageTrade: count > 0 ? netSum / count : Number.NaN,
    averageHoldingMs: count > 0 ? holding / count : Number.NaN,
    turnover: input.tradedNotional / mean(equity),
    exposure: span > 0 ? exposed / span : 0,
    feesPaid: input.feesPaid,
    slippage,
    ruined: input.accounting?.ruined === true ? 1 : 0,
    reducedOrders: input.accounting?.reducedOrders ?? 0,
    refusedOrders: input.accounting?.refusedOrders ?? 0,
    liquidations: input.accounting?.liquidations ?? 0,
    fundingPaid: input.accounting?.fundingPaid ?? 0,
    fundingEvents: input.accounting?.fundingEvents ?? 0,
  };
}

/** The metrics of a finished run (its curve, trips and costs). */
export function resultMetrics(
  result: {
    readonly curve: {
      readonly ts: Float64Array;
      readonly equity: Float64Array;
      readonly position: Float64Array;
    };
    readonly trips: readonly RoundTrip[];
    readonly feesPaid: number;
    readonly tradedNotional: number;
  } & Partial<RunAccounting>,
  options: MetricsOptions,
): Metrics {
  return computeMetrics(
    {
      ts: result.curve.ts,
      equity: result.curve.equity,
      position: result.curve.position,
      trips: result.trips,
      feesPaid: result.feesPaid,
      tradedNotional: result.tradedNotional,
      accounting: {
        ruined: result.ruined ?? false,
        reducedOrders: result.reducedOrders ?? 0,
        refusedOrders: result.refusedOrders ?? 0,
        liquidations: result.liquidations ?? 0,
        fundingPaid: result.fundingPaid ?? 0,
        fundingEvents: result.fundingEvents ?? 0,
      },
    },
    options,
  );
}
