// A trained network as the worker uses it: synchronous predictions (one dataSync inside a
// tidy, nothing left allocated), MC-dropout uncertainty, attention weights for one window, and
// its stored form as a tfjs artifact that loads back to identical predictions.
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import {
  ModelFormatError,
  modelParamsSchema,
  type AttentiveModel,
  type ModelArtifact,
  type UncertainModel,
} from '../model.js';
import {
  buildNetwork,
  DIRECTION_OUTPUT,
  isNetKind,
  POOLING_ATTENTION,
  RETURN_OUTPUT,
  selfAttentionName,
  type NetKind,
  type NetParams,
  type NetShape,
} from './architectures.js';
import './layers.js';

const META_VERSION = 1;

/** What a network artifact carries besides its layers (ModelArtifact.meta). */
export const networkMetaSchema = z.object({
  version: z.literal(META_VERSION),
  params: modelParamsSchema,
  window: z.number().int().positive(),
  features: z.number().int().positive(),
  classes: z.union([z.literal(0), z.literal(2), z.literal(3)]),
  columns: z.array(z.string()),
  /** Scale of the return head's target (null without one). */
  target: z.object({ mean: z.number(), std: z.number().positive() }).nullable(),
  /** The tf backend it was trained on. */
  backend: z.string(),
  /** Epochs completed when saved, and the loss early stopping watched (valid, else train). */
  epoch: z.number().int().nonnegative(),
  monitorLoss: z.number().nullable(),
});
export type NetworkMeta = z.infer<typeof networkMetaSchema> & { readonly params: NetParams };

const BYTES_PER_DTYPE: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1 };

const weightSpecsSchema = z.array(
  z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()), dtype: z.string() }).loose(),
);

export class NetworkModel implements UncertainModel, AttentiveModel {
  readonly kind: NetKind;
  readonly columns: readonly string[];
  readonly window: number;
  readonly outputs: number;
  readonly features: number;
  private readonly directionIndex: number;
  private readonly returnIndex: number;
  private probe: tf.LayersModel | null = null;
  private disposed = false;
  /** The input in float32, reused across calls (live inference predicts one row at a time). */
  private scratch = new Float32Array(0);

  constructor(
    /** The tfjs model; owned by this object from now on. */
    readonly network: tf.LayersModel,
    readonly meta: NetworkMeta,
  ) {
    this.kind = meta.params.kind;
    this.columns = meta.columns;
    this.window = meta.window;
    this.features = meta.features;
    this.outputs = meta.classes > 0 ? meta.classes : 1;
    this.directionIndex = network.outputNames.indexOf(DIRECTION_OUTPUT);
    this.returnIndex = network.outputNames.indexOf(RETURN_OUTPUT);
  }

  /** Whether `attention` has weights to show (attention pooling or self-attention). */
  get hasAttention(): boolean {
    return this.kind === 'bilstm-attention' || this.kind === 'transformer';
  }

  /** Whether `predictReturn` has a regression head to read. */
  get hasReturnHead(): boolean {
    return this.returnIndex >= 0;
  }

  /**
   * Class probabilities (or the regression value) per window. A window holding NaN or Infinity
   * gets NaN outputs: the network is not asked to guess around missing values.
   */
  predict(x: Float64Array, rows: number, out = new Float64Array(rows * this.outputs)): Float64Array {
    const index = this.meta.classes > 0 ? this.directionIndex : this.returnIndex;
    return this.run(x, rows, out, index, this.outputs);
  }

  /** The return head's forecast of the forward return per window, in the target's units. */
  predictReturn(x: Float64Array, rows: number, out = new Float64Array(rows)): Float64Array {
    if (this.returnIndex < 0)
      throw new Error(`${this.kind} with ${this.meta.classes} classes has no return head`);
    return this.run(x, rows, out, this.returnIndex, 1);
  }

  private run(x: Float64Array, rows: number, out: Float64Array, index: number, width: number): Float64Array {
    const bad = this.load(x, rows);
    const values = tf.tidy(
      () => this.outputsOf(this.input(rows), false)[index]?.dataSync() ?? new Float32Array(0),
    );
    if (out.length < rows * width)
      throw new RangeError(`out holds ${out.length} values, ${rows * width} needed`);
    for (let i = 0; i < rows * width; i++) out[i] = this.unscale(values[i] ?? NaN, index);
    for (const row of bad) out.fill(NaN, row * width, (row + 1) * width);
    return out;
  }

