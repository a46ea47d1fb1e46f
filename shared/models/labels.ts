import type { FeatureMatrix } from '../features/pipeline/matrix.js';
import { markedClass, markedRows, type LabelMark, type MarkedRows } from './annotation-labels.js';
import type { Dataset, LabelSpec } from './model.js';

/**
 * Labels for a feature matrix from the price at each of its rows. A row's label only uses
 * prices AFTER it (the forward return, the barrier path) and its inputs only prices up to it
 * (the triple barrier's volatility), so nothing a model is asked to predict leaks into what it
 * sees. Rows whose label cannot be computed (the last `horizon` rows, a missing or non-positive
 * price, a zero volatility) are dropped, never filled.
 */

const DOWN = 0;
const FLAT = 1;
const UP = 2;

/** The label of every matrix row; `valid[i]` is 0 where it cannot be computed. */
interface RowLabels {
  readonly valid: Uint8Array;
  readonly y: Float64Array;
  readonly labelEnd: Float64Array;
  readonly forwardReturn: Float64Array;
  readonly classes: number;
}

const usable = (price: number | undefined): price is number =>
  price !== undefined && Number.isFinite(price) && price > 0;

/** Classes a spec produces: 0 = regression. */
export function labelClasses(spec: LabelSpec): number {
  switch (spec.kind) {
    case 'fixed-horizon':
      return spec.threshold === 0 ? 2 : 3;
    case 'triple-barrier':
      return 3;
    case 'forward-return':
      return 0;
    case 'annotations':
      return spec.down === null ? 2 : 3;
    default: {
      const never: never = spec;
      throw new Error(`unknown label kind ${JSON.stringify(never)}`);
    }
  }
}

function labelRows(
  ts: Float64Array,
  prices: Float64Array,
  spec: LabelSpec,
  marks: readonly LabelMark[],
): RowLabels {
  const rows = ts.length;
  if (prices.length !== rows) throw new RangeError(`${prices.length} prices for ${rows} matrix rows`);
  const marked: MarkedRows | null = spec.kind === 'annotations' ? markedRows(ts, marks, spec) : null;
  const valid = new Uint8Array(rows);
  const y = new Float64Array(rows);
  const labelEnd = new Float64Array(rows);
  const forwardReturn = new Float64Array(rows);
  const horizon = spec.horizon;
  for (let i = 0; i + horizon < rows; i++) {
    const entry = prices[i];
    const exit = prices[i + horizon];
    if (!usable(entry) || !usable(exit)) continue;
    forwardReturn[i] = Math.log(exit / entry);
    labelEnd[i] = ts[i + horizon] ?? Number.NaN;
    switch (spec.kind) {
      case 'fixed-horizon': {
        const simple = exit / entry - 1;
        if (spec.threshold === 0) y[i] = simple > 0 ? 1 : 0;
        else y[i] = simple > spec.threshold ? UP : simple < -spec.threshold ? DOWN : FLAT;
        break;
      }
      case 'forward-return':
        y[i] = forwardReturn[i] ?? Number.NaN;
        break;
      case 'triple-barrier': {
        const vol = pastVolatility(prices, i, spec.volWindow);
        // Zero or unknown volatility puts both barriers on the entry price: no meaningful label.
        if (!(vol > 0)) continue;
        const upper = entry * (1 + spec.upper * vol);
        const lower = entry * (1 - spec.lower * vol);
        y[i] = FLAT;
        for (let j = i + 1; j <= i + horizon; j++) {
          const price = prices[j];
          if (!usable(price)) continue;
          if (price >= upper || price <= lower) {
            y[i] = price >= upper ? UP : DOWN;
            labelEnd[i] = ts[j] ?? Number.NaN;
            break;
          }
        }
        break;
      }
      case 'annotations': {
        const label = markedClass(marked?.flags[i] ?? 0, spec);
        if (label === null) continue;
        y[i] = label;
        labelEnd[i] = Math.max(labelEnd[i] ?? Number.NaN, marked?.markEnd[i] ?? Number.NEGATIVE_INFINITY);
        break;
      }
      default: {
        const never: never = spec;
        throw new Error(`unknown label kind ${JSON.stringify(never)}`);
      }
    }
    valid[i] = 1;
  }
  return { valid, y, labelEnd, forwardReturn, classes: labelClasses(spec) };
}

/**
 * Sample std (n - 1) of the `window` one-row log returns ending at row `at`: only prices up to
 * and including the entry. NaN when the window reaches before the first row or holds a gap.
 */
