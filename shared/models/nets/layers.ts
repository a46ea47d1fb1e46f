// Layers tfjs-layers lacks, written as custom layers and registered for serialization so a
// saved network loads back by class name: additive attention pooling (as two layers, so the
// weights per time step are an output of their own) and multi-head self-attention (likewise
// split into the attention matrix and the mix of values it weights) plus the sinusoidal
// positional encoding of "Attention Is All You Need".
import * as tf from '@tensorflow/tfjs';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
type Shape = tf.Shape;
type Kwargs = Record<string, unknown>;

function only(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  const tensor = Array.isArray(inputs) ? inputs[0] : inputs;
  if (tensor === undefined) throw new Error('expected one input tensor');
  return tensor;
}

function pair(inputs: tf.Tensor | tf.Tensor[]): [tf.Tensor, tf.Tensor] {
  if (!Array.isArray(inputs) || inputs.length !== 2 || !inputs[0] || !inputs[1])
    throw new Error('expected two input tensors');
  return [inputs[0], inputs[1]];
}

function shapeOf(shape: Shape | Shape[], index = 0): Shape {
  const picked = Array.isArray(shape[0]) ? (shape as Shape[])[index] : (shape as Shape);
  if (picked === undefined) throw new Error(`no input shape ${index}`);
  return picked;
}

function lastDim(shape: Shape): number {
  const size = shape[shape.length - 1];
  if (typeof size !== 'number')
    throw new Error(`the last dimension must be known, got ${JSON.stringify(shape)}`);
  return size;
}

/** [B, T, D] x [D, E] -> [B, T, E]: tf.matMul broadcasts only over equal batch ranks. */
function timeDistributedDot(x: tf.Tensor, kernel: tf.Tensor): tf.Tensor {
  const width = x.shape[x.shape.length - 1] ?? 0;
  const out = kernel.shape[1] ?? 0;
  const flat = tf.matMul(tf.reshape(x, [-1, width]), kernel);
  return tf.reshape(flat, [...x.shape.slice(0, -1), out]);
}

function l2(rate: number): ReturnType<typeof tf.regularizers.l2> | undefined {
  return rate > 0 ? tf.regularizers.l2({ l2: rate }) : undefined;
}

interface ScoreArgs extends LayerArgs {
  readonly units: number;
  readonly seed: number;
  readonly l2?: number;
}

/**
 * Additive (Bahdanau) attention scores for pooling a sequence: a = softmax_t(v' tanh(W h_t + b)).
 * [B, T, D] -> [B, T], each row sums to 1 over time.
 */
export class AttentionScores extends tf.layers.Layer {
  static readonly className = 'AttentionScores';
  private readonly units: number;
  private readonly seed: number;
  private readonly l2: number;
  private w: tf.LayerVariable | null = null;
  private b: tf.LayerVariable | null = null;
  private v: tf.LayerVariable | null = null;

  constructor(args: ScoreArgs) {
    super(args);
    this.units = args.units;
    this.seed = args.seed;
    this.l2 = args.l2 ?? 0;
  }

  override build(inputShape: Shape | Shape[]): void {
    const width = lastDim(shapeOf(inputShape));
    const init = (offset: number) => tf.initializers.glorotUniform({ seed: this.seed + offset });
    this.w = this.addWeight('w', [width, this.units], 'float32', init(0), l2(this.l2));
    this.b = this.addWeight('b', [this.units], 'float32', tf.initializers.zeros());
    this.v = this.addWeight('v', [this.units, 1], 'float32', init(1), l2(this.l2));
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = shapeOf(inputShape);
    return [shape[0] ?? null, shape[1] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      if (!this.w || !this.b || !this.v) throw new Error('AttentionScores used before build');
      const h = only(inputs);
      const energy = tf.tanh(tf.add(timeDistributedDot(h, this.w.read()), this.b.read()));
      const scores = tf.squeeze(timeDistributedDot(energy, this.v.read()), [2]);
      return tf.softmax(scores, -1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, seed: this.seed, l2: this.l2 };
  }
}

/** Pools [B, T, D] with weights [B, T] into [B, D]: sum_t a_t h_t. */
export class WeightedTimeSum extends tf.layers.Layer {
  static readonly className = 'WeightedTimeSum';

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = shapeOf(inputShape, 0);
    return [shape[0] ?? null, shape[2] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [h, a] = pair(inputs);
      return tf.sum(tf.mul(h, tf.expandDims(a, 2)), 1);
    });
  }
}

