import { createRng } from '../../../../../shared/market/rng.js';
import type { TreeTrainingSet } from '../../../../../shared/models/trees/training-set.js';

/** Two uniform features on [-1, 1] and a class from a rule of them. */
export function ruleSet(
  rows: number,
  seed: number,
  rule: (a: number, b: number) => number,
  classes: number,
  extraNoiseColumns = 0,
): TreeTrainingSet {
  const rng = createRng(seed);
  const width = 2 + extraNoiseColumns;
  const x = new Float64Array(rows * width);
  const y = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < width; c++) x[r * width + c] = rng.next() * 2 - 1;
    y[r] = rule(x[r * width] ?? 0, x[r * width + 1] ?? 0);
  }
  const columns = Array.from({ length: width }, (_, c) => `f${c}`);
  return { x, y, rows, columns, classes };
}

export const xor = (a: number, b: number): number => (a * b > 0 ? 1 : 0);
export const linear3 = (a: number, b: number): number => (a + 0.5 * b > 0.4 ? 2 : a + 0.5 * b < -0.4 ? 0 : 1);

export function accuracyOf(probs: Float64Array, y: Float64Array, classes: number): number {
  let hits = 0;
  for (let r = 0; r < y.length; r++) {
    let best = 0;
    for (let k = 1; k < classes; k++)
      if ((probs[r * classes + k] ?? 0) > (probs[r * classes + best] ?? 0)) best = k;
    if (best === y[r]) hits++;
  }
  return hits / y.length;
}
