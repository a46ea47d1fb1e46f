import { createRng } from '../market/rng.js';
import { mean, sampleStd } from './metrics.js';

/**
 * Statistical honesty: how much of a backtest's Sharpe ratio survives the questions "could
 * this be luck?" and "how many things did you try?".
 *
 * All Sharpe ratios here are PER PERIOD (not annualised): the formulas of Bailey and
 * López de Prado are stated for the per-observation ratio. Multiply by sqrt(periods per
 * year) only for display.
 */

/** Euler-Mascheroni constant. */
const EULER_GAMMA = 0.5772156649015329;

/** Standard normal CDF (Hart 1968 / West 2005, double precision, |error| < 1e-14). */
export function normalCdf(x: number): number {
  const z = Math.abs(x);
  let tail: number;
  if (z > 37) {
    tail = 0;
  } else {
    const e = Math.exp((-z * z) / 2);
    if (z < 7.07106781186547) {
      let n = 3.52624965998911e-2 * z + 0.700383064443688;
      n = n * z + 6.37396220353165;
      n = n * z + 33.912866078383;
      n = n * z + 112.079291497871;
      n = n * z + 221.213596169931;
      n = n * z + 220.206867912376;
      let d = 8.83883476483184e-2 * z + 1.75566716318264;
      d = d * z + 16.064177579207;
      d = d * z + 86.7807322029461;
      d = d * z + 296.564248779674;
      d = d * z + 637.333633378831;
      d = d * z + 793.826512519948;
      d = d * z + 440.413735824752;
      tail = (e * n) / d;
    } else {
      let d = z + 0.65;
      d = z + 4 / d;
      d = z + 3 / d;
      d = z + 2 / d;
      d = z + 1 / d;
      tail = e / d / 2.506628274631;
    }
  }
  return x > 0 ? 1 - tail : tail;
}

/** Inverse standard normal CDF: Acklam's rational approximation plus one Halley step. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return Number.NEGATIVE_INFINITY;
    if (p === 1) return Number.POSITIVE_INFINITY;
    return Number.NaN;
  }
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const at = (k: readonly number[], i: number): number => k[i] ?? 0;
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((at(c, 0) * q + at(c, 1)) * q + at(c, 2)) * q + at(c, 3)) * q + at(c, 4)) * q + at(c, 5)) /
      ((((at(d, 0) * q + at(d, 1)) * q + at(d, 2)) * q + at(d, 3)) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((at(a, 0) * r + at(a, 1)) * r + at(a, 2)) * r + at(a, 3)) * r + at(a, 4)) * r + at(a, 5)) * q) /
      (((((at(b, 0) * r + at(b, 1)) * r + at(b, 2)) * r + at(b, 3)) * r + at(b, 4)) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((at(c, 0) * q + at(c, 1)) * q + at(c, 2)) * q + at(c, 3)) * q + at(c, 4)) * q + at(c, 5)) /
      ((((at(d, 0) * q + at(d, 1)) * q + at(d, 2)) * q + at(d, 3)) * q + 1);
  }
  // One Halley step on the accurate CDF takes Acklam's 1e-9 to full double precision.
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

export interface Moments {
  readonly mean: number;
  /** Sample standard deviation (n - 1). */
  readonly std: number;
  /** Population skewness m3 / m2^1.5. */
  readonly skewness: number;
  /** Population (non-excess) kurtosis m4 / m2^2: 3 for a normal distribution. */
  readonly kurtosis: number;
  readonly count: number;
}

/**
 * Moments of a return series. Skewness and kurtosis use population (biased) central
 * moments, as in Bailey and López de Prado's papers and scipy's defaults.
 */
export function moments(values: ArrayLike<number>): Moments {
  const n = values.length;
  const m = mean(values);
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = (values[i] ?? 0) - m;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  return {
    mean: m,
    std: sampleStd(values),
    skewness: m3 / Math.pow(m2, 1.5),
    kurtosis: m4 / (m2 * m2),
    count: n,
  };
}

export interface SharpeEstimate {
  /** Per-period Sharpe ratio. */
  readonly sharpe: number;
  /** Number of returns it was estimated from. */
  readonly observations: number;
  readonly skewness: number;
  /** Non-excess kurtosis (3 = normal). */
  readonly kurtosis: number;
}

/** Per-period Sharpe ratio and the moments PSR needs, from returns (excess of `riskFree` per period). */
export function sharpeEstimate(returns: ArrayLike<number>, riskFreePerPeriod = 0): SharpeEstimate {
  const m = moments(returns);
  return {
    sharpe: (m.mean - riskFreePerPeriod) / m.std,
    observations: m.count,
    skewness: m.skewness,
    kurtosis: m.kurtosis,
  };
}

/**
 * Probabilistic Sharpe ratio (Bailey & López de Prado, 2012): the probability that the true
 * Sharpe ratio exceeds `benchmark`, given the estimate, the track length and the returns'
 * skewness and kurtosis:
 *
 *   PSR = Phi( (SR - SR*) sqrt(T - 1) / sqrt(1 - skew SR + (kurt - 1) / 4 SR^2) )
 */
