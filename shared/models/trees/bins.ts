/**
 * Quantile bins per feature, fitted on TRAINING rows: trees then split on at most `bins` - 1
 * thresholds per feature instead of every distinct value, and a column becomes one byte per row
 * (LightGBM's histogram trick). Bin `bins` (the last byte value used) holds missing values, so
 * every split can learn which side NaN goes to.
 */

export interface FeatureBins {
  /** Per feature: ascending thresholds; value v falls in bin = count of thresholds < v. */
  readonly thresholds: readonly Float64Array[];
  /** Bin count for values; missing values get bin index `bins`. */
  readonly bins: number;
}

/** Most values sorted per feature when fitting; above it rows are taken at an even stride. */
const FIT_SAMPLE = 200_000;

export function fitBins(x: Float64Array, rows: number, width: number, bins: number): FeatureBins {
  if (!(Number.isInteger(bins) && bins >= 2 && bins <= 255))
    throw new RangeError(`bins must be in [2, 255], got ${bins}`);
  const stride = Math.max(1, Math.floor(rows / FIT_SAMPLE));
  const thresholds: Float64Array[] = [];
  const values = new Float64Array(Math.ceil(rows / stride));
  for (let f = 0; f < width; f++) {
    let n = 0;
    for (let r = 0; r < rows; r += stride) {
      const v = x[r * width + f] ?? Number.NaN;
      if (!Number.isNaN(v)) values[n++] = v;
    }
    const sorted = values.subarray(0, n).sort();
    // Distinct values, but only while there are few enough for a bin each.
    const distinct: number[] = [];
    for (let i = 0; i < n && distinct.length <= bins; i++)
      if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i] ?? 0);
    const cuts: number[] = [];
    if (distinct.length <= bins) {
      // Few values: a threshold between each pair, every distinct value its own bin.
      for (let i = 0; i + 1 < distinct.length; i++)
        cuts.push(midpoint(distinct[i] ?? 0, distinct[i + 1] ?? 0));
    } else {
      for (let b = 1; b < bins; b++) {
        const at = Math.floor((b * n) / bins);
        const low = sorted[at - 1] ?? 0;
        const high = sorted[at] ?? 0;
        // A cut between equal values would split nothing; the next distinct value starts a bin.
        if (low === high) continue;
        const cut = midpoint(low, high);
        if (cuts.length === 0 || cut > (cuts[cuts.length - 1] ?? 0)) cuts.push(cut);
      }
    }
    thresholds.push(Float64Array.from(cuts));
  }
  return { thresholds, bins };
}

function midpoint(low: number, high: number): number {
  const mid = low + (high - low) / 2;
  // Keep low <= mid < high even where rounding lands on high.
  return mid < high ? mid : low;
}

/** Bin of one value of feature f. */
export function binOf(bins: FeatureBins, f: number, v: number): number {
  if (Number.isNaN(v)) return bins.bins;
  const cuts = bins.thresholds[f] ?? new Float64Array(0);
  let low = 0;
  let high = cuts.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((cuts[mid] ?? 0) < v) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Row-major bytes, binned[r * width + f]: a histogram pass reads each row's gradient once and
 * its bins from one cache line.
 */
export function binRows(bins: FeatureBins, x: Float64Array, rows: number, width: number): Uint8Array {
  const out = new Uint8Array(rows * width);
  for (let i = 0; i < rows * width; i++) out[i] = binOf(bins, i % width, x[i] ?? Number.NaN);
  return out;
}