export function pastVolatility(prices: Float64Array, at: number, window: number): number {
  if (at - window < 0) return Number.NaN;
  let sum = 0;
  let sumSquares = 0;
  for (let j = at - window + 1; j <= at; j++) {
    const now = prices[j];
    const before = prices[j - 1];
    if (!usable(now) || !usable(before)) return Number.NaN;
    const r = Math.log(now / before);
    sum += r;
    sumSquares += r * r;
  }
  const mean = sum / window;
  return Math.sqrt(Math.max(0, (sumSquares - window * mean * mean) / (window - 1)));
}

/**
 * Labelled rows of a matrix (`prices[i]` = the price at row i), in time order. `marks` are the
 * trader's marks the "annotations" kind labels from (other kinds ignore them).
 */
export function buildDataset(
  matrix: FeatureMatrix,
  prices: Float64Array,
  spec: LabelSpec,
  marks: readonly LabelMark[] = [],
): Dataset {
  const labels = labelRows(matrix.ts, prices, spec, marks);
  const width = matrix.columns.length;
  let kept = 0;
  for (const flag of labels.valid) kept += flag;
  const ts = new Float64Array(kept);
  const labelEnd = new Float64Array(kept);
  const y = new Float64Array(kept);
  const forwardReturn = new Float64Array(kept);
  const x = new Float64Array(kept * width);
  let at = 0;
  for (let row = 0; row < labels.valid.length; row++) {
    if (labels.valid[row] === 0) continue;
    ts[at] = matrix.ts[row] ?? Number.NaN;
    labelEnd[at] = labels.labelEnd[row] ?? Number.NaN;
    y[at] = labels.y[row] ?? Number.NaN;
    forwardReturn[at] = labels.forwardReturn[row] ?? Number.NaN;
    x.set(matrix.values.subarray(row * width, (row + 1) * width), at * width);
    at++;
  }
  return { columns: matrix.columns, ts, labelEnd, x, y, classes: labels.classes, forwardReturn };
}

/**
 * Windows of `length` rows for sequence models, each labelled by the label of its LAST row
 * (the window's time, as in windows.ts), so the label starts after everything the window shows.
 * `windows` is packed [count, length, features] for a tensor; `x` of the dataset holds the last
 * row of each window (for tabular baselines and drift). Windows with a missing value are dropped
 * because networks cannot take NaN.
 */
export interface SequenceDataset extends Dataset {
  readonly windows: Float32Array;
  readonly count: number;
  readonly length: number;
  readonly features: number;
  /** The matrix row each window ends on. */
  readonly lastRow: Int32Array;
}

export function sequenceDataset(
  matrix: FeatureMatrix,
  prices: Float64Array,
  spec: LabelSpec,
  length: number,
  marks: readonly LabelMark[] = [],
): SequenceDataset {
  if (!(Number.isInteger(length) && length >= 1)) throw new RangeError(`window length ${length}`);
  const labels = labelRows(matrix.ts, prices, spec, marks);
  const width = matrix.columns.length;
  const rows = matrix.ts.length;
  // missingBefore[r] = missing values in rows [0, r): a window holds one iff the difference > 0.
  const missingBefore = new Int32Array(rows + 1);
  for (let row = 0; row < rows; row++) {
    let missing = 0;
    for (let c = 0; c < width; c++) if (Number.isNaN(matrix.values[row * width + c])) missing++;
    missingBefore[row + 1] = (missingBefore[row] ?? 0) + missing;
  }
  const ends: number[] = [];
  for (let last = length - 1; last < rows; last++) {
    const clean = (missingBefore[last + 1] ?? 0) === (missingBefore[last + 1 - length] ?? 0);
    if (labels.valid[last] === 1 && clean) ends.push(last);
  }
  const count = ends.length;
  const windows = new Float32Array(count * length * width);
  const x = new Float64Array(count * width);
  const ts = new Float64Array(count);
  const labelEnd = new Float64Array(count);
  const y = new Float64Array(count);
  const forwardReturn = new Float64Array(count);
  const lastRow = Int32Array.from(ends);
  ends.forEach((last, i) => {
    const first = last + 1 - length;
    windows.set(matrix.values.subarray(first * width, (last + 1) * width), i * length * width);
    x.set(matrix.values.subarray(last * width, (last + 1) * width), i * width);
    ts[i] = matrix.ts[last] ?? Number.NaN;
    labelEnd[i] = labels.labelEnd[last] ?? Number.NaN;
    y[i] = labels.y[last] ?? Number.NaN;
    forwardReturn[i] = labels.forwardReturn[last] ?? Number.NaN;
  });
  return {
    columns: matrix.columns,
    ts,
    labelEnd,
    x,
    y,
    classes: labels.classes,
    forwardReturn,
    windows,
    count,
    length,
    features: width,
    lastRow,
  };
}
