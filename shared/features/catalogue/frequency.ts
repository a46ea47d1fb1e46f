import { z } from 'zod';
import type { Candle } from '../../domain/candle.js';
import { defineFeature } from '../feature.js';
import { BarFeature } from './candles.js';
import { isPowerOfTwo, periodParam, powerOfTwoParam, timeframeParam } from './params.js';
import { LastN } from './windows.js';

/**
 * Frequency and scaling features over a rolling window of closed bars, recomputed once per bar
 * (O(window log window) at most). Log returns are ln(close / previous close).
 */

/** Log returns of closes into a LastN of the given length. */
abstract class LogReturnWindow extends BarFeature {
  private previous = Number.NaN;
  protected readonly returns: LastN;
  protected readonly scratch: Float64Array;

  constructor(instrument: string, outputs: number, window: number) {
    super(instrument, outputs);
    this.returns = new LastN(window);
    this.scratch = new Float64Array(window);
  }

  protected update(bar: Candle): void {
    if (!Number.isNaN(this.previous)) {
      this.returns.push(Math.log(bar.close / this.previous));
      if (this.returns.full) {
        this.returns.copyTo(this.scratch);
        this.compute(this.scratch);
      }
    }
    this.previous = bar.close;
  }

  /** `x` holds the window, oldest first; may be overwritten. */
  protected abstract compute(x: Float64Array): void;
}

/** In-place iterative radix-2 FFT (n a power of two). */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const tr = re[i] ?? 0;
      re[i] = re[j] ?? 0;
      re[j] = tr;
      const ti = im[i] ?? 0;
      im[i] = im[j] ?? 0;
      im[j] = ti;
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const angle = (-2 * Math.PI) / size;
    const half = size >> 1;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = Math.cos(angle * k);
        const wi = Math.sin(angle * k);
        const a = start + k;
        const b = a + half;
        const br = re[b] ?? 0;
        const bi = im[b] ?? 0;
        const xr = br * wr - bi * wi;
        const xi = br * wi + bi * wr;
        re[b] = (re[a] ?? 0) - xr;
        im[b] = (im[a] ?? 0) - xi;
        re[a] = (re[a] ?? 0) + xr;
        im[a] = (im[a] ?? 0) + xi;
      }
    }
  }
}

/**
 * One-sided power spectrum of the demeaned window: P_k = c_k |X_k|^2 / N for k = 0..N/2 at
 * frequency k/N cycles per bar, c_k = 2 except at 0 and N/2, so the bands of edges covering
 * [0, 0.5] add up to the window's sum of squared deviations (Parseval). Band b sums P_k with
 * edges[b] <= k/N < edges[b+1]; the last band also takes its upper edge.
 */
class FftBandPower extends LogReturnWindow {
  private readonly im: Float64Array;

  constructor(
    instrument: string,
    window: number,
    private readonly edges: readonly number[],
  ) {
    super(instrument, edges.length - 1, window);
    this.im = new Float64Array(window);
  }

  protected compute(x: Float64Array): void {
    const n = x.length;
    let mean = 0;
    for (let i = 0; i < n; i++) mean += x[i] ?? 0;
    mean /= n;
    for (let i = 0; i < n; i++) x[i] = (x[i] ?? 0) - mean;
    this.im.fill(0);
    fft(x, this.im);
    const bands = this.edges.length - 1;
    this.values.fill(0);
    for (let k = 0; k <= n / 2; k++) {
      const f = k / n;
      const power = ((k === 0 || k === n / 2 ? 1 : 2) * ((x[k] ?? 0) ** 2 + (this.im[k] ?? 0) ** 2)) / n;
      for (let b = 0; b < bands; b++) {
        const low = this.edges[b] ?? 0;
        const high = this.edges[b + 1] ?? 0;
        if (f >= low && (f < high || (b === bands - 1 && f === high))) {
          this.values[b] = (this.values[b] ?? 0) + power;
          break;
        }
      }
    }
  }
}

/**
 * Orthonormal Haar transform of the window: at each level, detail d = (a_2k - a_2k+1) / sqrt 2
 * and approximation a = (a_2k + a_2k+1) / sqrt 2; the energy of level j is the sum of d^2.
 */
