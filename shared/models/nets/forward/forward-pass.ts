// A plain forward pass over a trained network's weights: the tfjs layer graph is read once
// (layer classes, configs, weights) into a list of steps over Float64Array buffers, which then
// predicts one window in a fraction of a millisecond. tfjs spends 4-18 ms per call on wasm in
// per-op dispatch, not in arithmetic; live signals predict one window at a time, so that
// overhead was the whole latency. Any layer this file does not know makes the plan refuse
// with the layer's name, and the caller keeps predicting through tfjs.
import type * as tf from '@tensorflow/tfjs';
import { positionalEncoding } from '../layers.js';
import {
  activate,
  affine,
  causalConv,
  isPlainActivation,
  layerNorm,
  LstmState,
  mixHeads,
  runLstm,
  selfAttentionScores,
  softmax,
  type LstmWeights,
  type PlainActivation,
} from './layer-math.js';

type Layer = tf.layers.Layer;
type Config = tf.serialization.ConfigDict;

/** Why a network cannot run on the plain pass (the caller falls back to tfjs and says so). */
export class UnsupportedLayerError extends Error {
  override readonly name = 'UnsupportedLayerError';
}

/** One layer's output for one window: row-major values and the shape without the batch axis. */
interface Value {
  readonly values: Float64Array;
  readonly shape: readonly number[];
}

const sizeOf = (shape: readonly number[]): number => shape.reduce((n, d) => n * d, 1);

function fail(layer: Layer, why: string): never {
  throw new UnsupportedLayerError(`layer ${layer.name} (${layer.getClassName()}): ${why}`);
}

function outputShape(layer: Layer): number[] {
  const shape = layer.outputShape;
  if (Array.isArray(shape[0])) fail(layer, 'has more than one output');
  const dims = (shape as (number | null)[]).slice(1);
  if (dims.some((d) => typeof d !== 'number'))
    fail(layer, `output shape ${JSON.stringify(shape)} is not fixed`);
  return dims as number[];
}

function configString(layer: Layer, config: Config, key: string, fallback: string): string {
  const value = config[key] ?? fallback;
  if (typeof value !== 'string') fail(layer, `config ${key} is not a string`);
  return value;
}

function configNumber(layer: Layer, config: Config, key: string, fallback?: number): number {
  const value = config[key] ?? fallback;
  if (typeof value !== 'number') fail(layer, `config ${key} is not a number`);
  return value;
}

function configFlag(config: Config, key: string, fallback: boolean): boolean {
  const value = config[key];
  return typeof value === 'boolean' ? value : fallback;
}

function activationOf(layer: Layer, config: Config, key: string, fallback: string): PlainActivation {
  const name = configString(layer, config, key, fallback);
  if (!isPlainActivation(name)) fail(layer, `activation ${name} has no plain form`);
  return name;
}

/** The layer's weights as float64 copies, checked against the count the layer should have. */
function weightsOf(layer: Layer, count: number): Float64Array[] {
  const tensors = layer.getWeights();
  if (tensors.length !== count) fail(layer, `has ${tensors.length} weights, expected ${count}`);
  return tensors.map((t) => Float64Array.from(t.dataSync()));
}

function must<T>(value: T | undefined, layer: Layer, what: string): T {
  if (value === undefined) fail(layer, `missing ${what}`);
  return value;
}

function lstmWeights(layer: Layer, config: Config, inputs: number, weights: Float64Array[]): LstmWeights {
  if (configFlag(config, 'returnState', false)) fail(layer, 'returnState is not supported');
  if (configFlag(config, 'stateful', false)) fail(layer, 'stateful LSTMs carry state across calls');
  const units = configNumber(layer, config, 'units');
  const useBias = configFlag(config, 'useBias', true);
  const kernel = must(weights[0], layer, 'kernel');
  const recurrent = must(weights[1], layer, 'recurrent kernel');
  const bias = useBias ? must(weights[2], layer, 'bias') : null;
  if (kernel.length !== inputs * 4 * units || recurrent.length !== units * 4 * units)
    fail(layer, `weights do not fit ${inputs} inputs and ${units} units`);
  return {
    units,
    inputs,
    kernel,
    recurrent,
    bias,
    activation: activationOf(layer, config, 'activation', 'tanh'),
    // LSTMCell.DEFAULT_RECURRENT_ACTIVATION in tfjs-layers.
    recurrentActivation: activationOf(layer, config, 'recurrentActivation', 'hardSigmoid'),
  };
}

