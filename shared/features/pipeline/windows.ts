import type { FeatureMatrix } from './matrix.js';

/**
 * Sliding windows of T consecutive rows over a feature matrix, the input of sequence models.
 * Window i covers rows [i * stride, i * stride + T); its time is the time of its LAST row, so
 * a label for it must come from after that time.
 *
 * Two forms: `windowAt` is a zero-copy view (rows of a row-major matrix are contiguous, so a
 * window is one subarray), and `packWindows` copies all of them into one Float32Array of
 * shape [N, T, F], the layout a tensor is built from without another copy.
 */

/** How many whole windows of `length` rows fit in `rows` rows at this stride. */
export function windowCount(rows: number, length: number, stride = 1): number {
  checkShape(length, stride);
  return rows >= length ? Math.floor((rows - length) / stride) + 1 : 0;
}

/** Window `index` as a view [T * F] on the matrix's own buffer. */
export function windowAt(matrix: FeatureMatrix, index: number, length: number, stride = 1): Float64Array {
  const count = windowCount(matrix.ts.length, length, stride);
  if (!(index >= 0 && index < count && Number.isInteger(index))) {
    throw new RangeError(`window ${index} of ${count}`);
  }
  const width = matrix.columns.length;
  const first = index * stride;
  return matrix.values.subarray(first * width, (first + length) * width);
}

/** Time of each window: the time of its last row. */
export function windowTimes(matrix: FeatureMatrix, length: number, stride = 1): Float64Array {
  const count = windowCount(matrix.ts.length, length, stride);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = matrix.ts[i * stride + length - 1] ?? Number.NaN;
  return out;
}

export interface PackedWindows {
  /** [count, length, features] row-major. */
  readonly data: Float32Array;
  readonly count: number;
  readonly length: number;
  readonly features: number;
}

/** Every window copied into one packed Float32Array [N, T, F] (NaN stays NaN). */
export function packWindows(matrix: FeatureMatrix, length: number, stride = 1): PackedWindows {
  const features = matrix.columns.length;
  const count = windowCount(matrix.ts.length, length, stride);
  const block = length * features;
  const data = new Float32Array(count * block);
  for (let i = 0; i < count; i++) {
    const first = i * stride * features;
    data.set(matrix.values.subarray(first, first + block), i * block);
  }
  return { data, count, length, features };
}

function checkShape(length: number, stride: number): void {
  if (!(Number.isInteger(length) && length >= 1)) throw new RangeError(`window length ${length}`);
  if (!(Number.isInteger(stride) && stride >= 1)) throw new RangeError(`window stride ${stride}`);
}
