import type { FeatureMatrix } from './matrix.js';

/**
 * Normalisation of a feature matrix whose statistics are fitted on a TRAINING range only and
 * stored with the set or model that uses them: applying them to later rows never looks at
 * those rows, so no information leaks from the test range into the scale of the inputs.
 *
 * - `zscore`: (x - mean) / std, std the population standard deviation (divide by n).
 * - `robust`: (x - median) / IQR, IQR = q75 - q25 with linearly interpolated quantiles
 *   (Hyndman-Fan type 7, as numpy's default), so a few outliers do not set the scale.
 *
 * Missing values (NaN) are skipped when fitting and stay missing when applied. A column with
 * no finite training value, or a scale of 0 (constant in training), cannot be normalised: its
 * applied values are missing (NaN), never a silent 0 or an infinity.
 */
export type NormalizationMethod = 'zscore' | 'robust';

export interface NormalizationStats {
  readonly method: NormalizationMethod;
  readonly columns: readonly string[];
  /** Mean (zscore) or median (robust) per column; null when the column had no finite value. */
  readonly center: readonly (number | null)[];
  /** Std (zscore) or IQR (robust) per column; null when it cannot scale (no value, or 0). */
  readonly scale: readonly (number | null)[];
  /** Finite training values per column. */
  readonly count: readonly number[];
  /** The training range the statistics come from, [trainFrom, trainTo) ms UTC. */
  readonly trainFrom: number;
  readonly trainTo: number;
}

/** Fits the statistics on the rows of `matrix` with trainFrom <= ts < trainTo, and on no other. */
export function fitNormalization(
  matrix: FeatureMatrix,
  method: NormalizationMethod,
  trainFrom: number,
  trainTo: number,
): NormalizationStats {
  if (!(trainTo > trainFrom)) throw new RangeError(`empty training range [${trainFrom}, ${trainTo})`);
  const width = matrix.columns.length;
  const center: (number | null)[] = [];
  const scale: (number | null)[] = [];
  const count: number[] = [];
  for (let column = 0; column < width; column++) {
    const values: number[] = [];
    for (let row = 0; row < matrix.ts.length; row++) {
      const ts = matrix.ts[row] ?? Number.NaN;
      if (!(ts >= trainFrom && ts < trainTo)) continue;
      const value = matrix.values[row * width + column] ?? Number.NaN;
      if (Number.isFinite(value)) values.push(value);
    }
    count.push(values.length);
    if (values.length === 0) {
      center.push(null);
      scale.push(null);
      continue;
    }
    if (method === 'zscore') {
      const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
      const variance = values.reduce((sum, v) => sum + (v - mean) * (v - mean), 0) / values.length;
      center.push(mean);
      scale.push(usableScale(Math.sqrt(variance)));
    } else {
      values.sort((a, b) => a - b);
      center.push(quantileSorted(values, 0.5));
      scale.push(usableScale(quantileSorted(values, 0.75) - quantileSorted(values, 0.25)));
    }
  }
  return { method, columns: [...matrix.columns], center, scale, count, trainFrom, trainTo };
}

/** Normalises row-major values of the same columns; returns a new array (or fills `out`). */
export function applyNormalization(
  stats: NormalizationStats,
  values: Float64Array,
  out: Float64Array = new Float64Array(values.length),
): Float64Array {
  const width = stats.columns.length;
  if (values.length % width !== 0) {
    throw new RangeError(`${values.length} values are not whole rows of ${width} columns`);
  }
  for (let i = 0; i < values.length; i++) {
    const column = i % width;
    const c = stats.center[column] ?? null;
    const s = stats.scale[column] ?? null;
    const x = values[i] ?? Number.NaN;
    out[i] = c === null || s === null ? Number.NaN : (x - c) / s;
  }
  return out;
}

/** Linearly interpolated quantile (type 7) of an ascending array; NaN for an empty one. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const position = (n - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(n - 1, below + 1);
  const low = sorted[below] ?? Number.NaN;
  const high = sorted[above] ?? Number.NaN;
  return low + (high - low) * (position - below);
}

function usableScale(scale: number): number | null {
  return Number.isFinite(scale) && scale > 0 ? scale : null;
}
