import { createRng, type Rng } from '../market/rng.js';

/**
 * Class imbalance remedies. Markets are mostly "flat", so an unweighted classifier learns to
 * say flat. Every remedy here works on TRAINING rows only: weights are counted over them, and
 * oversampling copies or interpolates between them, so no validation row is ever seen, copied
 * or used as a neighbour.
 */

/** n / (k * count_c) over the given rows; a class absent from them gets weight 0. */
export function classWeights(y: ArrayLike<number>, classes: number, rows?: ArrayLike<number>): Float64Array {
  const counts = new Float64Array(classes);
  const n = rows === undefined ? y.length : rows.length;
  for (let i = 0; i < n; i++) {
    const label = y[rows === undefined ? i : (rows[i] ?? 0)] ?? Number.NaN;
    if (!(Number.isInteger(label) && label >= 0 && label < classes))
      throw new RangeError(`label ${label} is not a class of ${classes}`);
    counts[label] = (counts[label] ?? 0) + 1;
  }
  const weights = new Float64Array(classes);
  for (let c = 0; c < classes; c++) {
    const count = counts[c] ?? 0;
    weights[c] = count > 0 ? n / (classes * count) : 0;
  }
  return weights;
}

/** The weight of each row from its class. */
export function sampleWeights(y: ArrayLike<number>, weights: Float64Array): Float64Array {
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = weights[y[i] ?? 0] ?? 0;
  return out;
}

export interface TrainingRows {
  /** Row-major [rows, width]. */
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly rows: number;
}

export interface OversampleOptions {
  readonly method: 'random' | 'smote';
  readonly classes: number;
  readonly seed: number;
  /** SMOTE neighbours; default 5. */
  readonly neighbours?: number;
}

/**
 * The training rows (in `trainIdx` order) followed by synthetic minority rows until every class
 * present has as many rows as the largest one. `random` repeats rows drawn uniformly from the
 * class; `smote` (Chawla et al. 2002) places each new row at a uniform point between a row of
 * the class and one of its `neighbours` nearest same-class rows (Euclidean over the columns
 * both have; a column missing in either is copied from the drawn row).
 */
export function oversample(
  x: Float64Array,
  y: Float64Array,
  width: number,
  trainIdx: Int32Array,
  options: OversampleOptions,
): TrainingRows {
  const rng = createRng(options.seed);
  const byClass: number[][] = Array.from({ length: options.classes }, () => []);
  for (const row of trainIdx) {
    const label = y[row] ?? Number.NaN;
    const members = byClass[label];
    if (members === undefined) throw new RangeError(`label ${label} is not a class of ${options.classes}`);
    members.push(row);
  }
  const target = Math.max(...byClass.map((members) => members.length));
  let extra = 0;
  for (const members of byClass) if (members.length > 0) extra += target - members.length;
  const rows = trainIdx.length + extra;
  const outX = new Float64Array(rows * width);
  const outY = new Float64Array(rows);
  trainIdx.forEach((row, i) => {
    outX.set(x.subarray(row * width, (row + 1) * width), i * width);
    outY[i] = y[row] ?? Number.NaN;
  });
  let at = trainIdx.length;
  byClass.forEach((members, label) => {
    if (members.length === 0) return;
    const neighbours = new Map<number, Int32Array>();
    for (let n = members.length; n < target; n++, at++) {
      const base = members[rng.int(0, members.length)] ?? 0;
      outY[at] = label;
      if (options.method === 'random' || members.length === 1) {
        outX.set(x.subarray(base * width, (base + 1) * width), at * width);
        continue;
      }
      let near = neighbours.get(base);
      if (near === undefined) {
        near = nearestNeighbours(x, width, base, members, options.neighbours ?? 5);
        neighbours.set(base, near);
      }
      const other = near[rng.int(0, near.length)] ?? base;
      interpolate(x, width, base, other, rng, outX, at);
    }
  });
  return { x: outX, y: outY, rows };
}

function interpolate(
  x: Float64Array,
  width: number,
  base: number,
  other: number,
  rng: Rng,
  out: Float64Array,
  at: number,
): void {
  const gap = rng.next();
  for (let c = 0; c < width; c++) {
    const a = x[base * width + c] ?? Number.NaN;
    const b = x[other * width + c] ?? Number.NaN;
    out[at * width + c] = Number.isNaN(a) || Number.isNaN(b) ? a : a + gap * (b - a);
  }
}

/** The k same-class rows nearest to `row` (brute force: O(class size * width) per row asked). */
function nearestNeighbours(
  x: Float64Array,
  width: number,
  row: number,
  members: readonly number[],
  k: number,
): Int32Array {
  const candidates: { row: number; distance: number }[] = [];
  for (const other of members) {
    if (other === row) continue;
    let distance = 0;
    for (let c = 0; c < width; c++) {
      const d = (x[row * width + c] ?? Number.NaN) - (x[other * width + c] ?? Number.NaN);
      if (!Number.isNaN(d)) distance += d * d;
    }
    candidates.push({ row: other, distance });
  }
  // Ties broken by row index so the result does not depend on sort stability.
  candidates.sort((a, b) => a.distance - b.distance || a.row - b.row);
  return Int32Array.from(candidates.slice(0, Math.max(1, k)).map((c) => c.row));
}
