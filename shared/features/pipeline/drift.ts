import { quantileSorted } from './normalize.js';

/**
 * Distribution drift of one feature between a reference sample (a cached matrix over a
 * reference range) and a live window.
 *
 * PSI (population stability index): `bins` bins whose inner edges are the reference's
 * quantiles k / bins (type 7), so each bin holds about 1 / bins of the reference; repeated
 * edges (a discrete feature) are merged. Bins are (-inf, e1], (e1, e2], ..., (e_last, +inf).
 * PSI = sum over bins of (live% - ref%) * ln(live% / ref%). An empty bin would make the log
 * infinite, so a share of 0 is replaced by `epsilon` (default 1e-4) in that bin only, without
 * renormalising the others. Rules of thumb: < 0.1 stable, 0.1-0.25 moderate, > 0.25 shifted.
 *
 * KS: the two-sample Kolmogorov-Smirnov distance, sup over x of |F_ref(x) - F_live(x)| with
 * empirical CDFs, evaluated at every sample point (ties step together).
 *
 * NaN (missing) values are left out of both samples; with no finite value on either side the
 * result is NaN (undefined), never 0.
 */
export const DEFAULT_PSI_BINS = 10;
export const DEFAULT_PSI_EPSILON = 1e-4;

export interface PsiOptions {
  readonly bins?: number;
  readonly epsilon?: number;
}

/** The finite values of a sample, ascending. */
export function finiteSorted(sample: ArrayLike<number>): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < sample.length; i++) {
    const value = sample[i] ?? Number.NaN;
    if (Number.isFinite(value)) out.push(value);
  }
  return Float64Array.from(out).sort();
}

/** Inner bin edges from the reference quantiles, ascending, repeats merged. */
export function psiEdges(referenceSorted: ArrayLike<number>, bins: number): number[] {
  if (!(Number.isInteger(bins) && bins >= 2)) throw new RangeError(`PSI needs at least 2 bins, got ${bins}`);
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const edge = quantileSorted(referenceSorted, k / bins);
    if (edges.length === 0 || edge > (edges[edges.length - 1] ?? Number.NEGATIVE_INFINITY)) edges.push(edge);
  }
  return edges;
}

/** Share of a sorted sample in each bin (-inf, e1], (e1, e2], ..., (e_last, +inf). */
export function binShares(sorted: ArrayLike<number>, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  let bin = 0;
  for (let i = 0; i < sorted.length; i++) {
    const value = sorted[i] ?? Number.NaN;
    while (bin < edges.length && value > (edges[bin] ?? Number.POSITIVE_INFINITY)) bin++;
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  return counts.map((c) => c / sorted.length);
}

export function populationStabilityIndex(
  reference: ArrayLike<number>,
  live: ArrayLike<number>,
  options: PsiOptions = {},
): number {
  const bins = options.bins ?? DEFAULT_PSI_BINS;
  const epsilon = options.epsilon ?? DEFAULT_PSI_EPSILON;
  const ref = finiteSorted(reference);
  const now = finiteSorted(live);
  if (ref.length === 0 || now.length === 0) return Number.NaN;
  const edges = psiEdges(ref, bins);
  const expected = binShares(ref, edges);
  const actual = binShares(now, edges);
  let psi = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i] ?? 0, epsilon);
    const a = Math.max(actual[i] ?? 0, epsilon);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}

export function ksDistance(reference: ArrayLike<number>, live: ArrayLike<number>): number {
  const a = finiteSorted(reference);
  const b = finiteSorted(live);
  if (a.length === 0 || b.length === 0) return Number.NaN;
  let i = 0;
  let j = 0;
  let distance = 0;
  while (i < a.length && j < b.length) {
    const x = Math.min(a[i] ?? Number.NaN, b[j] ?? Number.NaN);
    while (i < a.length && (a[i] ?? Number.NaN) <= x) i++;
    while (j < b.length && (b[j] ?? Number.NaN) <= x) j++;
    distance = Math.max(distance, Math.abs(i / a.length - j / b.length));
  }
  return distance;
}

export interface FeatureDrift {
  readonly column: string;
  readonly psi: number;
  readonly ks: number;
  readonly referenceCount: number;
  readonly liveCount: number;
}

export interface DriftThresholds {
  readonly psi: number;
  readonly ks: number;
  /**
   * Least rows on each side before a feature may alert: with a handful of rows PSI and KS
   * swing wildly (KS between two samples of 6 moves in steps of 1/6), which is noise, not drift.
   */
  readonly minRows: number;
}

/** PSI above 0.25 is the usual "population has shifted"; KS 0.2 is a large gap for hundreds of rows. */
export const DEFAULT_DRIFT_THRESHOLDS: DriftThresholds = { psi: 0.25, ks: 0.2, minRows: 100 };

/** Drift of every column, from column-major samples of the reference and the live window. */
export function driftReport(
  columns: readonly string[],
  reference: readonly ArrayLike<number>[],
  live: readonly ArrayLike<number>[],
  options: PsiOptions = {},
): FeatureDrift[] {
  return columns.map((column, i) => {
    const ref = reference[i] ?? [];
    const now = live[i] ?? [];
    return {
      column,
      psi: populationStabilityIndex(ref, now, options),
      ks: ksDistance(ref, now),
      referenceCount: finiteSorted(ref).length,
      liveCount: finiteSorted(now).length,
    };
  });
}

/**
 * True when a feature's drift crosses either threshold with enough rows on both sides (NaN
 * never alerts: no data, no claim).
 */
export function isDrifting(
  drift: FeatureDrift,
  thresholds: DriftThresholds = DEFAULT_DRIFT_THRESHOLDS,
): boolean {
  if (drift.referenceCount < thresholds.minRows || drift.liveCount < thresholds.minRows) return false;
  return drift.psi > thresholds.psi || drift.ks > thresholds.ks;
}