function only(layer: Layer, inputs: readonly Value[]): Value {
  if (inputs.length !== 1) fail(layer, `expected one input, got ${inputs.length}`);
  return must(inputs[0], layer, 'input');
}

/** What one layer becomes: its output buffer and the work that fills it (null: it aliases its input). */
interface Step {
  readonly output: Value;
  readonly run: (() => void) | null;
}

function planLayer(layer: Layer, inputs: readonly Value[]): Step {
  const className = layer.getClassName();
  const config = layer.getConfig();
  const shape = outputShape(layer);
  const fresh = (): Value => ({ values: new Float64Array(sizeOf(shape)), shape });
  switch (className) {
    case 'Dropout':
    case 'SpatialDropout1D':
    case 'GaussianNoise':
    case 'GaussianDropout':
    case 'AlphaDropout':
      // Identity outside training; MC dropout stays on tfjs (NetworkModel.uncertainty).
      return { output: only(layer, inputs), run: null };
    case 'Dense': {
      const x = only(layer, inputs);
      const units = configNumber(layer, config, 'units');
      const width = must(x.shape.at(-1), layer, 'input width');
      const useBias = configFlag(config, 'useBias', true);
      const [kernel, bias] = weightsOf(layer, useBias ? 2 : 1);
      const activation = activationOf(layer, config, 'activation', 'linear');
      const rows = sizeOf(x.shape) / width;
      const out = fresh();
      const k = must(kernel, layer, 'kernel');
      return {
        output: out,
        run: () => {
          affine(x.values, 0, rows, width, k, bias ?? null, out.values, 0, units);
          activate(activation, out.values, 0, rows, units);
        },
      };
    }
    case 'LSTM': {
      const x = only(layer, inputs);
      const [steps, width] = x.shape;
      if (x.shape.length !== 2 || steps === undefined || width === undefined)
        fail(layer, 'expects [window, features] input');
      const useBias = configFlag(config, 'useBias', true);
      const w = lstmWeights(layer, config, width, weightsOf(layer, useBias ? 3 : 2));
      const sequences = configFlag(config, 'returnSequences', false);
      const backwards = configFlag(config, 'goBackwards', false);
      const state = new LstmState(w.units);
      const out = fresh();
      // Built once: a call allocates nothing.
      const sequenceOut = sequences ? { values: out.values, at: 0, stride: w.units } : null;
      const finalOut = sequences ? null : { values: out.values, at: 0 };
      return {
        output: out,
        run: () => {
          // tfjs returns a backwards LSTM's sequence in the order it read it (last step first).
          if (sequenceOut !== null && backwards) reverseRowsInto(state, w, x.values, steps, sequenceOut);
          else runLstm(w, state, x.values, steps, backwards, sequenceOut, finalOut);
        },
      };
    }
    case 'Bidirectional':
      return bidirectional(layer, config, only(layer, inputs), fresh());
    case 'CausalConv1D': {
      const x = only(layer, inputs);
      const [steps, features] = x.shape;
      if (steps === undefined || features === undefined) fail(layer, 'expects [window, features] input');
      const filters = configNumber(layer, config, 'filters');
      const taps = configNumber(layer, config, 'kernel');
      const [kernel, bias] = weightsOf(layer, 2).map((w) => must(w, layer, 'weight'));
      const k = must(kernel, layer, 'kernel');
      const b = must(bias, layer, 'bias');
      const out = fresh();
      return {
        output: out,
        run: () => {
          causalConv(x.values, steps, features, taps, k, b, out.values, filters);
        },
      };
    }
    case 'AttentionScores': {
      const h = only(layer, inputs);
      const [steps, width] = h.shape;
      if (steps === undefined || width === undefined) fail(layer, 'expects [window, width] input');
      const units = configNumber(layer, config, 'units');
      const [w, b, v] = weightsOf(layer, 3).map((t) => must(t, layer, 'weight'));
      const energy = new Float64Array(steps * units);
      const out = fresh();
      return {
        output: out,
        run: () => {
          affine(h.values, 0, steps, width, must(w, layer, 'w'), must(b, layer, 'b'), energy, 0, units);
          activate('tanh', energy, 0, steps, units);
          affine(energy, 0, steps, units, must(v, layer, 'v'), null, out.values, 0, 1);
          softmax(out.values, 0, steps);
        },
      };
    }
    case 'WeightedTimeSum': {
      if (inputs.length !== 2) fail(layer, 'expects a sequence and its weights');
      const [h, a] = inputs as [Value, Value];
      const [steps, width] = h.shape;
      if (steps === undefined || width === undefined) fail(layer, 'expects [window, width] input');
      const out = fresh();
      return {
        output: out,
        run: () => {
          out.values.fill(0);
          for (let t = 0; t < steps; t++) {
            const weight = a.values[t] ?? 0;
            for (let d = 0; d < width; d++)
              out.values[d] = (out.values[d] ?? 0) + weight * (h.values[t * width + d] ?? 0);
          }
        },
      };
    }
    case 'SinusoidalPositions': {
      const x = only(layer, inputs);
      const [steps, width] = x.shape;
      if (steps === undefined || width === undefined) fail(layer, 'expects [window, width] input');
      // The float32 table the layer adds, so both paths add the same rounded values.
      const table = Float64Array.from(positionalEncoding(steps, width));
      const out = fresh();
      return {
        output: out,
        run: () => {
          for (let i = 0; i < table.length; i++) out.values[i] = (x.values[i] ?? 0) + (table[i] ?? 0);
        },
      };
    }
    case 'SelfAttentionScores': {
      const x = only(layer, inputs);
      const [steps, width] = x.shape;
      if (steps === undefined || width === undefined) fail(layer, 'expects [window, width] input');
      const heads = configNumber(layer, config, 'heads');
      const keyDim = configNumber(layer, config, 'keyDim');
      const [query, key] = weightsOf(layer, 2).map((t) => must(t, layer, 'weight'));
      const inner = heads * keyDim;
      const q = new Float64Array(steps * inner);
      const k = new Float64Array(steps * inner);
      const keys = new Float64Array(steps * keyDim);
      const out = fresh();
      return {
        output: out,
        run: () => {
          affine(x.values, 0, steps, width, must(query, layer, 'query'), null, q, 0, inner);
          affine(x.values, 0, steps, width, must(key, layer, 'key'), null, k, 0, inner);
          selfAttentionScores(q, k, steps, heads, keyDim, out.values, keys);
        },
      };
    }
    case 'SelfAttentionMix': {
      if (inputs.length !== 2) fail(layer, 'expects a sequence and its attention');
      const [x, attention] = inputs as [Value, Value];
      const [steps, width] = x.shape;
      if (steps === undefined || width === undefined) fail(layer, 'expects [window, width] input');
      const heads = configNumber(layer, config, 'heads');
      const keyDim = configNumber(layer, config, 'keyDim');
      const [value, output] = weightsOf(layer, 2).map((t) => must(t, layer, 'weight'));
      const inner = heads * keyDim;
      const v = new Float64Array(steps * inner);
      const joined = new Float64Array(steps * inner);
      const values = new Float64Array(steps * keyDim);
      const out = fresh();
      return {
        output: out,
        run: () => {
          affine(x.values, 0, steps, width, must(value, layer, 'value'), null, v, 0, inner);
          mixHeads(attention.values, v, steps, heads, keyDim, joined, values);
          affine(joined, 0, steps, inner, must(output, layer, 'output'), null, out.values, 0, width);
        },
      };
    }
    case 'LayerNormalization': {
      const x = only(layer, inputs);
      const axis = config['axis'];
      const last = x.shape.length; // with the batch axis in front
      const axes = Array.isArray(axis) ? axis : [axis];
      if (axes.length !== 1 || (axes[0] !== -1 && axes[0] !== last))
        fail(layer, `normalises over axis ${JSON.stringify(axis)}, only the last is supported`);
      const epsilon = configNumber(layer, config, 'epsilon', 1e-3);
      const scale = configFlag(config, 'scale', true);
      const center = configFlag(config, 'center', true);
      const weights = weightsOf(layer, (scale ? 1 : 0) + (center ? 1 : 0));
      const gamma = scale ? must(weights[0], layer, 'gamma') : null;
      const beta = center ? must(weights[scale ? 1 : 0], layer, 'beta') : null;
      const width = must(x.shape.at(-1), layer, 'width');
      const rows = sizeOf(x.shape) / width;
      const out = fresh();
      return {
        output: out,
        run: () => {
          layerNorm(x.values, rows, width, epsilon, gamma, beta, out.values);
        },
      };
    }
    case 'Add': {
      if (inputs.length < 2) fail(layer, 'expects two or more inputs');
      const out = fresh();
      if (inputs.some((input) => input.values.length !== out.values.length))
        fail(layer, 'adds inputs of different shapes (broadcasting is not supported)');
      return {
        output: out,
        run: () => {
          out.values.fill(0);
          for (const input of inputs)
            for (let i = 0; i < out.values.length; i++)
              out.values[i] = (out.values[i] ?? 0) + (input.values[i] ?? 0);
        },
      };
    }
    case 'GlobalAveragePooling1D': {
      const x = only(layer, inputs);
      const [steps, width] = x.shape;
      if (steps === undefined || width === undefined) fail(layer, 'expects [window, width] input');
      const out = fresh();
      return {
        output: out,
        run: () => {
          out.values.fill(0);
          for (let t = 0; t < steps; t++)
            for (let d = 0; d < width; d++)
              out.values[d] = (out.values[d] ?? 0) + (x.values[t * width + d] ?? 0);
          for (let d = 0; d < width; d++) out.values[d] = (out.values[d] ?? 0) / steps;
        },
      };
    }
    default:
      return fail(layer, 'no plain forward pass for this layer');
  }
}