  /**
   * Per window, the std over `samples` passes with dropout on (MC dropout) of the probability
   * of the class the deterministic pass picks (or of the regression value). 0 without dropout.
   */
  uncertainty(x: Float64Array, rows: number, samples: number): Float64Array {
    if (!Number.isInteger(samples) || samples < 2)
      throw new RangeError(`samples must be an integer >= 2, got ${samples}`);
    const width = this.outputs;
    const point = this.predict(x, rows);
    const bad = this.load(x, rows);
    // All passes in one batch: each copy of a window draws its own dropout masks.
    const stochastic = tf.tidy(() => {
      const input = tf.tile(this.input(rows), [samples, 1, 1]);
      const index = this.meta.classes > 0 ? this.directionIndex : this.returnIndex;
      return this.outputsOf(input, true)[index]?.dataSync() ?? new Float32Array(0);
    });
    const spread = new Float64Array(rows);
    for (let row = 0; row < rows; row++) {
      let top = 0;
      for (let c = 1; c < width; c++)
        if ((point[row * width + c] ?? 0) > (point[row * width + top] ?? 0)) top = c;
      let sum = 0;
      let squares = 0;
      for (let s = 0; s < samples; s++) {
        const value = stochastic[(s * rows + row) * width + top] ?? NaN;
        sum += value;
        squares += value * value;
      }
      const mean = sum / samples;
      spread[row] = Math.sqrt(Math.max(0, squares / samples - mean * mean));
    }
    for (const row of bad) spread[row] = NaN;
    return spread;
  }

  /**
   * The attention behind one prediction: [window] pooling weights (bilstm-attention) or
   * [layers, heads, window, window] self-attention matrices (transformer), rows summing to 1.
   */
  attention(x: Float64Array): { readonly shape: readonly number[]; readonly weights: Float32Array } {
    if (!this.hasAttention) throw new Error(`${this.kind} has no attention weights`);
    const probe = this.attentionProbe();
    this.load(x, 1);
    return tf.tidy(() => {
      const raw = probe.predict(this.input(1));
      const parts = Array.isArray(raw) ? raw : [raw];
      const stacked = tf.concat(parts.map((part) => tf.squeeze(part, [0]).expandDims(0)));
      const shape = this.kind === 'bilstm-attention' ? [this.window] : stacked.shape;
      return { shape, weights: stacked.dataSync() as Float32Array };
    });
  }

  /** A second model over the same layers whose outputs are the attention layers' outputs. */
  private attentionProbe(): tf.LayersModel {
    this.assertLive();
    if (this.probe) return this.probe;
    const names =
      this.kind === 'bilstm-attention'
        ? [POOLING_ATTENTION]
        : Array.from(
            { length: this.meta.params.kind === 'transformer' ? this.meta.params.layers : 0 },
            (_, i) => selfAttentionName(i),
          );
    const outputs = names.map((name) => this.network.getLayer(name).output as tf.SymbolicTensor);
    this.probe = tf.model({ inputs: this.network.inputs, outputs });
    return this.probe;
  }

  async save(): Promise<ModelArtifact> {
    return saveNetwork(this.network, this.meta);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // The probe shares every layer with the network: disposing the network frees them.
    this.network.dispose();
  }

  private assertLive(): void {
    if (this.disposed) throw new Error(`the ${this.kind} model was disposed`);
  }

  /** Copies x into the float32 scratch; returns the rows with a non-finite value (fed as 0, output NaN). */
  private load(x: Float64Array, rows: number): number[] {
    this.assertLive();
    const span = this.window * this.features;
    if (!Number.isInteger(rows) || rows < 1 || x.length < rows * span)
      throw new RangeError(
        `x holds ${x.length} values, ${rows} windows of ${this.window} x ${this.features} need ${rows * span}`,
      );
    if (this.scratch.length < rows * span) this.scratch = new Float32Array(rows * span);
    const bad: number[] = [];
    for (let row = 0; row < rows; row++) {
      let finite = true;
      for (let at = row * span, end = at + span; at < end; at++) {
        const value = x[at] ?? NaN;
        finite &&= Number.isFinite(value);
        this.scratch[at] = value;
      }
      if (!finite) {
        bad.push(row);
        this.scratch.fill(0, row * span, (row + 1) * span);
      }
    }
    return bad;
  }

  private input(rows: number): tf.Tensor3D {
    return tf.tensor3d(this.scratch.subarray(0, rows * this.window * this.features), [
      rows,
      this.window,
      this.features,
    ]);
  }

  private outputsOf(input: tf.Tensor, training: boolean): tf.Tensor[] {
    const out = this.network.apply(input, { training }) as tf.Tensor | tf.Tensor[];
    return Array.isArray(out) ? out : [out];
  }

  private unscale(value: number, index: number): number {
    const target = this.meta.target;
    return index === this.returnIndex && target ? value * target.std + target.mean : value;
  }
}

