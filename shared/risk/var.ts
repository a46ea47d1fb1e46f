import { normalQuantile } from '../backtest/honesty.js';
import type { Level } from '../domain/market.js';
import { createRng } from '../market/rng.js';
import {
  checkReturns,
  cholesky,
  columnMeans,
  covariance,
  dot,
  multiply,
  quadratic,
  type Matrix,
} from './covariance.js';

/**
 * Value at risk and expected shortfall of a book of positions, and stress scenarios.
 *
 * Conventions:
 * - A position is a signed base quantity at a mark; its exposure is quantity x mark (quote).
 *   Returns are simple returns per period, rows = periods, columns = the positions in order.
 *   The book's PnL over a scenario is sum(exposure_i x return_i) (positions held unchanged).
 * - VaR and ES are LOSSES, positive numbers in quote currency. At confidence c over n
 *   scenarios the tail is the m = ceil(n (1 - c)) worst outcomes: VaR is the smallest loss in
 *   the tail (the m-th worst), ES the mean of the tail. So ES >= VaR, and with 100 scenarios at
 *   95% the tail is the 5 worst.
 * - Horizon h periods: historical uses overlapping h-period compounded returns
 *   (prod(1 + r) - 1) from the record; parametric and Monte Carlo scale the one-period mean
 *   by h and the covariance by h (i.i.d. returns).
 * - Parametric is normal with the sample mean and covariance (T - 1):
 *   VaR = -h mu_p + z_c sigma_p sqrt(h), ES = -h mu_p + sigma_p sqrt(h) phi(z_c) / (1 - c).
 * - Monte Carlo draws correlated normal returns (Cholesky of the covariance) from a seeded
 *   generator, then reads VaR and ES off the draws like historical.
 */

export interface BookPosition {
  readonly instrument: string;
  readonly quantity: number;
  readonly mark: number;
}

export interface RiskFigures {
  /** Loss not exceeded with probability `confidence` (quote, positive = loss). */
  readonly valueAtRisk: number;
  /** Mean loss in the tail beyond VaR (quote). */
  readonly expectedShortfall: number;
  /** Scenarios the figures come from (periods or draws). */
  readonly scenarios: number;
}

export interface VarOptions {
  /** e.g. 0.95 or 0.99. */
  readonly confidence: number;
  /** Periods of the returns (default 1). */
  readonly horizon?: number;
}

function exposures(book: readonly BookPosition[]): number[] {
  return book.map((p) => {
    if (!Number.isFinite(p.quantity) || !(p.mark > 0))
      throw new RangeError(`position ${p.instrument} needs a finite quantity and a positive mark`);
    return p.quantity * p.mark;
  });
}

function checkOptions(options: VarOptions): number {
  const c = options.confidence;
  if (!(c > 0 && c < 1)) throw new RangeError(`confidence must be in (0, 1), got ${c}`);
  const h = options.horizon ?? 1;
  if (!Number.isInteger(h) || h < 1)
    throw new RangeError(`horizon must be a whole number of periods, got ${h}`);
  return h;
}

/** VaR and ES from scenario PnLs (the tail rule above). */
export function tailFigures(pnl: ArrayLike<number>, confidence: number): RiskFigures {
  const n = pnl.length;
  if (n === 0) throw new RangeError('no scenarios');
  const losses = Float64Array.from(pnl, (x) => -x).sort();
  // The tolerance keeps 100 x (1 - 0.95) = 5.000000000000004 at 5.
  const m = Math.max(1, Math.ceil(n * (1 - confidence) - 1e-9));
  let sum = 0;
  for (let k = n - m; k < n; k++) sum += losses[k] ?? 0;
  return { valueAtRisk: losses[n - m] ?? Number.NaN, expectedShortfall: sum / m, scenarios: n };
}

/** Historical simulation: the book revalued over every recorded (h-period) return. */
export function historicalVar(
  book: readonly BookPosition[],
  returns: Matrix,
  options: VarOptions,
): RiskFigures {
  const h = checkOptions(options);
  checkReturns(returns, book.length);
  const w = exposures(book);
  const count = returns.length - h + 1;
  if (count < 1) throw new RangeError(`${returns.length} periods are too few for a horizon of ${h}`);
  const pnl = new Float64Array(count);
  const compounded = new Array<number>(book.length);
  for (let t = 0; t < count; t++) {
    compounded.fill(1);
    for (let k = 0; k < h; k++) {
      const row = returns[t + k] ?? [];
      for (let i = 0; i < book.length; i++) compounded[i] = (compounded[i] ?? 1) * (1 + (row[i] ?? 0));
    }
    let sum = 0;
    for (let i = 0; i < book.length; i++) sum += (w[i] ?? 0) * ((compounded[i] ?? 1) - 1);
    pnl[t] = sum;
  }
  return tailFigures(pnl, options.confidence);
}

