import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NormalizationStats } from '../../../shared/features/pipeline/normalize.js';
import type { ModelArtifact } from '../../../shared/models/model.js';
import { DIRECTION_OUTPUT, type NetKind } from '../../../shared/models/nets/architectures.js';
import { loadNetwork, saveNetwork, type NetworkMeta } from '../../../shared/models/nets/network-model.js';
import { trainNetwork } from '../../../shared/models/nets/train.js';
import type { LivePrediction, ModelLoad } from '../../../shared/worker/feature-worker-protocol.js';
import { LiveInference, restoreModel } from '../../../worker/inference.js';
import { seeded, signTask, smallParams, useWasm } from '../shared/models/nets/net-fixtures.js';

beforeAll(useWasm);

const MODEL_COLUMNS = ['a', 'b', 'c'];
/** The set gives the model's columns in another order, plus one it does not read. */
const SET_COLUMNS = ['c', 'extra', 'a', 'b'];
const WINDOW = 8;

/** Raw set values are model inputs * scale + center: the live path must undo it. */
const normalization: NormalizationStats = {
  method: 'zscore',
  columns: SET_COLUMNS,
  center: [0.5, 0, 100, -3],
  scale: [2, 1, 4, 0.25],
  count: [100, 100, 100, 100],
  trainFrom: 0,
  trainTo: 1,
};

/** Raw set rows, seeded, with one missing input in row 20 (no window holding it is predicted). */
function setRows(rows: number, seed: number): Float64Array {
  const random = seeded(seed);
  const out = new Float64Array(rows * SET_COLUMNS.length);
  for (let r = 0; r < rows; r++)
    SET_COLUMNS.forEach((_, k) => {
      const z = (random() - 0.5) * 3;
      out[r * SET_COLUMNS.length + k] = z * (normalization.scale[k] ?? 1) + (normalization.center[k] ?? 0);
    });
  out[20 * SET_COLUMNS.length + 2] = Number.NaN;
  return out;
}

function loadRequest(artifact: ModelArtifact): ModelLoad {
  if (artifact.format !== 'tfjs') throw new Error('a network artifact');
  return {
    modelId: 3,
    role: 'primary',
    setId: 'set-1',
    columns: SET_COLUMNS,
    artifact,
    normalization: {
      ...normalization,
      columns: [...normalization.columns],
      center: [...normalization.center],
      scale: [...normalization.scale],
      count: [...normalization.count],
    },
    window: WINDOW,
  };
}

/** The artifact again with its own weight buffer: a load transfers (detaches) it. */
function copyOf(artifact: ModelArtifact): ModelArtifact {
  return artifact.format === 'tfjs' ? { ...artifact, weightData: artifact.weightData.slice(0) } : artifact;
}

function predictions(inference: LiveInference, rows: Float64Array): LivePrediction[] {
  const count = rows.length / SET_COLUMNS.length;
  const ts = Float64Array.from({ length: count }, (_, i) => 1_000 * (i + 1));
  const out: LivePrediction[] = [];
  inference.onRows('set-1', ts, rows, count, SET_COLUMNS.length, out, []);
  return out;
}

describe('live inference paths for networks', { timeout: 60_000 }, () => {
  for (const kind of ['lstm', 'cnn-lstm', 'bilstm-attention', 'transformer'] as const satisfies NetKind[]) {
    it(`predicts a trained ${kind} through the plain forward pass, equal to tfjs within 1e-5 after normalisation and masking`, async () => {
      const data = { ...signTask(96, WINDOW, 3, 3, 5), columns: MODEL_COLUMNS };
      const trained = await trainNetwork(data, null, smallParams(kind, { epochs: 2 }));
      const artifact = await trained.save();
      trained.dispose();

      const plain = new LiveInference({ restore: restoreModel, now: () => performance.now() });
      const viaTfjs = new LiveInference({
        restore: async (stored) => ({ model: await loadNetwork(stored), backend: 'wasm' }),
        now: () => performance.now(),
      });
      const plainInfo = await plain.load(loadRequest(copyOf(artifact)));
      const tfjsInfo = await viaTfjs.load(loadRequest(copyOf(artifact)));
      expect(plainInfo).toMatchObject({ path: 'plain forward pass', pathNote: null, uncertainty: true });
      expect(tfjsInfo).toMatchObject({ path: 'tfjs wasm', pathNote: null });

      const rows = setRows(40, 17);
      const fast = predictions(plain, rows);
      const reference = predictions(viaTfjs, rows);
      // Rows 7..19 and 28..39: a full window without the missing row 20.
      expect(fast.map((p) => p.row)).toEqual([...range(7, 20), ...range(28, 40)]);
      expect(reference.map((p) => p.row)).toEqual(fast.map((p) => p.row));
      let gap = 0;
      fast.forEach((p, i) => {
        const q = reference[i];
        if (q === undefined) throw new Error(`no tfjs prediction ${i}`);
        p.output.forEach((value, j) => (gap = Math.max(gap, Math.abs(value - (q.output[j] ?? NaN)))));
        expect(p.output.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
      });
      expect(gap).toBeLessThan(1e-5);
      plain.dispose();
      viaTfjs.dispose();
    });
  }

  it('stays on tfjs for a network with a layer the plain pass lacks, and says which', async () => {
    const input = tf.input({ shape: [WINDOW, 3] });
    const gru = tf.layers.gru({ units: 4, name: 'memory' }).apply(input) as tf.SymbolicTensor;
    const direction = tf.layers.dense({ units: 3, activation: 'softmax', name: DIRECTION_OUTPUT }).apply(gru);
    const network = tf.model({ inputs: input, outputs: direction as tf.SymbolicTensor });
    const meta: NetworkMeta = {
      version: 1,
      params: smallParams('lstm'),
      window: WINDOW,
      features: 3,
      classes: 3,
      columns: MODEL_COLUMNS,
      target: null,
      backend: 'wasm',
      epoch: 0,
      monitorLoss: null,
    };
    const artifact = await saveNetwork(network, meta);
    network.dispose();
    const inference = new LiveInference({ restore: restoreModel, now: () => performance.now() });
    const info = await inference.load(loadRequest(artifact));
    expect(info.path).toMatch(/^tfjs \w+/);
    expect(info.pathNote).toMatch(/layer memory \(GRU\): no plain forward pass/);
    const out = predictions(inference, setRows(12, 3));
    expect(out.map((p) => p.row)).toEqual(range(7, 12));
    inference.dispose();
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