/** The network and its meta as a {format: 'tfjs'} artifact (no optimizer state). */
export async function saveNetwork(network: tf.LayersModel, meta: NetworkMeta): Promise<ModelArtifact> {
  const saved: { artifacts: tf.io.ModelArtifacts | null } = { artifacts: null };
  await network.save(
    tf.io.withSaveHandler((artifacts) => {
      saved.artifacts = artifacts;
      return Promise.resolve({ modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) });
    }),
    { includeOptimizer: false },
  );
  const artifacts = saved.artifacts;
  if (!artifacts?.weightData || !artifacts.weightSpecs) throw new Error('tfjs saved no weights');
  const weightData = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  return {
    format: 'tfjs',
    kind: meta.params.kind,
    modelTopology: artifacts.modelTopology,
    weightSpecs: artifacts.weightSpecs,
    weightData,
    meta: { ...meta },
  };
}

/** Reads a network back; a corrupt artifact throws ModelFormatError naming what is wrong. */
export async function loadNetwork(artifact: ModelArtifact): Promise<NetworkModel> {
  const { network, meta } = await loadLayers(artifact);
  return new NetworkModel(network, meta);
}

/** The tfjs model and meta of an artifact, checked: shared by loadNetwork and resumed training. */
export async function loadLayers(
  artifact: ModelArtifact,
): Promise<{ network: tf.LayersModel; meta: NetworkMeta }> {
  if (artifact.format !== 'tfjs')
    throw new ModelFormatError(`a ${artifact.format} artifact is not a network`);
  if (!isNetKind(artifact.kind)) throw new ModelFormatError(`kind ${artifact.kind} is not a network`);
  const parsedMeta = networkMetaSchema.safeParse(artifact.meta);
  if (!parsedMeta.success)
    throw new ModelFormatError(
      `meta is invalid: ${parsedMeta.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const meta = parsedMeta.data;
  if (meta.params.kind !== artifact.kind)
    throw new ModelFormatError(`meta is for ${meta.params.kind}, the artifact says ${artifact.kind}`);
  let topology = artifact.modelTopology;
  if (typeof topology === 'string') {
    try {
      topology = JSON.parse(topology) as unknown;
    } catch (error) {
      throw new ModelFormatError(
        `modelTopology is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  if (
    typeof topology !== 'object' ||
    topology === null ||
    !('class_name' in topology) ||
    !('config' in topology)
  )
    throw new ModelFormatError('modelTopology is not a tfjs model topology (no class_name/config)');
  const specs = weightSpecsSchema.safeParse(artifact.weightSpecs);
  if (!specs.success) throw new ModelFormatError('weightSpecs is not a list of {name, shape, dtype}');
  let expected = 0;
  for (const spec of specs.data) {
    const bytes = BYTES_PER_DTYPE[spec.dtype];
    if (bytes === undefined)
      throw new ModelFormatError(`weight ${spec.name} has unsupported dtype ${spec.dtype}`);
    expected += spec.shape.reduce((n, d) => n * d, 1) * bytes;
  }
  if (!(artifact.weightData instanceof ArrayBuffer))
    throw new ModelFormatError('weightData is not an ArrayBuffer');
  if (artifact.weightData.byteLength !== expected)
    throw new ModelFormatError(
      `weightData is ${artifact.weightData.byteLength} bytes, the weight specs need ${expected} (${artifact.weightData.byteLength < expected ? 'truncated' : 'extra bytes'})`,
    );
  let network: tf.LayersModel;
  try {
    network = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: topology as tf.io.ModelArtifacts['modelTopology'],
        weightSpecs: specs.data as tf.io.WeightsManifestEntry[],
        weightData: artifact.weightData,
      }),
    );
  } catch (error) {
    throw new ModelFormatError(
      `the network cannot be rebuilt from its topology and weights: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const [, window, features] = network.inputs[0]?.shape ?? [];
  if (window !== meta.window || features !== meta.features) {
    network.dispose();
    throw new ModelFormatError(
      `the network reads [${window}, ${features}] windows, meta says [${meta.window}, ${meta.features}]`,
    );
  }
  return { network, meta: meta as NetworkMeta };
}

/** A freshly initialised network (no training) with its meta: for shape checks and latency figures. */
export function untrainedNetwork(
  params: NetParams,
  shape: NetShape,
  backend = tf.getBackend(),
): NetworkModel {
  const classes = shape.classes === 0 ? 0 : shape.classes === 2 ? 2 : 3;
  return new NetworkModel(buildNetwork(params, shape), {
    version: META_VERSION,
    params,
    window: shape.window,
    features: shape.features,
    classes,
    columns: Array.from({ length: shape.features }, (_, i) => `f${i}`),
    target: classes === 0 || params.kind === 'cnn-lstm' ? { mean: 0, std: 1 } : null,
    backend,
    epoch: 0,
    monitorLoss: null,
  });
}