/** Adds the fixed sin/cos encoding of the time step to [B, T, D]; no weights. */
export class SinusoidalPositions extends tf.layers.Layer {
  static readonly className = 'SinusoidalPositions';

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return shapeOf(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = only(inputs);
      const steps = x.shape[1] ?? 0;
      const width = x.shape[2] ?? 0;
      return tf.add(x, tf.tensor3d(positionalEncoding(steps, width), [1, steps, width]));
    });
  }
}

/** PE[t, 2i] = sin(t / 10000^(2i/D)), PE[t, 2i+1] = cos(t / 10000^(2i/D)), row-major [T, D]. */
export function positionalEncoding(steps: number, width: number): Float32Array {
  const table = new Float32Array(steps * width);
  for (let t = 0; t < steps; t++) {
    for (let d = 0; d < width; d++) {
      const angle = t / 10000 ** ((2 * Math.floor(d / 2)) / width);
      table[t * width + d] = d % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return table;
}

interface ConvArgs extends LayerArgs {
  readonly filters: number;
  readonly kernel: number;
  readonly seed: number;
  readonly l2?: number;
}

/**
 * Causal 1-D convolution with ReLU: y_t = relu(b + sum_j x_{t-k+1+j} W_j), zero-padded on the
 * left so step t sees only steps <= t. Written with slices and one matMul because the wasm
 * backend has no Conv2DBackpropFilter kernel, so tf.layers.conv1d cannot train there, and
 * tfjs-layers has no causal padding for Conv1D.
 */
export class CausalConv1D extends tf.layers.Layer {
  static readonly className = 'CausalConv1D';
  private readonly filters: number;
  private readonly kernel: number;
  private readonly seed: number;
  private readonly l2: number;
  private weights_: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;

  constructor(args: ConvArgs) {
    super(args);
    this.filters = args.filters;
    this.kernel = args.kernel;
    this.seed = args.seed;
    this.l2 = args.l2 ?? 0;
  }

  override build(inputShape: Shape | Shape[]): void {
    const width = lastDim(shapeOf(inputShape));
    // Row j * width + f holds the weight of feature f at lag (kernel - 1 - j).
    this.weights_ = this.addWeight(
      'kernel',
      [this.kernel * width, this.filters],
      'float32',
      tf.initializers.glorotUniform({ seed: this.seed }),
      l2(this.l2),
    );
    this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = shapeOf(inputShape);
    return [shape[0] ?? null, shape[1] ?? null, this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      if (!this.weights_ || !this.bias) throw new Error('CausalConv1D used before build');
      const x = only(inputs);
      const steps = x.shape[1] ?? 0;
      const padded = tf.pad(x, [
        [0, 0],
        [this.kernel - 1, 0],
        [0, 0],
      ]);
      const taps = Array.from({ length: this.kernel }, (_, j) =>
        tf.slice(padded, [0, j, 0], [-1, steps, -1]),
      );
      const patches = this.kernel === 1 ? (taps[0] ?? x) : tf.concat(taps, 2);
      return tf.relu(tf.add(timeDistributedDot(patches, this.weights_.read()), this.bias.read()));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), filters: this.filters, kernel: this.kernel, seed: this.seed, l2: this.l2 };
  }
}

interface HeadArgs extends LayerArgs {
  readonly heads: number;
  readonly keyDim: number;
  readonly seed: number;
  readonly l2?: number;
}

/** [B, T, H*K] -> [B, H, T, K] */
function splitHeads(x: tf.Tensor, heads: number, keyDim: number): tf.Tensor {
  return tf.transpose(tf.reshape(x, [...x.shape.slice(0, 2), heads, keyDim]), [0, 2, 1, 3]);
}

/**
 * Scaled dot-product attention matrices of multi-head self-attention:
 * softmax(Q K' / sqrt(K)) per head, [B, T, D] -> [B, H, T, T], each row summing to 1 over the
 * attended (last) axis.
 */
export class SelfAttentionScores extends tf.layers.Layer {
  static readonly className = 'SelfAttentionScores';
  private readonly heads: number;
  private readonly keyDim: number;
  private readonly seed: number;
  private readonly l2: number;
  private query: tf.LayerVariable | null = null;
  private key: tf.LayerVariable | null = null;

  constructor(args: HeadArgs) {
    super(args);
    this.heads = args.heads;
    this.keyDim = args.keyDim;
    this.seed = args.seed;
    this.l2 = args.l2 ?? 0;
  }

  override build(inputShape: Shape | Shape[]): void {
    const width = lastDim(shapeOf(inputShape));
    const shape = [width, this.heads * this.keyDim];
    this.query = this.addWeight(
      'query',
      shape,
      'float32',
      tf.initializers.glorotUniform({ seed: this.seed }),
      l2(this.l2),
    );
    this.key = this.addWeight(
      'key',
      shape,
      'float32',
      tf.initializers.glorotUniform({ seed: this.seed + 1 }),
      l2(this.l2),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = shapeOf(inputShape);
    return [shape[0] ?? null, this.heads, shape[1] ?? null, shape[1] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      if (!this.query || !this.key) throw new Error('SelfAttentionScores used before build');
      const x = only(inputs);
      const q = splitHeads(timeDistributedDot(x, this.query.read()), this.heads, this.keyDim);
      const k = splitHeads(timeDistributedDot(x, this.key.read()), this.heads, this.keyDim);
      const logits = tf.div(tf.matMul(q, k, false, true), Math.sqrt(this.keyDim));
      return tf.softmax(logits, -1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), heads: this.heads, keyDim: this.keyDim, seed: this.seed, l2: this.l2 };
  }
}

/**
 * The other half of multi-head self-attention: values V = x Wv per head, mixed by the
 * attention matrices, heads concatenated and projected back: ([B, T, D], [B, H, T, T]) -> [B, T, D].
 */
export class SelfAttentionMix extends tf.layers.Layer {
  static readonly className = 'SelfAttentionMix';
  private readonly heads: number;
  private readonly keyDim: number;
  private readonly seed: number;
  private readonly l2: number;
  private value: tf.LayerVariable | null = null;
  private output_: tf.LayerVariable | null = null;

  constructor(args: HeadArgs) {
    super(args);
    this.heads = args.heads;
    this.keyDim = args.keyDim;
    this.seed = args.seed;
    this.l2 = args.l2 ?? 0;
  }

  override build(inputShape: Shape | Shape[]): void {
    const width = lastDim(shapeOf(inputShape, 0));
    const inner = this.heads * this.keyDim;
    this.value = this.addWeight(
      'value',
      [width, inner],
      'float32',
      tf.initializers.glorotUniform({ seed: this.seed }),
      l2(this.l2),
    );
    this.output_ = this.addWeight(
      'output',
      [inner, width],
      'float32',
      tf.initializers.glorotUniform({ seed: this.seed + 1 }),
      l2(this.l2),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return shapeOf(inputShape, 0);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      if (!this.value || !this.output_) throw new Error('SelfAttentionMix used before build');
      const [x, attention] = pair(inputs);
      const v = splitHeads(timeDistributedDot(x, this.value.read()), this.heads, this.keyDim);
      const mixed = tf.transpose(tf.matMul(attention, v), [0, 2, 1, 3]);
      const joined = tf.reshape(mixed, [...x.shape.slice(0, 2), this.heads * this.keyDim]);
      return timeDistributedDot(joined, this.output_.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), heads: this.heads, keyDim: this.keyDim, seed: this.seed, l2: this.l2 };
  }
}

for (const layer of [
  CausalConv1D,
  AttentionScores,
  WeightedTimeSum,
  SinusoidalPositions,
  SelfAttentionScores,
  SelfAttentionMix,
])
  tf.serialization.registerClass(layer);
