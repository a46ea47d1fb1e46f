// The arithmetic of each layer the networks use, on one window at a time, over Float64Array
// buffers allocated once by the plan (forward-pass.ts): no tensors, no allocation per call.
// Each function mirrors the tfjs-layers code it replaces; the comments name that code, since
// the order of gates and the exact activation are what make the outputs equal.

/** Activations tfjs-layers names in a layer config that the plain pass computes itself. */
export const PLAIN_ACTIVATIONS = ['linear', 'relu', 'tanh', 'sigmoid', 'hardSigmoid', 'softmax'] as const;
export type PlainActivation = (typeof PLAIN_ACTIVATIONS)[number];

export const isPlainActivation = (name: string): name is PlainActivation =>
  (PLAIN_ACTIVATIONS as readonly string[]).includes(name);

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
/** tfjs-layers backend `hardSigmoid`: clip(0.2 x + 0.5, 0, 1) (not the logistic curve). */
const hardSigmoid = (x: number): number => Math.min(1, Math.max(0, 0.2 * x + 0.5));

/** Applies `activation` in place to `rows` rows of `width` values starting at `at`. */
export function activate(
  activation: PlainActivation,
  values: Float64Array,
  at: number,
  rows: number,
  width: number,
): void {
  const end = at + rows * width;
  switch (activation) {
    case 'linear':
      return;
    case 'relu':
      for (let i = at; i < end; i++) values[i] = Math.max(0, values[i] ?? 0);
      return;
    case 'tanh':
      for (let i = at; i < end; i++) values[i] = Math.tanh(values[i] ?? 0);
      return;
    case 'sigmoid':
      for (let i = at; i < end; i++) values[i] = sigmoid(values[i] ?? 0);
      return;
    case 'hardSigmoid':
      for (let i = at; i < end; i++) values[i] = hardSigmoid(values[i] ?? 0);
      return;
    case 'softmax':
      for (let row = at; row < end; row += width) softmax(values, row, width);
      return;
    default: {
      const unknown: never = activation;
      throw new Error(`no plain activation ${String(unknown)}`);
    }
  }
}

/** Softmax in place over `width` values from `at`, shifted by the max as tf.softmax is. */
export function softmax(values: Float64Array, at: number, width: number): void {
  let max = -Infinity;
  for (let i = at; i < at + width; i++) max = Math.max(max, values[i] ?? -Infinity);
  let sum = 0;
  for (let i = at; i < at + width; i++) {
    const e = Math.exp((values[i] ?? 0) - max);
    values[i] = e;
    sum += e;
  }
  for (let i = at; i < at + width; i++) values[i] = (values[i] ?? 0) / sum;
}

/**
 * out[r, :] = bias + x[r, :] W for `rows` rows, W row-major [inWidth, outWidth] (tfjs Dense
 * kernels and every custom layer's kernels are stored this way). `xAt`/`outAt` offset the rows.
 */
export function affine(
  x: Float64Array,
  xAt: number,
  rows: number,
  inWidth: number,
  kernel: Float64Array,
  bias: Float64Array | null,
  out: Float64Array,
  outAt: number,
  outWidth: number,
): void {
  for (let r = 0; r < rows; r++) {
    const o = outAt + r * outWidth;
    if (bias === null) out.fill(0, o, o + outWidth);
    else out.set(bias, o);
    accumulate(x, xAt + r * inWidth, inWidth, kernel, 0, out, o, outWidth);
  }
}

/**
 * out[o..o+width) += x[xAt..xAt+n) W[row0..row0+n), W row-major with `width` columns. Four
 * kernel rows per sweep of `out`: the sweep's loads and stores of out dominate a row at a
 * time, and four at once measured twice as fast as one in V8 (a bare loop, same machine).
 */
