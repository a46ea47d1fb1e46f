import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { NET_KINDS } from '../../../../../shared/models/nets/architectures.js';
import { CausalConv1D } from '../../../../../shared/models/nets/layers.js';
import { untrainedNetwork, type NetworkModel } from '../../../../../shared/models/nets/network-model.js';
import { asInput, signTask, smallParams, useWasm } from './net-fixtures.js';

beforeAll(useWasm);

function untrained(
  kind: (typeof NET_KINDS)[number],
  classes: 0 | 2 | 3,
  overrides: Record<string, unknown> = {},
): NetworkModel {
  return untrainedNetwork(smallParams(kind, overrides), { window: 8, features: 3, classes });
}

describe('network architectures', () => {
  const data = signTask(5, 8, 3, 3, 11);

  for (const kind of NET_KINDS) {
    it(`${kind} maps [rows, 8, 3] windows to 3 probabilities per row that sum to 1`, () => {
      const model = untrained(kind, 3);
      expect(model.network.inputs[0]?.shape).toEqual([null, 8, 3]);
      const out = model.predict(asInput(data), 5);
      expect(out).toHaveLength(15);
      for (let row = 0; row < 5; row++) {
        const probabilities = Array.from(out.subarray(row * 3, row * 3 + 3));
        for (const p of probabilities) expect(p).toBeGreaterThan(0);
        expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      }
      model.dispose();
    });

    it(`${kind} gives one regression value per row when there are no classes`, () => {
      const model = untrained(kind, 0);
      expect(model.outputs).toBe(1);
      const out = model.predict(asInput(data), 5);
      expect(out).toHaveLength(5);
      expect(out.every(Number.isFinite)).toBe(true);
      model.dispose();
    });
  }

  it('cnn-lstm has a direction head and a forward-return head', () => {
    const model = untrained('cnn-lstm', 2);
    expect(model.network.outputNames).toEqual(['direction', 'forward_return']);
    expect(model.network.outputs.map((o) => o.shape)).toEqual([
      [null, 2],
      [null, 1],
    ]);
    expect(model.predictReturn(asInput(data), 5)).toHaveLength(5);
    model.dispose();
  });

  it('bilstm-attention pools with weights over the window that sum to 1', () => {
    const model = untrained('bilstm-attention', 3);
    const { shape, weights } = model.attention(asInput(data, 1));
    expect(shape).toEqual([8]);
    expect(weights).toHaveLength(8);
    expect(Array.from(weights).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    for (const w of weights) expect(w).toBeGreaterThan(0);
    model.dispose();
  });

  it('the transformer exposes [layers, heads, T, T] attention whose rows sum to 1 over the attended step', () => {
    const model = untrained('transformer', 3, { layers: 2, heads: 2 });
    const { shape, weights } = model.attention(asInput(data, 1));
    expect(shape).toEqual([2, 2, 8, 8]);
    expect(weights).toHaveLength(2 * 2 * 8 * 8);
    for (let row = 0; row < 2 * 2 * 8; row++) {
      const sum = Array.from(weights.subarray(row * 8, row * 8 + 8)).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(1, 5);
    }
    // Not trivially uniform: the rows differ between query steps.
    expect(Math.max(...weights) - Math.min(...weights)).toBeGreaterThan(1e-4);
    model.dispose();
  });

  it('lstm has no attention to show', () => {
    const model = untrained('lstm', 3);
    expect(model.hasAttention).toBe(false);
    expect(() => model.attention(asInput(data, 1))).toThrow(/no attention/);
    model.dispose();
  });

  it('the same seed builds the same initial weights', () => {
    const a = untrained('transformer', 3, { seed: 4 });
    const b = untrained('transformer', 3, { seed: 4 });
    const c = untrained('transformer', 3, { seed: 5 });
    const input = asInput(data);
    expect(Array.from(a.predict(input, 5))).toEqual(Array.from(b.predict(input, 5)));
    expect(Array.from(a.predict(input, 5))).not.toEqual(Array.from(c.predict(input, 5)));
    for (const model of [a, b, c]) model.dispose();
  });

  it('gives NaN for a window with a missing value instead of guessing', () => {
    const model = untrained('lstm', 2);
    const input = asInput(data, 2);
    input[8 * 3 + 4] = NaN;
    const out = model.predict(input, 2);
    expect(out[0]).not.toBeNaN();
    expect(out[2]).toBeNaN();
    expect(out[3]).toBeNaN();
    model.dispose();
  });
});

describe('causal convolution', () => {
  it('lets step t see only steps up to t', () => {
    const layer = new CausalConv1D({ filters: 4, kernel: 3, seed: 1 });
    const before = signTask(1, 8, 3, 2, 21);
    const after = Float32Array.from(before.x);
    for (let f = 0; f < 3; f++) after[5 * 3 + f] = 9; // change step 5 only
    const [a, b] = tf.tidy(() => [
      (layer.apply(tf.tensor3d(before.x, [1, 8, 3])) as tf.Tensor).arraySync() as number[][][],
      (layer.apply(tf.tensor3d(after, [1, 8, 3])) as tf.Tensor).arraySync() as number[][][],
    ]);
    expect(a[0]?.slice(0, 5)).toEqual(b[0]?.slice(0, 5));
    expect(a[0]?.[5]).not.toEqual(b[0]?.[5]);
    expect(a[0]?.[7]).not.toEqual(b[0]?.[7]);
    layer.dispose();
  });
});