/** A backwards LSTM's sequence as tfjs returns it: row s holds the state after s+1 steps read from the end. */
function reverseRowsInto(
  state: LstmState,
  w: LstmWeights,
  x: Float64Array,
  steps: number,
  out: { readonly values: Float64Array; readonly at: number; readonly stride: number },
): void {
  // Read in reverse, writing each state at the row of the step it read; then flip the rows.
  runLstm(w, state, x, steps, true, out, null);
  const values = out.values;
  for (let a = 0, b = steps - 1; a < b; a++, b--) {
    for (let u = 0; u < w.units; u++) {
      const i = a * w.units + u;
      const j = b * w.units + u;
      const held = values[i] ?? 0;
      values[i] = values[j] ?? 0;
      values[j] = held;
    }
  }
}

/**
 * Bidirectional(LSTM) as tfjs-layers' wrapper computes it: the forward LSTM and a copy with
 * goBackwards flipped, the backward sequence reversed to time order (returnSequences), then
 * merged (concat: forward first).
 */
function bidirectional(layer: Layer, config: Config, x: Value, out: Value): Step {
  const inner = config['layer'];
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner))
    fail(layer, 'has no wrapped layer config');
  const innerClass = inner['className'];
  const innerConfig = inner['config'];
  if (
    innerClass !== 'LSTM' ||
    typeof innerConfig !== 'object' ||
    innerConfig === null ||
    Array.isArray(innerConfig)
  )
    fail(layer, `wraps ${JSON.stringify(innerClass)}, only LSTM is supported`);
  const lstmConfig = innerConfig;
  const mergeMode = configString(layer, config, 'mergeMode', 'concat');
  if (mergeMode !== 'concat' && mergeMode !== 'sum' && mergeMode !== 'ave' && mergeMode !== 'mul')
    fail(layer, `merge mode ${mergeMode} is not supported`);
  const [steps, width] = x.shape;
  if (x.shape.length !== 2 || steps === undefined || width === undefined)
    fail(layer, 'expects [window, features] input');
  const useBias = configFlag(lstmConfig, 'useBias', true);
  const per = useBias ? 3 : 2;
  const weights = weightsOf(layer, 2 * per);
  const forward = lstmWeights(layer, lstmConfig, width, weights.slice(0, per));
  const backward = lstmWeights(layer, lstmConfig, width, weights.slice(per));
  const units = forward.units;
  const sequences = configFlag(lstmConfig, 'returnSequences', false);
  if (configFlag(lstmConfig, 'goBackwards', false))
    fail(layer, 'wraps an LSTM that reads backwards (tfjs does not reverse its forward half)');
  const rows = sequences ? steps : 1;
  const ahead = new Float64Array(rows * units);
  const behind = new Float64Array(rows * units);
  const stateA = new LstmState(units);
  const stateB = new LstmState(units);
  const sequenceOf = (into: Float64Array) => (sequences ? { values: into, at: 0, stride: units } : null);
  const finalOf = (into: Float64Array) => (sequences ? null : { values: into, at: 0 });
  const [aheadSequence, behindSequence] = [sequenceOf(ahead), sequenceOf(behind)];
  const [aheadFinal, behindFinal] = [finalOf(ahead), finalOf(behind)];
  return {
    output: out,
    run: () => {
      // Each state is written at the row of the step it read: time order for both halves,
      // which is what tfjs gives after reversing the backward half.
      runLstm(forward, stateA, x.values, steps, false, aheadSequence, aheadFinal);
      runLstm(backward, stateB, x.values, steps, true, behindSequence, behindFinal);
      const o = out.values;
      for (let r = 0; r < rows; r++) {
        for (let u = 0; u < units; u++) {
          const a = ahead[r * units + u] ?? 0;
          const b = behind[r * units + u] ?? 0;
          if (mergeMode === 'concat') {
            o[r * 2 * units + u] = a;
            o[r * 2 * units + units + u] = b;
          } else o[r * units + u] = mergeMode === 'sum' ? a + b : mergeMode === 'ave' ? 0.5 * (a + b) : a * b;
        }
      }
    },
  };
}