export function accumulate(
  x: Float64Array,
  xAt: number,
  n: number,
  kernel: Float64Array,
  row0: number,
  out: Float64Array,
  o: number,
  width: number,
): void {
  let d = 0;
  for (; d + 3 < n; d += 4) {
    const a = x[xAt + d] ?? 0;
    const b = x[xAt + d + 1] ?? 0;
    const c = x[xAt + d + 2] ?? 0;
    const e = x[xAt + d + 3] ?? 0;
    const k0 = (row0 + d) * width;
    const k1 = k0 + width;
    const k2 = k1 + width;
    const k3 = k2 + width;
    for (let j = 0; j < width; j++)
      out[o + j] =
        (out[o + j] ?? 0) +
        a * (kernel[k0 + j] ?? 0) +
        b * (kernel[k1 + j] ?? 0) +
        c * (kernel[k2 + j] ?? 0) +
        e * (kernel[k3 + j] ?? 0);
  }
  for (; d < n; d++) {
    const a = x[xAt + d] ?? 0;
    const k = (row0 + d) * width;
    for (let j = 0; j < width; j++) out[o + j] = (out[o + j] ?? 0) + a * (kernel[k + j] ?? 0);
  }
}

/** The weights and switches of one LSTM (the cell of tfjs-layers' `LSTMCell`). */
export interface LstmWeights {
  readonly units: number;
  readonly inputs: number;
  /** [inputs, 4 * units], gates in the order i, f, c, o. */
  readonly kernel: Float64Array;
  /** [units, 4 * units], same gate order. */
  readonly recurrent: Float64Array;
  readonly bias: Float64Array | null;
  readonly activation: PlainActivation;
  /** tfjs's default is hardSigmoid, not the logistic sigmoid Keras uses. */
  readonly recurrentActivation: PlainActivation;
}

/** Per-LSTM scratch: state and the gate pre-activations, allocated once. */
export class LstmState {
  readonly h: Float64Array;
  readonly c: Float64Array;
  readonly z: Float64Array;
  constructor(units: number) {
    this.h = new Float64Array(units);
    this.c = new Float64Array(units);
    this.z = new Float64Array(4 * units);
  }
}

/**
 * Runs the LSTM over `steps` rows of x (row-major [steps, inputs]) from zero state, as
 * tfjs-layers' LSTMCell.call does per step: z = x_t K + h R + b, split into z0..z3;
 * i = ra(z0), f = ra(z1), c = f c + i a(z2), o = ra(z3), h = o a(c). `backwards` reads the
 * steps last to first (goBackwards). With `sequenceOut` the h of the step reading x_t is
 * written at row t (what Bidirectional gives after reversing its backward half; for a plain
 * LSTM, backwards = false, that is also the order tfjs returns). `finalOut` gets the last h.
 */
export function runLstm(
  w: LstmWeights,
  state: LstmState,
  x: Float64Array,
  steps: number,
  backwards: boolean,
  sequenceOut: { readonly values: Float64Array; readonly at: number; readonly stride: number } | null,
  finalOut: { readonly values: Float64Array; readonly at: number } | null,
): void {
  const { units, inputs, kernel, recurrent } = w;
  const { h, c, z } = state;
  const gates = 4 * units;
  h.fill(0);
  c.fill(0);
  for (let s = 0; s < steps; s++) {
    const t = backwards ? steps - 1 - s : s;
    affine(x, t * inputs, 1, inputs, kernel, w.bias, z, 0, gates);
    accumulate(h, 0, units, recurrent, 0, z, 0, gates);
    activate(w.recurrentActivation, z, 0, 1, units);
    activate(w.recurrentActivation, z, units, 1, units);
    activate(w.activation, z, 2 * units, 1, units);
    activate(w.recurrentActivation, z, 3 * units, 1, units);
    for (let u = 0; u < units; u++) {
      const cu = (z[units + u] ?? 0) * (c[u] ?? 0) + (z[u] ?? 0) * (z[2 * units + u] ?? 0);
      c[u] = cu;
    }
    h.set(c);
    activate(w.activation, h, 0, 1, units);
    for (let u = 0; u < units; u++) h[u] = (z[3 * units + u] ?? 0) * (h[u] ?? 0);
    if (sequenceOut !== null) sequenceOut.values.set(h, sequenceOut.at + t * sequenceOut.stride);
  }
  if (finalOut !== null) finalOut.values.set(h, finalOut.at);
}

