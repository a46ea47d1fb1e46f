import { at, columnMeans, covariance, multiply, quadratic, solve, type Matrix } from '../risk/covariance.js';

/**
 * Multi-instrument allocation: long-only weights (each >= 0, summing to 1, of equity) from
 * recorded returns, and a rebalance plan that trades only where it pays for its fees.
 *
 * - Mean-variance, by risk aversion: max w'mu - (lambda / 2) w'Sigma w.
 * - Mean-variance, by target return: min w'Sigma w with w'mu = target.
 * - Maximum Sharpe: max (w'mu - rf) / sqrt(w'Sigma w), solved as min y'Sigma y with
 *   (mu - rf)'y = 1, y >= 0, then w = y / sum(y) (the standard convex rewrite).
 * - Risk parity: equal risk contributions w_i (Sigma w)_i, found iteratively.
 *
 * The three quadratic programmes are solved EXACTLY by trying each set of instruments held
 * (the support) and keeping the one whose equality-constrained solution satisfies the KKT
 * conditions: no iteration tolerance, hand-checkable results. That is 2^n - 1 small solves, so
 * it is limited to MAX_INSTRUMENTS; a desk allocating across more needs an active-set or
 * interior-point solver.
 *
 * Means and covariances are per period of the returns (sample covariance, T - 1).
 */

export const MAX_INSTRUMENTS = 12;

export interface ReturnModel {
  readonly means: readonly number[];
  readonly cov: Matrix;
}

/** Sample means and covariance of a returns matrix (rows = periods, columns = instruments). */
export function estimate(returns: Matrix): ReturnModel {
  return { means: columnMeans(returns), cov: covariance(returns) };
}

/**
 * min 1/2 w'Qw - c'w  s.t.  Aw = b, w >= 0, by support enumeration (Q positive semi-definite,
 * so any KKT point is optimal). Returns null when no support is feasible.
 */
function solveLongOnlyQp(q: Matrix, c: readonly number[], a: Matrix, b: readonly number[]): number[] | null {
  const n = c.length;
  if (n > MAX_INSTRUMENTS)
    throw new RangeError(`allocation supports up to ${MAX_INSTRUMENTS} instruments, got ${n}`);
  const m = b.length;
  let scale = 0;
  for (const row of q) for (const x of row) scale = Math.max(scale, Math.abs(x));
  for (const x of c) scale = Math.max(scale, Math.abs(x));
  const tolerance = 1e-9 * Math.max(scale, 1e-300);
  // Larger supports first: an interior optimum (the common case) is found on the first try.
  const supports: number[][] = [];
  for (let mask = (1 << n) - 1; mask > 0; mask--) {
    const s: number[] = [];
    for (let i = 0; i < n; i++) if (mask & (1 << i)) s.push(i);
    supports.push(s);
  }
  supports.sort((x, y) => y.length - x.length);
  for (const s of supports) {
    const k = s.length;
    const size = k + m;
    const kkt: number[][] = Array.from({ length: size }, () => new Array<number>(size).fill(0));
    const rhs = new Array<number>(size).fill(0);
    for (let r = 0; r < k; r++) {
      const i = s[r] ?? 0;
      const row = kkt[r] as number[];
      for (let col = 0; col < k; col++) row[col] = at(q, i, s[col] ?? 0);
      for (let e = 0; e < m; e++) row[k + e] = -at(a, e, i);
      rhs[r] = c[i] ?? 0;
    }
    for (let e = 0; e < m; e++) {
      const row = kkt[k + e] as number[];
      for (let col = 0; col < k; col++) row[col] = at(a, e, s[col] ?? 0);
      rhs[k + e] = b[e] ?? 0;
    }
    const x = solve(kkt, rhs);
    if (x === null) continue;
    if (s.some((_, r) => (x[r] ?? 0) < -1e-12)) continue;
    const w = new Array<number>(n).fill(0);
    s.forEach((i, r) => {
      w[i] = Math.max(0, x[r] ?? 0);
    });
    const qw = multiply(q, w);
    let optimal = true;
    for (let j = 0; j < n && optimal; j++) {
      if (s.includes(j)) continue;
      let slack = (qw[j] ?? 0) - (c[j] ?? 0);
      for (let e = 0; e < m; e++) slack -= at(a, e, j) * (x[k + e] ?? 0);
      if (slack < -tolerance) optimal = false;
    }
    if (optimal) return w;
  }
  return null;
}

