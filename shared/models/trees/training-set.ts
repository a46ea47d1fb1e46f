import { classWeights, oversample } from '../imbalance.js';

/** Rows a tree learner trains on: row-major x [rows, columns], y = class index or target. */
export interface TreeTrainingSet {
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly rows: number;
  readonly columns: readonly string[];
  /** 2 or 3 classes, 0 for regression. */
  readonly classes: number;
  /** Per-row sample weights (default 1). */
  readonly weights?: Float64Array;
}

export interface ImbalanceParams {
  readonly classWeights: boolean;
  readonly oversample: 'none' | 'random' | 'smote';
  readonly seed: number;
}

/** What the learner fits: oversampled rows (if asked) and the weight of every row. */
export interface PreparedRows {
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly rows: number;
  readonly weights: Float64Array;
}

export function checkTrainingSet(set: TreeTrainingSet, name: string): void {
  const width = set.columns.length;
  if (!(Number.isInteger(set.rows) && set.rows >= 1)) throw new RangeError(`${name}: needs at least one row`);
  if (set.x.length !== set.rows * width)
    throw new RangeError(`${name}: x holds ${set.x.length} values, not ${set.rows} x ${width}`);
  if (set.y.length !== set.rows) throw new RangeError(`${name}: ${set.y.length} labels for ${set.rows} rows`);
  if (set.weights !== undefined && set.weights.length !== set.rows)
    throw new RangeError(`${name}: ${set.weights.length} weights for ${set.rows} rows`);
  if (!(set.classes === 0 || set.classes === 2 || set.classes === 3))
    throw new RangeError(`${name}: ${set.classes} classes (2, 3 or 0 for regression)`);
  for (let i = 0; i < set.rows; i++) {
    const label = set.y[i] ?? Number.NaN;
    const ok =
      set.classes === 0
        ? Number.isFinite(label)
        : Number.isInteger(label) && label >= 0 && label < set.classes;
    if (!ok) throw new RangeError(`${name}: row ${i} has label ${label}`);
  }
}

/**
 * Oversampling (training rows only: this set IS the training rows) and then class weights,
 * multiplied into any given weights. Oversampled rows carry weight 1 before class weighting
 * since SMOTE rows have no given weight.
 */
export function prepareRows(set: TreeTrainingSet, params: ImbalanceParams): PreparedRows {
  let { x, y, rows } = set;
  let weights = set.weights ?? new Float64Array(rows).fill(1);
  if (set.classes > 0 && params.oversample !== 'none') {
    const all = new Int32Array(rows);
    for (let i = 0; i < rows; i++) all[i] = i;
    const grown = oversample(x, y, set.columns.length, all, {
      method: params.oversample,
      classes: set.classes,
      seed: params.seed,
    });
    const given = weights;
    weights = new Float64Array(grown.rows).fill(1);
    weights.set(given);
    ({ x, y, rows } = grown);
  }
  if (set.classes > 0 && params.classWeights) {
    const perClass = classWeights(y, set.classes);
    const weighted = new Float64Array(rows);
    for (let i = 0; i < rows; i++) weighted[i] = (weights[i] ?? 1) * (perClass[y[i] ?? 0] ?? 0);
    weights = weighted;
  }
  return { x, y, rows, weights };
}

/** An error a training run throws when its signal is aborted. */
export function abortError(): Error {
  const error = new Error('training aborted');
  error.name = 'AbortError';
  return error;
}