/**
 * CausalConv1D (layers.ts) with ReLU: y[t, o] = relu(b[o] + sum_j sum_f x[t - k + 1 + j, f]
 * W[j * F + f, o]), steps before the window counting as zeros (the layer's left padding).
 */
export function causalConv(
  x: Float64Array,
  steps: number,
  features: number,
  taps: number,
  kernel: Float64Array,
  bias: Float64Array,
  out: Float64Array,
  filters: number,
): void {
  for (let t = 0; t < steps; t++) {
    const o = t * filters;
    out.set(bias, o);
    for (let j = 0; j < taps; j++) {
      const source = t - taps + 1 + j;
      if (source < 0) continue;
      accumulate(x, source * features, features, kernel, j * features, out, o, filters);
    }
  }
  activate('relu', out, 0, steps, filters);
}

/**
 * Multi-head attention matrices (SelfAttentionScores in layers.ts): per head h,
 * softmax_j(q_i . k_j / sqrt(K)) where q = x Wq and k = x Wk, head h owning columns
 * h*K..h*K+K-1 (the layer's reshape to [T, H, K] then transpose to [H, T, K]). Out [H, T, T].
 * Each head's keys are first laid out as [K, T] in `keys` (T * K values) so a row of logits
 * is one `accumulate` over contiguous memory: dot products over K = 8 measured 3x slower.
 */
export function selfAttentionScores(
  q: Float64Array,
  k: Float64Array,
  steps: number,
  heads: number,
  keyDim: number,
  out: Float64Array,
  keys: Float64Array,
): void {
  const width = heads * keyDim;
  const scale = Math.sqrt(keyDim);
  for (let head = 0; head < heads; head++) {
    const column = head * keyDim;
    for (let j = 0; j < steps; j++)
      for (let d = 0; d < keyDim; d++) keys[d * steps + j] = k[j * width + column + d] ?? 0;
    for (let i = 0; i < steps; i++) {
      const row = (head * steps + i) * steps;
      out.fill(0, row, row + steps);
      accumulate(q, i * width + column, keyDim, keys, 0, out, row, steps);
      for (let j = row; j < row + steps; j++) out[j] = (out[j] ?? 0) / scale;
      softmax(out, row, steps);
    }
  }
}

/**
 * The attention-weighted values of every head side by side (SelfAttentionMix before its output
 * projection): joined[i, h*K + d] = sum_j a[h, i, j] v[j, h*K + d]. Each head's values are
 * first copied to `values` as [T, K] so the sum over j runs through `accumulate`.
 */
export function mixHeads(
  attention: Float64Array,
  v: Float64Array,
  steps: number,
  heads: number,
  keyDim: number,
  joined: Float64Array,
  values: Float64Array,
): void {
  const width = heads * keyDim;
  joined.fill(0, 0, steps * width);
  for (let head = 0; head < heads; head++) {
    const column = head * keyDim;
    for (let j = 0; j < steps; j++)
      for (let d = 0; d < keyDim; d++) values[j * keyDim + d] = v[j * width + column + d] ?? 0;
    for (let i = 0; i < steps; i++)
      accumulate(attention, (head * steps + i) * steps, steps, values, 0, joined, i * width + column, keyDim);
  }
}

/**
 * LayerNormalization over the last axis (tfjs-layers: moments, then batchNorm):
 * (x - mean) / sqrt(var + epsilon) * gamma + beta, var the population variance.
 */
export function layerNorm(
  x: Float64Array,
  rows: number,
  width: number,
  epsilon: number,
  gamma: Float64Array | null,
  beta: Float64Array | null,
  out: Float64Array,
): void {
  for (let r = 0; r < rows; r++) {
    const at = r * width;
    let sum = 0;
    for (let d = 0; d < width; d++) sum += x[at + d] ?? 0;
    const mean = sum / width;
    let squares = 0;
    for (let d = 0; d < width; d++) squares += ((x[at + d] ?? 0) - mean) ** 2;
    const inverse = 1 / Math.sqrt(squares / width + epsilon);
    for (let d = 0; d < width; d++) {
      const normal = ((x[at + d] ?? 0) - mean) * inverse;
      out[at + d] = normal * (gamma?.[d] ?? 1) + (beta?.[d] ?? 0);
    }
  }
}
