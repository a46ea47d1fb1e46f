/**
 * The probability of an up move a model's output stands for: what the ML-signal strategy
 * trades on, in the training folds' backtests and in paper trading alike.
 *
 * - two classes [down, up]: P(up);
 * - three classes [down, flat, up]: P(up | the price moves), so a model that mostly says
 *   "flat" is not read as bearish;
 * - regression [return]: a logistic of the predicted return in units of the training targets'
 *   spread (`targetScale`), which only the training run knows.
 */
export function upProbabilityOf(output: ArrayLike<number>, classes: number, targetScale = 1): number {
  if (classes === 0) {
    const value = output[0] ?? Number.NaN;
    return 1 / (1 + Math.exp(-value / (targetScale > 0 ? targetScale : 1)));
  }
  if (classes === 2) return output[1] ?? Number.NaN;
  const down = output[0] ?? 0;
  const up = output[2] ?? 0;
  return down + up > 0 ? up / (down + up) : 0.5;
}

/** `upProbabilityOf` for every row of a [rows, classes] (or [rows] for regression) output. */
export function upProbability(
  outputs: Float64Array,
  classes: number,
  rows: number,
  targetScale: number,
): Float64Array {
  const width = classes === 0 ? 1 : classes;
  const up = new Float64Array(rows);
  for (let r = 0; r < rows; r++)
    up[r] = upProbabilityOf(outputs.subarray(r * width, (r + 1) * width), classes, targetScale);
  return up;
}