/** Normal VaR and ES with the book's mean and covariance. */
export function parametricVar(
  book: readonly BookPosition[],
  returns: Matrix,
  options: VarOptions,
): RiskFigures {
  const h = checkOptions(options);
  checkReturns(returns, book.length);
  const w = exposures(book);
  const mean = h * dot(w, columnMeans(returns));
  const sd = Math.sqrt(h * quadratic(covariance(returns), w));
  const c = options.confidence;
  const z = normalQuantile(c);
  const density = Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI);
  return {
    valueAtRisk: -mean + z * sd,
    expectedShortfall: -mean + (sd * density) / (1 - c),
    scenarios: returns.length,
  };
}

export interface MonteCarloVarOptions extends VarOptions {
  readonly paths: number;
  readonly seed: number;
}

/** Correlated normal draws (mean and covariance of the record, scaled by h), seeded. */
export function monteCarloVar(
  book: readonly BookPosition[],
  returns: Matrix,
  options: MonteCarloVarOptions,
): RiskFigures {
  const h = checkOptions(options);
  checkReturns(returns, book.length);
  if (!Number.isInteger(options.paths) || options.paths < 1)
    throw new RangeError('paths must be a positive integer');
  const w = exposures(book);
  const means = columnMeans(returns);
  const factor = cholesky(covariance(returns));
  const n = book.length;
  const rng = createRng(options.seed);
  const z = new Array<number>(n);
  const pnl = new Float64Array(options.paths);
  const sqrtH = Math.sqrt(h);
  for (let p = 0; p < options.paths; p++) {
    for (let i = 0; i < n; i++) z[i] = rng.normal();
    const shock = multiply(factor, z);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (w[i] ?? 0) * (h * (means[i] ?? 0) + sqrtH * (shock[i] ?? 0));
    pnl[p] = sum;
  }
  return tailFigures(pnl, options.confidence);
}

// ---- stress scenarios ----------------------------------------------------------------------

/** A position with its book, for scenarios that exit it. */
export interface StressPosition extends BookPosition {
  /** Best first, as in a book snapshot. */
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
}

export interface StressResult {
  readonly scenario: string;
  /** Book PnL under the scenario (quote; negative = loss). */
  readonly pnl: number;
  /** Per instrument, same order as the book. */
  readonly byInstrument: readonly number[];
  /** Quantity the book could not absorb (liquidity scenarios), valued at the last level. */
  readonly unfilled: number;
}

/**
 * All prices (or one instrument's) move by `move` (-0.1 = a gap of -10%); positions are
 * revalued at the new marks.
 */
export function priceGap(book: readonly BookPosition[], move: number, instrument?: string): StressResult {
  if (!(move > -1) || !Number.isFinite(move))
    throw new RangeError(`a price move must be > -100%, got ${move}`);
  const byInstrument = book.map((p) =>
    instrument === undefined || p.instrument === instrument ? p.quantity * p.mark * move : 0,
  );
  const label = `price gap ${formatPercent(move)}${instrument === undefined ? '' : ` on ${instrument}`}`;
  return { scenario: label, pnl: sum(byInstrument), byInstrument, unfilled: 0 };
}

/**
 * The spread widens k times: exiting at the touch costs half the spread per unit, so the
 * widened exit costs k x (ask - bid) / 2 x |quantity| against the mark.
 */
export function spreadWidening(book: readonly StressPosition[], k: number): StressResult {
  if (!(k >= 1) || !Number.isFinite(k)) throw new RangeError(`a spread widening must be >= 1x, got ${k}`);
  const byInstrument = book.map((p) => {
    const bid = p.bids[0]?.[0];
    const ask = p.asks[0]?.[0];
    if (bid === undefined || ask === undefined) throw new RangeError(`${p.instrument} has no two-sided book`);
    return -Math.abs(p.quantity) * k * ((ask - bid) / 2);
  });
  return { scenario: `spread x${k}`, pnl: sum(byInstrument), byInstrument, unfilled: 0 };
}

/**
 * Liquidity drops to `remaining` of every level's size (0.2 = a fifth is left) and the book is
 * exited by walking it (a long sells into the bids, a short buys the asks). PnL is the exit's
 * proceeds against the mark. What the thinned book cannot absorb is valued at its last level
 * (a floor on the damage, since a real exit would go further) and reported as `unfilled`.
 */
export function liquidityDrop(book: readonly StressPosition[], remaining: number): StressResult {
  if (!(remaining > 0 && remaining <= 1))
    throw new RangeError(`remaining liquidity must be in (0, 1], got ${remaining}`);
  let unfilled = 0;
  const byInstrument = book.map((p) => {
    const sign = Math.sign(p.quantity);
    const levels = sign > 0 ? p.bids : p.asks;
    let left = Math.abs(p.quantity);
    let pnl = 0;
    let last = p.mark;
    for (const [price, size] of levels) {
      if (left <= 0) break;
      const take = Math.min(left, size * remaining);
      // A long sells at the bid, a short buys back at the ask: both against the mark.
      pnl += take * sign * (price - p.mark);
      left -= take;
      last = price;
    }
    if (left > 0) {
      unfilled += left;
      pnl += left * sign * (last - p.mark);
    }
    return pnl;
  });
  return {
    scenario: `liquidity ${formatPercent(remaining)} of depth`,
    pnl: sum(byInstrument),
    byInstrument,
    unfilled,
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function formatPercent(x: number): string {
  return `${Number((x * 100).toPrecision(6))}%`;
}
