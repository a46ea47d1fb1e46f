// Turns windows of already-normalised features into training tensors. A row whose window,
// label or regression target holds NaN or Infinity is rejected and counted, never zero-filled:
// a zero is a real value after normalisation (the training mean), so filling would teach the
// network a market that did not happen.
import * as tf from '@tensorflow/tfjs';

/** Windows for a sequence network, row i's window ending on row i. */
export interface SequenceData {
  /** Row-major [rows, window, features], normalised. */
  readonly x: Float32Array;
  /** Class index (0..classes-1) per row, or the regression target when classes = 0. */
  readonly y: ArrayLike<number>;
  /** Forward return per row: the target of the cnn-lstm return head. */
  readonly forwardReturn?: ArrayLike<number>;
  readonly rows: number;
  readonly window: number;
  readonly features: number;
  /** 2 or 3 for classification, 0 for regression. */
  readonly classes: number;
  /** Feature names in column order (default f0, f1 ...). */
  readonly columns?: readonly string[];
}

/** Mean and std of a regression target over the training rows; the head learns (t - mean) / std. */
export interface TargetScale {
  readonly mean: number;
  readonly std: number;
}

export function checkShape(data: SequenceData, name: string): void {
  const { rows, window, features } = data;
  if (
    !Number.isInteger(rows) ||
    rows < 0 ||
    !Number.isInteger(window) ||
    window < 1 ||
    !Number.isInteger(features) ||
    features < 1
  )
    throw new RangeError(`${name}: rows ${rows}, window ${window}, features ${features} are not a shape`);
  if (data.x.length !== rows * window * features)
    throw new RangeError(
      `${name}: x has ${data.x.length} values, expected rows * window * features = ${rows * window * features}`,
    );
  if (data.y.length !== rows) throw new RangeError(`${name}: y has ${data.y.length} values for ${rows} rows`);
  if (data.forwardReturn && data.forwardReturn.length !== rows)
    throw new RangeError(`${name}: forwardReturn has ${data.forwardReturn.length} values for ${rows} rows`);
}

/**
 * Indices of the rows a network can learn from, in time order, and how many were rejected for
 * a non-finite value. A class index outside 0..classes-1 is a caller's bug and throws.
 */
export function usableRows(
  data: SequenceData,
  needsReturn: boolean,
): { rows: Uint32Array; rejected: number } {
  const keep = new Uint32Array(data.rows);
  const span = data.window * data.features;
  let kept = 0;
  for (let row = 0; row < data.rows; row++) {
    const label = data.y[row] ?? NaN;
    let ok = Number.isFinite(label);
    if (ok && data.classes > 0 && (!Number.isInteger(label) || label < 0 || label >= data.classes))
      throw new RangeError(`row ${row}: class ${label} is not in 0..${data.classes - 1}`);
    if (ok && needsReturn) ok = Number.isFinite(data.forwardReturn?.[row] ?? NaN);
    for (let at = row * span, end = at + span; ok && at < end; at++) ok = Number.isFinite(data.x[at] ?? NaN);
    if (ok) keep[kept++] = row;
  }
  return { rows: keep.slice(0, kept), rejected: data.rows - kept };
}

export function targetScale(values: ArrayLike<number>, rows: Uint32Array): TargetScale {
  let sum = 0;
  for (const row of rows) sum += values[row] ?? 0;
  const mean = rows.length > 0 ? sum / rows.length : 0;
  let squares = 0;
  for (const row of rows) squares += ((values[row] ?? 0) - mean) ** 2;
  const std = rows.length > 1 ? Math.sqrt(squares / (rows.length - 1)) : 0;
  // A constant target has nothing to scale; 1 keeps the head's output in the target's units.
  return { mean, std: std > 1e-12 ? std : 1 };
}

/** The selected rows' windows as a [n, window, features] tensor (copied when rows were dropped). */
export function windowTensor(data: SequenceData, rows: Uint32Array): tf.Tensor3D {
  const span = data.window * data.features;
  const shape: [number, number, number] = [rows.length, data.window, data.features];
  if (rows.length === data.rows) return tf.tensor3d(data.x, shape);
  const out = new Float32Array(rows.length * span);
  rows.forEach((row, i) => {
    out.set(data.x.subarray(row * span, (row + 1) * span), i * span);
  });
  return tf.tensor3d(out, shape);
}

export function oneHotTensor(data: SequenceData, rows: Uint32Array): tf.Tensor2D {
  const out = new Float32Array(rows.length * data.classes);
  rows.forEach((row, i) => (out[i * data.classes + (data.y[row] ?? 0)] = 1));
  return tf.tensor2d(out, [rows.length, data.classes]);
}

export function scaledTensor(values: ArrayLike<number>, rows: Uint32Array, scale: TargetScale): tf.Tensor2D {
  const out = new Float32Array(rows.length);
  rows.forEach((row, i) => (out[i] = ((values[row] ?? 0) - scale.mean) / scale.std));
  return tf.tensor2d(out, [rows.length, 1]);
}

/** Class weights inversely proportional to class frequency: n / (classes * count); 1 for an absent class. */
export function classWeights(data: SequenceData, rows: Uint32Array): Record<number, number> {
  const counts = new Array<number>(data.classes).fill(0);
  for (const row of rows) counts[data.y[row] ?? 0] = (counts[data.y[row] ?? 0] ?? 0) + 1;
  const weights: Record<number, number> = {};
  counts.forEach((count, c) => (weights[c] = count > 0 ? rows.length / (data.classes * count) : 1));
  return weights;
}