export function probabilisticSharpeRatio(estimate: SharpeEstimate, benchmark = 0): number {
  const { sharpe, observations, skewness, kurtosis } = estimate;
  const variance = 1 - skewness * sharpe + ((kurtosis - 1) / 4) * sharpe * sharpe;
  if (!(observations > 1) || !(variance > 0)) return Number.NaN;
  return normalCdf(((sharpe - benchmark) * Math.sqrt(observations - 1)) / Math.sqrt(variance));
}

/**
 * Expected maximum of N Sharpe ratio estimates when every true Sharpe ratio is zero
 * (Bailey & López de Prado, 2014), given the variance of the estimates across the trials:
 *
 *   SR0 = sqrt(V) ((1 - gamma) Phi^-1(1 - 1/N) + gamma Phi^-1(1 - 1/(N e)))
 */
export function expectedMaxSharpe(trials: number, sharpeVariance: number): number {
  if (!(trials >= 1)) throw new RangeError(`trials must be >= 1, got ${trials}`);
  if (trials === 1) return 0;
  return (
    Math.sqrt(sharpeVariance) *
    ((1 - EULER_GAMMA) * normalQuantile(1 - 1 / trials) +
      EULER_GAMMA * normalQuantile(1 - 1 / (trials * Math.E)))
  );
}

/**
 * Deflated Sharpe ratio: the PSR of the chosen configuration against the Sharpe ratio the
 * best of `trials` worthless configurations would show by luck. `sharpeVariance` is the
 * variance of the per-period Sharpe ratios across the configurations tried (a sweep gives it).
 * Above 0.95: significant at 5% after accounting for the search.
 */
export function deflatedSharpeRatio(
  estimate: SharpeEstimate,
  trials: number,
  sharpeVariance: number,
): number {
  return probabilisticSharpeRatio(estimate, expectedMaxSharpe(trials, sharpeVariance));
}

/** Linear-interpolation quantile (type 7) of SORTED values. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[hi] ?? Number.NaN;
  return a + (h - lo) * (b - a);
}

export interface BootstrapOptions {
  readonly seed: number;
  /** Number of resampled series. Default 2000. */
  readonly resamples?: number;
  /** Block length; default ceil(n^(1/3)), the usual rate for block bootstraps. 1 = iid bootstrap. */
  readonly blockLength?: number;
  /** Default 0.95. */
  readonly confidence?: number;
}

export interface ConfidenceInterval {
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
  /** The statistic on every resample, sorted ascending. */
  readonly distribution: Float64Array;
}

/**
 * Circular block bootstrap percentile interval of a statistic of a return series. Returns
 * are serially dependent (volatility clusters, trends), and resampling single returns would
 * destroy that dependence and make intervals too narrow; resampling BLOCKS of consecutive
 * returns keeps it within each block. Blocks start at uniformly drawn indices and wrap
 * around the end (circular), so every return is equally likely to be drawn. Seeded: the same
 * seed gives the same interval.
 */
export function blockBootstrap(
  values: Float64Array,
  statistic: (sample: Float64Array) => number,
  options: BootstrapOptions,
): ConfidenceInterval {
  const n = values.length;
  const resamples = options.resamples ?? 2000;
  const block = Math.max(1, Math.min(n, Math.floor(options.blockLength ?? Math.ceil(Math.cbrt(n)))));
  const confidence = options.confidence ?? 0.95;
  const rng = createRng(options.seed);
  const sample = new Float64Array(n);
  const distribution = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let filled = 0;
    while (filled < n) {
      let at = rng.int(0, n);
      const end = Math.min(n, filled + block);
      // Wrapping by a compare, not `% n`: this copy is most of a run's honesty reading (a
      // division per value cost a CLI backtest of 45k bars about a tenth of a second).
      while (filled < end) {
        sample[filled++] = values[at++] ?? 0;
        if (at === n) at = 0;
      }
    }
    distribution[r] = statistic(sample);
  }
  distribution.sort();
  const alpha = (1 - confidence) / 2;
  return {
    estimate: statistic(values),
    lower: quantileSorted(distribution, alpha),
    upper: quantileSorted(distribution, 1 - alpha),
    distribution,
  };
}

/**
 * blockBootstrap for a statistic of the sample's sum and sum of squares (mean, variance, a
 * Sharpe ratio): the same blocks drawn from the same seed, summed in the order blockBootstrap
 * would copy them, so the distribution is bit for bit blockBootstrap's with the equivalent
 * statistic of the copied sample. It sums each draw where it lies instead of copying it into a
 * resample and reading that back: on the 15k returns of a 45k-bar run, 1000 resamples were most
 * of a CLI backtest's honesty reading, and most of that was writing and re-reading copies.
 */
