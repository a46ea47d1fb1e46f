import { modelParamsSchema } from '../../../../../shared/models/model.js';
import type { NetKind, NetParams } from '../../../../../shared/models/nets/architectures.js';
import type { SequenceData } from '../../../../../shared/models/nets/sequences.js';
import { selectBackend } from '../../../../../worker/models/tf-backend.js';

/** Every network test runs on wasm, the backend the workstation picks on this machine. */
export async function useWasm(): Promise<void> {
  const info = await selectBackend({ prefer: ['wasm'] });
  if (info.name !== 'wasm') throw new Error(`wasm did not load: ${JSON.stringify(info.skipped)}`);
}

/** mulberry32: a small seeded source so the data is the same on every run. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * A learnable task: noise windows whose class is the sign of the mean of feature 0 over the
 * window (2 classes: down = 0, up = 1; 3 classes: flat when |mean| < 0.3); the forward return
 * is that mean / 100.
 */
export function signTask(
  rows: number,
  window: number,
  features: number,
  classes: 2 | 3,
  seed: number,
): SequenceData {
  const random = seeded(seed);
  const x = new Float32Array(rows * window * features);
  const y = new Float64Array(rows);
  const forwardReturn = new Float64Array(rows);
  for (let row = 0; row < rows; row++) {
    let sum = 0;
    for (let t = 0; t < window; t++) {
      for (let f = 0; f < features; f++) {
        const value = gaussian(random);
        x[(row * window + t) * features + f] = value;
        if (f === 0) sum += value;
      }
    }
    const mean = sum / window;
    y[row] = classes === 2 ? (mean > 0 ? 1 : 0) : mean < -0.3 ? 0 : mean > 0.3 ? 2 : 1;
    forwardReturn[row] = mean / 100;
  }
  return { x, y, forwardReturn, rows, window, features, classes };
}

/** Small, fast hyper-parameters per kind for a [window, features] task. */
export function smallParams(kind: NetKind, overrides: Record<string, unknown> = {}): NetParams {
  const sizes: Record<NetKind, Record<string, unknown>> = {
    lstm: { units: 8 },
    'bilstm-attention': { units: 6 },
    transformer: { modelDim: 8, heads: 2, layers: 1, ffDim: 16 },
    'cnn-lstm': { filters: 6, kernel: 3, units: 8 },
  };
  const parsed = modelParamsSchema.parse({
    kind,
    window: 8,
    batchSize: 32,
    learningRate: 0.01,
    dropout: 0,
    patience: 0,
    classWeights: false,
    ...sizes[kind],
    ...overrides,
  });
  if (parsed.kind !== kind) throw new Error('unreachable');
  return parsed;
}

/** The windows of `data` as the Float64Array predict() takes. */
export function asInput(data: SequenceData, rows = data.rows): Float64Array {
  return Float64Array.from(data.x.subarray(0, rows * data.window * data.features));
}

/** The element at `index` (negative from the end), failing the test when there is none. */
export function at<T>(items: ArrayLike<T | undefined>, index: number): T {
  const value = items[index < 0 ? items.length + index : index];
  if (value === undefined) throw new Error(`nothing at ${index} of ${items.length}`);
  return value;
}