class HaarEnergy extends LogReturnWindow {
  constructor(
    instrument: string,
    window: number,
    private readonly levels: number,
  ) {
    super(instrument, levels, window);
  }

  protected compute(x: Float64Array): void {
    let length = x.length;
    for (let level = 0; level < this.levels; level++) {
      let energy = 0;
      const half = length >> 1;
      for (let k = 0; k < half; k++) {
        const a = x[2 * k] ?? 0;
        const b = x[2 * k + 1] ?? 0;
        const detail = (a - b) / Math.SQRT2;
        energy += detail * detail;
        x[k] = (a + b) / Math.SQRT2;
      }
      this.values[level] = energy;
      length = half;
    }
  }
}

/**
 * Rescaled-range Hurst exponent: for chunk sizes n = minChunk, 2 minChunk, ... up to the
 * window, split the window into chunks of n; per chunk R = range of the cumulative deviations
 * from the chunk mean, S = population std; average R/S over chunks with S > 0; H = slope of
 * ln(R/S) against ln(n) by least squares.
 */
class HurstExponent extends LogReturnWindow {
  constructor(
    instrument: string,
    window: number,
    private readonly minChunk: number,
  ) {
    super(instrument, 1, window);
  }

  protected compute(x: Float64Array): void {
    let sumX = 0;
    let sumY = 0;
    let sumXY = 0;
    let sumXX = 0;
    let points = 0;
    for (let n = this.minChunk; n <= x.length; n *= 2) {
      let total = 0;
      let chunks = 0;
      for (let start = 0; start + n <= x.length; start += n) {
        let mean = 0;
        for (let i = 0; i < n; i++) mean += x[start + i] ?? 0;
        mean /= n;
        let cumulative = 0;
        let high = Number.NEGATIVE_INFINITY;
        let low = Number.POSITIVE_INFINITY;
        let squares = 0;
        for (let i = 0; i < n; i++) {
          const d = (x[start + i] ?? 0) - mean;
          cumulative += d;
          squares += d * d;
          if (cumulative > high) high = cumulative;
          if (cumulative < low) low = cumulative;
        }
        const s = Math.sqrt(squares / n);
        if (s > 0) {
          total += (high - low) / s;
          chunks++;
        }
      }
      if (chunks === 0 || !(total > 0)) continue;
      const lx = Math.log(n);
      const ly = Math.log(total / chunks);
      sumX += lx;
      sumY += ly;
      sumXY += lx * ly;
      sumXX += lx * lx;
      points++;
    }
    const denominator = points * sumXX - sumX * sumX;
    this.values[0] =
      points >= 2 && denominator > 0 ? (points * sumXY - sumX * sumY) / denominator : Number.NaN;
  }
}

/**
 * Higuchi fractal dimension of the last N log closes: for k = 1..kMax and m = 1..k,
 * L_m(k) = (sum_i |x[m + ik] - x[m + (i-1)k]|) (N - 1) / (floor((N - m) / k) k) / k with
 * i = 1..floor((N - m) / k) (1-based x), L(k) = mean over m, and D = minus the least-squares
 * slope of ln L(k) against ln k. A line has D = 1, white noise about 2. NaN if any L(k) is 0.
 */
class HiguchiDimension extends BarFeature {
  private readonly closes: LastN;
  private readonly x: Float64Array;

  constructor(
    instrument: string,
    private readonly window: number,
    private readonly kMax: number,
  ) {
    super(instrument, 1);
    this.closes = new LastN(window);
    this.x = new Float64Array(window);
  }

  protected update(bar: Candle): void {
    this.closes.push(Math.log(bar.close));
    if (!this.closes.full) return;
    this.closes.copyTo(this.x);
    const n = this.window;
    let sumX = 0;
    let sumY = 0;
    let sumXY = 0;
    let sumXX = 0;
    for (let k = 1; k <= this.kMax; k++) {
      let lk = 0;
      for (let m = 1; m <= k; m++) {
        const steps = Math.floor((n - m) / k);
        let length = 0;
        for (let i = 1; i <= steps; i++) {
          length += Math.abs((this.x[m - 1 + i * k] ?? 0) - (this.x[m - 1 + (i - 1) * k] ?? 0));
        }
        lk += (length * (n - 1)) / (steps * k) / k;
      }
      lk /= k;
      if (!(lk > 0)) {
        this.values[0] = Number.NaN;
        return;
      }
      const lx = Math.log(k);
      const ly = Math.log(lk);
      sumX += lx;
      sumY += ly;
      sumXY += lx * ly;
      sumXX += lx * lx;
    }
    const p = this.kMax;
    this.values[0] = -(p * sumXY - sumX * sumY) / (p * sumXX - sumX * sumX);
  }
}