/**
 * A network compiled to plain steps. `run` predicts one window; the outputs are the model's
 * outputs in its own order, read from `output(i)` until the next `run`.
 */
export class PlainForwardPass {
  private constructor(
    private readonly input: Float64Array,
    private readonly steps: readonly (() => void)[],
    private readonly outputs: readonly Value[],
  ) {}

  /**
   * Reads the layer graph of `network` (one input, layers each called once) into steps.
   * Throws UnsupportedLayerError naming the first layer it cannot compute.
   */
  static of(network: tf.LayersModel): PlainForwardPass {
    if (network.inputLayers.length !== 1)
      throw new UnsupportedLayerError(`the network has ${network.inputLayers.length} inputs, expected 1`);
    const produced = new Map<Layer, Value>();
    const work: (() => void)[] = [];
    let input: Float64Array | null = null;
    // Container.layers is in topological order (tfjs sorts by depth), so inputs come first.
    for (const layer of network.layers) {
      if (layer.inboundNodes.length !== 1) fail(layer, 'is applied more than once (shared layers)');
      const node = must(layer.inboundNodes[0], layer, 'inbound node');
      if (layer.getClassName() === 'InputLayer') {
        const shape = outputShape(layer);
        input = new Float64Array(sizeOf(shape));
        produced.set(layer, { values: input, shape });
        continue;
      }
      if (node.tensorIndices.some((i) => i !== 0) || node.nodeIndices.some((i) => i !== 0))
        fail(layer, 'reads a second output of another layer');
      const inputs = node.inboundLayers.map((source) => {
        const value = produced.get(source);
        if (value === undefined) fail(layer, `reads ${source.name} before it is computed`);
        return value;
      });
      const step = planLayer(layer, inputs);
      produced.set(layer, step.output);
      if (step.run !== null) work.push(step.run);
    }
    if (input === null) throw new UnsupportedLayerError('the network has no input layer');
    const outputs = network.outputLayers.map((layer) => {
      const value = produced.get(layer);
      if (value === undefined) fail(layer, 'is an output that was never computed');
      return value;
    });
    return new PlainForwardPass(input, work, outputs);
  }

  /** Values per window the input holds (window x features). */
  get inputSize(): number {
    return this.input.length;
  }

  /** Predicts one window: `x` from `at`, row-major [window, features]. */
  run(x: ArrayLike<number>, at: number): void {
    const input = this.input;
    // Rounded to float32 as tfjs reads it, so both paths start from the same numbers.
    for (let i = 0; i < input.length; i++) input[i] = Math.fround(x[at + i] ?? NaN);
    for (const step of this.steps) step();
  }

  /** Output `index` (the model's output order) of the last `run`. */
  output(index: number): Float64Array {
    const value = this.outputs[index];
    if (value === undefined)
      throw new RangeError(`the network has ${this.outputs.length} outputs, not ${index + 1}`);
    return value.values;
  }
}