export function blockBootstrapSums(
  values: Float64Array,
  statistic: (sum: number, sumOfSquares: number, count: number) => number,
  options: BootstrapOptions,
): ConfidenceInterval {
  const n = values.length;
  const resamples = options.resamples ?? 2000;
  const block = Math.max(1, Math.min(n, Math.floor(options.blockLength ?? Math.ceil(Math.cbrt(n)))));
  const confidence = options.confidence ?? 0.95;
  const rng = createRng(options.seed);
  const distribution = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    let sumOfSquares = 0;
    let filled = 0;
    while (filled < n) {
      // The draw blockBootstrap makes for this block; the block wraps at the end of the series.
      let at = rng.int(0, n);
      const take = Math.min(n - filled, block);
      filled += take;
      const straight = Math.min(take, n - at);
      for (const end = at + straight; at < end; at++) {
        const value = values[at] ?? 0;
        sum += value;
        sumOfSquares += value * value;
      }
      for (let i = 0; i < take - straight; i++) {
        const value = values[i] ?? 0;
        sum += value;
        sumOfSquares += value * value;
      }
    }
    distribution[r] = statistic(sum, sumOfSquares, n);
  }
  distribution.sort();
  let sum = 0;
  let sumOfSquares = 0;
  for (let i = 0; i < n; i++) {
    const value = values[i] ?? 0;
    sum += value;
    sumOfSquares += value * value;
  }
  const alpha = (1 - confidence) / 2;
  return {
    estimate: statistic(sum, sumOfSquares, n),
    lower: quantileSorted(distribution, alpha),
    upper: quantileSorted(distribution, 1 - alpha),
    distribution,
  };
}

export interface MonteCarloOptions {
  readonly seed: number;
  readonly runs?: number;
  readonly initialEquity: number;
  /**
   * `shuffle` permutes the trades: the final PnL is the same in every run and only the path
   * (drawdown) changes. `resample` draws trades with replacement: the final PnL varies too.
   */
  readonly mode?: 'shuffle' | 'resample';
}

export interface MonteCarloResult {
  /** Max drawdown (fraction of peak equity) of each run, sorted ascending. */
  readonly maxDrawdown: Float64Array;
  /** Final PnL (quote) of each run, sorted ascending. */
  readonly finalPnl: Float64Array;
}

/** Monte Carlo over the order of trades: how bad could the drawdown have been with the same trades? */
export function monteCarloTrades(tradePnls: Float64Array, options: MonteCarloOptions): MonteCarloResult {
  const runs = options.runs ?? 1000;
  const mode = options.mode ?? 'shuffle';
  const rng = createRng(options.seed);
  const n = tradePnls.length;
  const order = Float64Array.from(tradePnls);
  const drawdowns = new Float64Array(runs);
  const finals = new Float64Array(runs);
  // Draws are rng.int(0, width) written out (the same double operations, so the same indices)
  // without its argument checks: a run's reading makes two million of them, most before the
  // JIT has compiled this loop in a short-lived CLI process.
  for (let r = 0; r < runs; r++) {
    if (mode === 'shuffle') {
      // Fisher-Yates on the previous permutation: each run is a uniform permutation.
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rng.next() * (i + 1));
        const t = order[i] ?? 0;
        order[i] = order[j] ?? 0;
        order[j] = t;
      }
    } else {
      for (let i = 0; i < n; i++) order[i] = tradePnls[Math.floor(rng.next() * n)] ?? 0;
    }
    let equity = options.initialEquity;
    let peak = equity;
    let worst = 0;
    for (let i = 0; i < n; i++) {
      equity += order[i] ?? 0;
      if (equity > peak) peak = equity;
      else if (peak > 0 && (peak - equity) / peak > worst) worst = (peak - equity) / peak;
    }
    drawdowns[r] = worst;
    finals[r] = equity - options.initialEquity;
  }
  drawdowns.sort();
  finals.sort();
  return { maxDrawdown: drawdowns, finalPnl: finals };
}

/** One walk-forward fold: half-open index ranges [start, end). */
export interface WalkForwardSplit {
  readonly trainStart: number;
  readonly trainEnd: number;
  readonly testStart: number;
  readonly testEnd: number;
}

export interface WalkForwardOptions {
  /** Number of observations (bars, samples). */
  readonly length: number;
  readonly train: number;
  readonly test: number;
  /** Shift between folds; default `test` (test windows tile without overlap). */
  readonly step?: number;
  /** Anchored: every train window starts at 0 and grows. Default false (rolling). */
  readonly anchored?: boolean;
  /**
   * Observations dropped between train and test, at least the label horizon, so no training
   * label looks into the test window (purging). Default 0.
   */
  readonly gap?: number;
}

/** Rolling (or anchored) train/test windows, in time order, never overlapping within a fold. */
export function walkForwardSplits(options: WalkForwardOptions): WalkForwardSplit[] {
  const { length, train, test } = options;
  const step = options.step ?? test;
  const gap = options.gap ?? 0;
  for (const [name, value, min] of [
    ['train', train, 1],
    ['test', test, 1],
    ['step', step, 1],
    ['gap', gap, 0],
  ] as const) {
    if (!Number.isInteger(value) || value < min)
      throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
  }
  const out: WalkForwardSplit[] = [];
  for (let trainEnd = train; trainEnd + gap + test <= length; trainEnd += step) {
    out.push({
      trainStart: options.anchored === true ? 0 : trainEnd - train,
      trainEnd,
      testStart: trainEnd + gap,
      testEnd: trainEnd + gap + test,
    });
  }
  return out;
}