const fftParams = z
  .strictObject({
    timeframe: timeframeParam(),
    window: powerOfTwoParam(64, 4),
    edges: z.array(z.number().min(0).max(0.5)).min(2).max(33).default([0, 0.0625, 0.125, 0.25, 0.5]),
  })
  .refine((p) => p.edges.every((edge, i) => i === 0 || edge > (p.edges[i - 1] ?? 0)), {
    message: 'edges must increase',
  });

export const fftBandPower = defineFeature({
  kind: 'fft_band_power',
  title: 'FFT band power',
  family: 'frequency',
  definition:
    'one-sided power of the demeaned last N log returns (radix-2 FFT) summed in frequency bands given by edges in cycles per bar',
  inputs: ['candles'],
  params: fftParams,
  timeframe: (params) => params.timeframe,
  outputs: ({ edges }) => edges.slice(1).map((_, i) => `band${i}`),
  create: ({ window, edges }, { instrument }) => new FftBandPower(instrument, window, edges),
});

const haarParams = z
  .strictObject({ timeframe: timeframeParam(), window: powerOfTwoParam(64, 2), levels: periodParam(3) })
  .refine((p) => 2 ** p.levels <= p.window, { message: 'levels must be at most log2(window)' });

export const haarEnergy = defineFeature({
  kind: 'haar_energy',
  title: 'Haar wavelet energy',
  family: 'frequency',
  definition:
    'sum of squared orthonormal Haar detail coefficients of the last N log returns, per level (1 = finest)',
  inputs: ['candles'],
  params: haarParams,
  timeframe: (params) => params.timeframe,
  outputs: ({ levels }) => Array.from({ length: levels }, (_, i) => `level${i + 1}`),
  create: ({ window, levels }, { instrument }) => new HaarEnergy(instrument, window, levels),
});

const hurstParams = z
  .strictObject({
    timeframe: timeframeParam(),
    window: powerOfTwoParam(128, 8),
    minChunk: powerOfTwoParam(8, 4),
  })
  .refine((p) => isPowerOfTwo(p.window) && 2 * p.minChunk <= p.window, {
    message: 'window must hold at least two chunk sizes (window >= 2 minChunk)',
  });

export const hurst = defineFeature({
  kind: 'hurst',
  title: 'Hurst exponent (R/S)',
  family: 'frequency',
  definition:
    'slope of ln(mean R/S) against ln(chunk size) over chunks of the last N log returns (rescaled range)',
  inputs: ['candles'],
  params: hurstParams,
  timeframe: (params) => params.timeframe,
  outputs: () => ['value'],
  create: ({ window, minChunk }, { instrument }) => new HurstExponent(instrument, window, minChunk),
});

const higuchiParams = z
  .strictObject({ timeframe: timeframeParam(), window: periodParam(64, 8), kMax: periodParam(8, 2) })
  .refine((p) => 2 * p.kMax <= p.window, { message: 'kMax must be at most window / 2' });

export const fractalDimension = defineFeature({
  kind: 'fractal_dimension',
  title: 'Fractal dimension (Higuchi)',
  family: 'frequency',
  definition:
    'Higuchi dimension of the last N log closes: minus the slope of ln L(k) against ln k, k = 1..kMax',
  inputs: ['candles'],
  params: higuchiParams,
  timeframe: (params) => params.timeframe,
  outputs: () => ['value'],
  create: ({ window, kMax }, { instrument }) => new HiguchiDimension(instrument, window, kMax),
});

export const FREQUENCY_FEATURES = [fftBandPower, haarEnergy, hurst, fractalDimension] as const;