function checkModel(model: ReturnModel): number {
  const n = model.means.length;
  if (n === 0) throw new RangeError('no instruments');
  if (model.cov.length !== n || model.cov.some((row) => row.length !== n))
    throw new RangeError('covariance does not match the means');
  for (const x of model.means) if (!Number.isFinite(x)) throw new RangeError('a mean return is not finite');
  return n;
}

/** Mean-variance weights, by risk aversion lambda > 0 or by a target return per period. */
export function meanVarianceWeights(
  model: ReturnModel,
  objective: { readonly riskAversion: number } | { readonly targetReturn: number },
): number[] {
  const n = checkModel(model);
  const ones = [new Array<number>(n).fill(1)];
  if ('riskAversion' in objective) {
    const lambda = objective.riskAversion;
    if (!(lambda > 0) || !Number.isFinite(lambda))
      throw new RangeError(`riskAversion must be > 0, got ${lambda}`);
    const q = model.cov.map((row) => row.map((x) => lambda * x));
    const w = solveLongOnlyQp(q, model.means, ones, [1]);
    if (w === null) throw new RangeError('no long-only mean-variance solution');
    return w;
  }
  const target = objective.targetReturn;
  const lo = Math.min(...model.means);
  const hi = Math.max(...model.means);
  // Between the lowest and highest mean every target is reachable; below the minimum-variance
  // portfolio's return the answer is the least-variance portfolio earning exactly the target.
  if (!(target >= lo - 1e-15 && target <= hi + 1e-15))
    throw new RangeError(`target return ${target} is outside the instruments' means [${lo}, ${hi}]`);
  const q = model.cov.map((row) => row.map((x) => 2 * x));
  const w = solveLongOnlyQp(q, new Array<number>(n).fill(0), [ones[0] ?? [], [...model.means]], [1, target]);
  if (w === null) throw new RangeError(`no long-only portfolio returns ${target}`);
  return w;
}

/** Long-only maximum Sharpe (tangency) weights; needs an instrument whose mean beats riskFree. */
export function maxSharpeWeights(model: ReturnModel, riskFree = 0): number[] {
  const n = checkModel(model);
  const excess = model.means.map((mu) => mu - riskFree);
  if (!excess.some((e) => e > 0))
    throw new RangeError('no instrument has a mean return above the risk-free rate');
  const q = model.cov.map((row) => row.map((x) => 2 * x));
  const y = solveLongOnlyQp(q, new Array<number>(n).fill(0), [excess], [1]);
  if (y === null) throw new RangeError('no maximum-Sharpe solution');
  const total = y.reduce((s, v) => s + v, 0);
  return y.map((v) => v / total);
}

/** The share of portfolio variance each instrument carries: w_i (Sigma w)_i / w'Sigma w. */
export function riskContributions(cov: Matrix, weights: readonly number[]): number[] {
  const sw = multiply(cov, weights);
  const variance = quadratic(cov, weights);
  return weights.map((w, i) => (w * (sw[i] ?? 0)) / variance);
}

export interface RiskParityResult {
  readonly weights: number[];
  readonly iterations: number;
  /** Largest |contribution - 1/n| at the end. */
  readonly error: number;
}

/**
 * Equal risk contribution by cyclical coordinate descent on the convex problem
 * min 1/2 y'Sigma y - sum(ln y_i) / n, whose solution normalised (w = y / sum(y)) has equal
 * contributions (Griveau-Billion, Richard and Roncalli, 2013). Each step solves its quadratic
 * in y_i exactly, so every y stays positive. Two uncorrelated instruments get inverse-volatility
 * weights.
 */
