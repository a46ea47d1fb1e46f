import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { NET_KINDS, type NetKind } from '../../../../../../shared/models/nets/architectures.js';
import { PlainForwardPass } from '../../../../../../shared/models/nets/forward/forward-pass.js';
import { PlainForwardNetwork } from '../../../../../../shared/models/nets/forward/plain-network.js';
import {
  loadNetwork,
  untrainedNetwork,
  type NetworkModel,
} from '../../../../../../shared/models/nets/network-model.js';
import { trainNetwork } from '../../../../../../shared/models/nets/train.js';
import { asInput, seeded, signTask, smallParams, useWasm } from '../net-fixtures.js';

beforeAll(useWasm);

/** The bar: the plain pass equals tfjs within 1e-5 on every output. */
const TOLERANCE = 1e-5;

const WINDOW = 8;
const FEATURES = 3;

/** Replaces every weight (biases, LayerNorm gains and shifts too) with seeded uniform noise. */
function randomiseWeights(network: tf.LayersModel, seed: number, scale = 0.6): void {
  const random = seeded(seed);
  network.setWeights(
    network.getWeights().map((w) =>
      tf.tensor(
        Float32Array.from({ length: w.size }, () => (random() * 2 - 1) * scale),
        w.shape,
      ),
    ),
  );
}

/** Windows of seeded gaussian-ish noise, with one window holding a NaN to be masked. */
function windows(rows: number, seed: number, nanRow: number | null): Float64Array {
  const random = seeded(seed);
  const x = Float64Array.from({ length: rows * WINDOW * FEATURES }, () => (random() - 0.5) * 4);
  if (nanRow !== null) x[nanRow * WINDOW * FEATURES + 5] = Number.NaN;
  return x;
}

function plainOf(model: NetworkModel): PlainForwardNetwork {
  const plain = PlainForwardNetwork.tryOf(model);
  if ('unsupported' in plain) throw new Error(`no plain pass: ${plain.unsupported}`);
  return plain;
}

/** Largest |a - b|, NaN where exactly one side is NaN counting as Infinity. */
function largestGap(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let gap = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (Number.isNaN(x) || Number.isNaN(y)) gap = Number.isNaN(x) && Number.isNaN(y) ? gap : Infinity;
    else gap = Math.max(gap, Math.abs(x - y));
  }
  return gap;
}

function expectSamePredictions(
  tfjs: NetworkModel,
  plain: PlainForwardNetwork,
  x: Float64Array,
  rows: number,
): void {
  const expected = tfjs.predict(x, rows);
  const actual = plain.predict(x, rows);
  expect(largestGap(actual, expected)).toBeLessThan(TOLERANCE);
  // Not a vacuous match: the outputs vary from window to window.
  expect(
    new Set(
      Array.from(expected)
        .filter(Number.isFinite)
        .map((v) => v.toFixed(6)),
    ).size,
  ).toBeGreaterThan(rows / 2);
  if (tfjs.hasReturnHead)
    expect(largestGap(plain.predictReturn(x, rows), tfjs.predictReturn(x, rows))).toBeLessThan(TOLERANCE);
}

