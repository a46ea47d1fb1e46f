import type { BacktestHonesty } from '../../shared/api/domains/backtests.js';
import type { RoundTrip } from '../../shared/backtest/accounting.js';
import {
  blockBootstrapSums,
  monteCarloTrades,
  probabilisticSharpeRatio,
  sharpeEstimate,
} from '../../shared/backtest/honesty.js';
import { periodReturns } from '../../shared/backtest/metrics.js';

/** Fixed, so a stored run's reading is reproducible from its curve and trades alone. */
export const HONESTY_SEED = 20_260_105;
export const BOOTSTRAP_RESAMPLES = 1000;
export const MONTE_CARLO_RUNS = 1000;
/** Most returns the bootstrap resamples; longer curves are read at a coarser period (below). */
export const MAX_BOOTSTRAP_RETURNS = 20_000;

const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

/**
 * The statistical reading of a finished run, computed once when it finishes and stored with it:
 *
 * - PSR of the per-period returns of the curve (against a true Sharpe of 0).
 * - Circular block-bootstrap 95% interval of the annualised Sharpe, 1000 resamples. A year of
 *   1m bars is 500k returns, and 1000 resamples of it would be 5e8 draws (seconds on the main
 *   thread). So a curve longer than MAX_BOOTSTRAP_RETURNS periods is read every k-th point
 *   (k = ceil(n / MAX_BOOTSTRAP_RETURNS)): the returns over k periods are exact (equity ratios,
 *   no approximation), their Sharpe is annualised with periodsPerYear / k, and the interval is
 *   that of the same annual Sharpe estimated at a coarser resolution, at most 2e7 draws.
 * - Monte Carlo over the round trips' net PnL, 1000 runs: max drawdowns of reshuffled orders
 *   (the path risk of the same trades) and final PnLs of resamples with replacement (the spread
 *   of the outcome). Null with fewer than 2 trades.
 */
export function runHonesty(
  equity: Float64Array,
  trips: readonly RoundTrip[],
  options: { readonly periodsPerYear: number; readonly riskFreeRate: number; readonly initialCash: number },
): BacktestHonesty {
  const { periodsPerYear, riskFreeRate, initialCash } = options;
  const returns = periodReturns(equity);
  const psr = probabilisticSharpeRatio(sharpeEstimate(returns, riskFreeRate / periodsPerYear));

  let lower = Number.NaN;
  let upper = Number.NaN;
  const k = Math.max(1, Math.ceil(returns.length / MAX_BOOTSTRAP_RETURNS));
  const coarse = k === 1 ? returns : periodReturns(everyKth(equity, k));
  if (coarse.length >= 3) {
    const perYear = periodsPerYear / k;
    const interval = blockBootstrapSums(coarse, annualSharpe(perYear, riskFreeRate / perYear), {
      seed: HONESTY_SEED,
      resamples: BOOTSTRAP_RESAMPLES,
      confidence: 0.95,
    });
    lower = interval.lower;
    upper = interval.upper;
  }

  let monteCarlo: BacktestHonesty['monteCarlo'] = null;
  if (trips.length >= 2) {
    const pnls = Float64Array.from(trips, (t) => t.netPnl);
    const base = { seed: HONESTY_SEED, runs: MONTE_CARLO_RUNS, initialEquity: initialCash };
    const shuffled = monteCarloTrades(pnls, { ...base, mode: 'shuffle' });
    const resampled = monteCarloTrades(pnls, { ...base, mode: 'resample' });
    monteCarlo = {
      runs: MONTE_CARLO_RUNS,
      maxDrawdown: Array.from(shuffled.maxDrawdown),
      finalPnl: Array.from(resampled.finalPnl),
    };
  }
  return {
    probabilisticSharpe: finiteOrNull(psr),
    sharpeInterval: { lower: finiteOrNull(lower), upper: finiteOrNull(upper) },
    monteCarlo,
  };
}

/** Points 0, k, 2k, ...: every return over exactly k periods (a shorter tail is left out). */
function everyKth(values: Float64Array, k: number): Float64Array {
  const out = new Float64Array(Math.floor((values.length - 1) / k) + 1);
  for (let j = 0; j < out.length; j++) out[j] = values[j * k] ?? Number.NaN;
  return out;
}

/**
 * Annualised Sharpe ratio of a sample of returns from its sum and sum of squares (the bootstrap
 * sums each of its 1000 resamples as it draws them).
 */
function annualSharpe(
  perYear: number,
  riskFreePerPeriod: number,
): (sum: number, sumOfSquares: number, n: number) => number {
  const annualizer = Math.sqrt(perYear);
  return (sum, sumOfSquares, n) => {
    const mean = sum / n;
    const variance = (sumOfSquares - n * mean * mean) / (n - 1);
    return variance > 0 ? ((mean - riskFreePerPeriod) / Math.sqrt(variance)) * annualizer : Number.NaN;
  };
}