export function riskParityWeights(
  cov: Matrix,
  options: { readonly tolerance?: number; readonly maxIterations?: number } = {},
): RiskParityResult {
  const n = cov.length;
  if (n === 0) throw new RangeError('no instruments');
  for (let i = 0; i < n; i++)
    if (!(at(cov, i, i) > 0))
      throw new RangeError(`instrument ${i} has no variance: its risk cannot be budgeted`);
  const tolerance = options.tolerance ?? 1e-12;
  const maxIterations = options.maxIterations ?? 10_000;
  const budget = 1 / n;
  const y = Array.from({ length: n }, (_, i) => 1 / Math.sqrt(at(cov, i, i)));
  let error = Number.POSITIVE_INFINITY;
  let iterations = 0;
  while (iterations < maxIterations) {
    iterations++;
    for (let i = 0; i < n; i++) {
      let cross = 0;
      for (let j = 0; j < n; j++) if (j !== i) cross += at(cov, i, j) * (y[j] ?? 0);
      const sii = at(cov, i, i);
      y[i] = (-cross + Math.sqrt(cross * cross + 4 * sii * budget)) / (2 * sii);
    }
    const total = y.reduce((s, v) => s + v, 0);
    const w = y.map((v) => v / total);
    error = Math.max(...riskContributions(cov, w).map((c) => Math.abs(c - budget)));
    if (error <= tolerance) break;
  }
  const total = y.reduce((s, v) => s + v, 0);
  return { weights: y.map((v) => v / total), iterations, error };
}

// ---- rebalancing ---------------------------------------------------------------------------

export interface RebalanceInput {
  readonly instruments: readonly string[];
  readonly prices: readonly number[];
  /** Current signed quantities. */
  readonly quantities: readonly number[];
  /** Cash plus marked positions (quote). */
  readonly equity: number;
  readonly targetWeights: readonly number[];
  readonly cov: Matrix;
  readonly riskAversion: number;
  /** Periods (of the covariance) until the next rebalance: how long a deviation would be held. */
  readonly horizon: number;
  /** Fee rate on traded notional (the taker rate for market orders). */
  readonly feeRate: number;
}

export interface RebalanceTrade {
  readonly instrument: string;
  readonly fromWeight: number;
  readonly toWeight: number;
  /** Signed base quantity to trade (> 0 buy). */
  readonly quantity: number;
  readonly notional: number;
  readonly fee: number;
  /** Expected benefit over the horizon (quote). */
  readonly benefit: number;
  readonly trade: boolean;
}

export interface RebalancePlan {
  readonly trades: readonly RebalanceTrade[];
  readonly totalFees: number;
}

/**
 * Which trades toward the target are worth their fees.
 *
 * The rule: holding weights w instead of the target t costs, in mean-variance utility,
 * L(d) = lambda / 2 d'Sigma d per period with d = w - t (exact when t is the interior
 * mean-variance optimum, the quadratic approximation otherwise). Closing instrument i's
 * deviation alone changes it to L(d with d_i = 0). Its benefit is that reduction over the
 * horizon, in quote: (L(d) - L(d without i)) x horizon x equity. The trade is made when the
 * benefit is strictly greater than its fee, feeRate x |t_i - w_i| x equity; otherwise the
 * instrument stays where it is. Each trade is judged against the whole current deviation, so
 * the plan does not depend on the order of the instruments.
 */
export function rebalancePlan(input: RebalanceInput): RebalancePlan {
  const n = input.instruments.length;
  const { equity, riskAversion, horizon, feeRate } = input;
  if (!(equity > 0)) throw new RangeError('equity must be positive');
  if (!(horizon > 0) || !(feeRate >= 0) || !(riskAversion > 0))
    throw new RangeError('horizon and riskAversion must be positive, feeRate non-negative');
  const current = input.quantities.map((q, i) => (q * (input.prices[i] ?? Number.NaN)) / equity);
  const deviation = current.map((w, i) => w - (input.targetWeights[i] ?? 0));
  const loss = (d: readonly number[]) => (riskAversion / 2) * quadratic(input.cov, d);
  const base = loss(deviation);
  const trades: RebalanceTrade[] = [];
  let totalFees = 0;
  for (let i = 0; i < n; i++) {
    const fromWeight = current[i] ?? 0;
    const toWeight = input.targetWeights[i] ?? 0;
    const without = deviation.map((d, j) => (j === i ? 0 : d));
    const benefit = (base - loss(without)) * horizon * equity;
    const notional = (toWeight - fromWeight) * equity;
    const fee = feeRate * Math.abs(notional);
    const trade = notional !== 0 && benefit > fee;
    if (trade) totalFees += fee;
    trades.push({
      instrument: input.instruments[i] ?? '',
      fromWeight,
      toWeight,
      quantity: notional / (input.prices[i] ?? Number.NaN),
      notional,
      fee,
      benefit,
      trade,
    });
  }
  return { trades, totalFees };
}
