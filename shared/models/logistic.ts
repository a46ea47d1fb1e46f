/**
 * Multinomial logistic regression, the stacking meta-learner: softmax over a linear score per
 * class, fitted by L-BFGS (Nocedal & Wright, alg. 7.4/7.5) with Armijo backtracking on the
 * weighted mean cross-entropy + l2/2 * |W|^2 (the intercepts are not penalised). Starts from
 * zero and uses no randomness, so the same inputs give the same weights.
 */

export interface LogisticRegression {
  readonly features: number;
  readonly classes: number;
  /** [classes, features + 1] row-major; the last number of each row is the intercept. */
  readonly weights: Float64Array;
}

export interface LogisticOptions {
  readonly l2?: number;
  readonly iterations?: number;
  readonly tolerance?: number;
  readonly sampleWeights?: Float64Array;
}

const HISTORY = 8;

/** Class probabilities of `rows` rows of z [rows, features] into out [rows, classes]. */
export function logisticProbabilities(
  model: LogisticRegression,
  z: Float64Array,
  rows: number,
  out = new Float64Array(rows * model.classes),
): Float64Array {
  const { features, classes, weights } = model;
  const stride = features + 1;
  for (let r = 0; r < rows; r++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < classes; k++) {
      let score = weights[k * stride + features] ?? 0;
      for (let j = 0; j < features; j++) score += (weights[k * stride + j] ?? 0) * (z[r * features + j] ?? 0);
      out[r * classes + k] = score;
      max = Math.max(max, score);
    }
    let sum = 0;
    for (let k = 0; k < classes; k++) {
      const e = Math.exp((out[r * classes + k] ?? 0) - max);
      out[r * classes + k] = e;
      sum += e;
    }
    for (let k = 0; k < classes; k++) out[r * classes + k] = (out[r * classes + k] ?? 0) / sum;
  }
  return out;
}

export function fitLogistic(
  z: Float64Array,
  rows: number,
  features: number,
  y: ArrayLike<number>,
  classes: number,
  options: LogisticOptions = {},
): LogisticRegression {
  if (z.length !== rows * features) throw new RangeError(`${z.length} inputs for ${rows} rows x ${features}`);
  if (y.length !== rows) throw new RangeError(`${y.length} labels for ${rows} rows`);
  const l2 = options.l2 ?? 1e-3;
  const stride = features + 1;
  const size = classes * stride;
  const probs = new Float64Array(rows * classes);
  let totalWeight = 0;
  for (let r = 0; r < rows; r++) totalWeight += options.sampleWeights?.[r] ?? 1;

  const objective = (w: Float64Array, gradient: Float64Array): number => {
    const model = { features, classes, weights: w };
    logisticProbabilities(model, z, rows, probs);
    gradient.fill(0);
    let loss = 0;
    for (let r = 0; r < rows; r++) {
      const weight = (options.sampleWeights?.[r] ?? 1) / totalWeight;
      const label = y[r] ?? 0;
      loss -= weight * Math.log(Math.max(1e-300, probs[r * classes + label] ?? 0));
      for (let k = 0; k < classes; k++) {
        const error = weight * ((probs[r * classes + k] ?? 0) - (k === label ? 1 : 0));
        for (let j = 0; j < features; j++)
          gradient[k * stride + j] = (gradient[k * stride + j] ?? 0) + error * (z[r * features + j] ?? 0);
        gradient[k * stride + features] = (gradient[k * stride + features] ?? 0) + error;
      }
    }
    for (let k = 0; k < classes; k++) {
      for (let j = 0; j < features; j++) {
        const value = w[k * stride + j] ?? 0;
        loss += 0.5 * l2 * value * value;
        gradient[k * stride + j] = (gradient[k * stride + j] ?? 0) + l2 * value;
      }
    }
    return loss;
  };

  const weights = minimiseLbfgs(objective, size, options.iterations ?? 200, options.tolerance ?? 1e-9);
  return { features, classes, weights };
}

const dot = (a: Float64Array, b: Float64Array): number => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] ?? 0) * (b[i] ?? 0);
  return sum;
};

/** Limited-memory BFGS from x = 0; `objective` returns f(x) and writes its gradient. */
export function minimiseLbfgs(
  objective: (x: Float64Array, gradient: Float64Array) => number,
  size: number,
  iterations: number,
  tolerance: number,
): Float64Array {
  let x = new Float64Array(size);
  let gradient = new Float64Array(size);
  let value = objective(x, gradient);
  const steps: Float64Array[] = [];
  const changes: Float64Array[] = [];
  const direction = new Float64Array(size);
  const alphas = new Float64Array(HISTORY);
  for (let iteration = 0; iteration < iterations; iteration++) {
    // Two-loop recursion: direction = -H * gradient.
    direction.set(gradient);
    for (let i = steps.length - 1; i >= 0; i--) {
      const s = steps[i] ?? direction;
      const yk = changes[i] ?? direction;
      const alpha = dot(s, direction) / dot(yk, s);
      alphas[i] = alpha;
      for (let j = 0; j < size; j++) direction[j] = (direction[j] ?? 0) - alpha * (yk[j] ?? 0);
    }
    const last = steps.length - 1;
    const scale =
      last >= 0
        ? dot(steps[last] ?? direction, changes[last] ?? direction) /
          dot(changes[last] ?? direction, changes[last] ?? direction)
        : 1;
    for (let j = 0; j < size; j++) direction[j] = (direction[j] ?? 0) * scale;
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i] ?? direction;
      const yk = changes[i] ?? direction;
      const beta = dot(yk, direction) / dot(yk, s);
      for (let j = 0; j < size; j++)
        direction[j] = (direction[j] ?? 0) + (s[j] ?? 0) * ((alphas[i] ?? 0) - beta);
    }
    for (let j = 0; j < size; j++) direction[j] = -(direction[j] ?? 0);
    let slope = dot(gradient, direction);
    if (!(slope < 0)) {
      // Not a descent direction (curvature went wrong): fall back to steepest descent.
      for (let j = 0; j < size; j++) direction[j] = -(gradient[j] ?? 0);
      slope = dot(gradient, direction);
      steps.length = 0;
      changes.length = 0;
    }
    if (slope === 0) break;
    let step = iteration === 0 && steps.length === 0 ? 1 / Math.sqrt(-slope) : 1;
    const next = new Float64Array(size);
    const nextGradient = new Float64Array(size);
    let nextValue = Number.POSITIVE_INFINITY;
    for (let tries = 0; tries < 40; tries++) {
      for (let j = 0; j < size; j++) next[j] = (x[j] ?? 0) + step * (direction[j] ?? 0);
      nextValue = objective(next, nextGradient);
      if (nextValue <= value + 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(nextValue <= value)) break;
    const s = new Float64Array(size);
    const yk = new Float64Array(size);
    for (let j = 0; j < size; j++) {
      s[j] = (next[j] ?? 0) - (x[j] ?? 0);
      yk[j] = (nextGradient[j] ?? 0) - (gradient[j] ?? 0);
    }
    if (dot(s, yk) > 1e-12) {
      steps.push(s);
      changes.push(yk);
      if (steps.length > HISTORY) {
        steps.shift();
        changes.shift();
      }
    }
    const improvement = value - nextValue;
    x = next;
    gradient = nextGradient;
    value = nextValue;
    let largest = 0;
    for (let j = 0; j < size; j++) largest = Math.max(largest, Math.abs(gradient[j] ?? 0));
    if (largest < tolerance || improvement < tolerance * Math.max(1, Math.abs(value))) break;
  }
  return x;
}