describe('plain forward pass', { timeout: 60_000 }, () => {
  for (const kind of NET_KINDS) {
    for (const classes of [3, 2, 0] as const) {
      it(`${kind} with ${classes} classes equals tfjs within 1e-5 on random weights`, () => {
        const model = untrainedNetwork(smallParams(kind), { window: WINDOW, features: FEATURES, classes });
        randomiseWeights(model.network, 11 + classes);
        const plain = plainOf(model);
        const x = windows(12, 5 + classes, 4);
        expectSamePredictions(model, plain, x, 12);
        // The window with a NaN is masked to NaN on both paths, the others are not.
        const out = plain.predict(x, 12);
        const width = model.outputs;
        expect(Array.from(out.subarray(4 * width, 5 * width)).every(Number.isNaN)).toBe(true);
        expect(Array.from(out.subarray(0, 4 * width)).every(Number.isFinite)).toBe(true);
        plain.dispose();
      });
    }

    it(`${kind} trained and reloaded from its artifact equals tfjs within 1e-5`, async () => {
      const train = signTask(96, WINDOW, FEATURES, 3, 7);
      const trained = await trainNetwork(train, null, smallParams(kind, { epochs: 2 }));
      const loaded = await loadNetwork(await trained.save());
      trained.dispose();
      const plain = plainOf(loaded);
      const probe = signTask(10, WINDOW, FEATURES, 3, 9);
      expectSamePredictions(loaded, plain, asInput(probe), probe.rows);
      if (kind === 'cnn-lstm') {
        // The return head is scaled back to the target's units on both paths.
        expect(loaded.meta.target?.std).not.toBe(1);
        expect(
          largestGap(plain.predictReturn(asInput(probe), 10), loaded.predictReturn(asInput(probe), 10)),
        ).toBeLessThan(TOLERANCE);
      }
      plain.dispose();
    });
  }

  it('keeps tfjs for MC dropout, attention and saving', async () => {
    const kind: NetKind = 'bilstm-attention';
    const model = untrainedNetwork(smallParams(kind, { dropout: 0.3 }), {
      window: WINDOW,
      features: FEATURES,
      classes: 3,
    });
    const plain = plainOf(model);
    const x = windows(1, 3, null);
    expect(plain.uncertainty(x, 1, 8)[0]).toBeGreaterThan(0);
    expect(plain.attention(x).shape).toEqual([WINDOW]);
    expect((await plain.save()).kind).toBe(kind);
    plain.dispose();
    expect(() => model.predict(x, 1)).toThrow(/disposed/);
  });
});

describe('plain forward pass layers read from the tfjs config', { timeout: 30_000 }, () => {
  /** A bare tfjs graph over [WINDOW, FEATURES] windows, compared output by output. */
  function compare(build: (input: tf.SymbolicTensor) => tf.SymbolicTensor, seed: number): number {
    const input = tf.input({ shape: [WINDOW, FEATURES] });
    const network = tf.model({ inputs: input, outputs: build(input) });
    randomiseWeights(network, seed);
    const pass = PlainForwardPass.of(network);
    const x = Float32Array.from(windows(1, seed, null));
    const expected = tf.tidy(() =>
      (network.predict(tf.tensor3d(x, [1, WINDOW, FEATURES])) as tf.Tensor).dataSync(),
    );
    pass.run(x, 0);
    const gap = largestGap(Float64Array.from(pass.output(0)), Float64Array.from(expected));
    network.dispose();
    return gap;
  }

  it('runs an LSTM with the logistic sigmoid as its recurrent activation (not tfjs default hardSigmoid)', () => {
    const lstm = (activation: 'sigmoid' | 'hardSigmoid') => (x: tf.SymbolicTensor) =>
      tf.layers.lstm({ units: 5, recurrentActivation: activation }).apply(x) as tf.SymbolicTensor;
    expect(compare(lstm('sigmoid'), 21)).toBeLessThan(TOLERANCE);
    expect(compare(lstm('hardSigmoid'), 21)).toBeLessThan(TOLERANCE);
  });

  it('returns a backwards LSTM sequence in the order tfjs reads it', () => {
    const gap = compare(
      (x) =>
        tf.layers.lstm({ units: 4, returnSequences: true, goBackwards: true }).apply(x) as tf.SymbolicTensor,
      22,
    );
    expect(gap).toBeLessThan(TOLERANCE);
  });

  it('merges a bidirectional LSTM by sum as well as by concat', () => {
    const gap = compare(
      (x) =>
        tf.layers
          .bidirectional({ layer: tf.layers.lstm({ units: 4 }), mergeMode: 'sum' })
          .apply(x) as tf.SymbolicTensor,
      23,
    );
    expect(gap).toBeLessThan(TOLERANCE);
  });

  it('refuses a layer it does not know, naming it, so the caller stays on tfjs', () => {
    const input = tf.input({ shape: [WINDOW, FEATURES] });
    const gru = tf.layers.gru({ units: 3, name: 'the_gru' }).apply(input) as tf.SymbolicTensor;
    const network = tf.model({ inputs: input, outputs: gru });
    expect(() => PlainForwardPass.of(network)).toThrow(/layer the_gru \(GRU\): no plain forward pass/);
    network.dispose();
  });
});
