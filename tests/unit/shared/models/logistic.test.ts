import { describe, expect, it } from 'vitest';
import { createRng } from '../../../../shared/market/rng.js';
import { fitLogistic, logisticProbabilities, minimiseLbfgs } from '../../../../shared/models/logistic.js';

describe('L-BFGS', () => {
  it('finds the minimum of an ill-conditioned quadratic', () => {
    const x = minimiseLbfgs(
      (w, g) => {
        const a = (w[0] ?? 0) - 3;
        const b = (w[1] ?? 0) + 1;
        g[0] = 2 * a;
        g[1] = 200 * b;
        return a * a + 100 * b * b;
      },
      2,
      100,
      1e-12,
    );
    expect(x[0]).toBeCloseTo(3, 6);
    expect(x[1]).toBeCloseTo(-1, 6);
  });
});

describe('multinomial logistic regression', () => {
  it('recovers the coefficients that generated the labels', () => {
    // P(up | z) = sigmoid(2 z - 1): in the two-class softmax, w_up - w_down = 2 and b_up - b_down = -1.
    const rng = createRng(7);
    const rows = 20_000;
    const z = new Float64Array(rows);
    const y = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      z[r] = rng.next() * 4 - 2;
      y[r] = rng.next() < 1 / (1 + Math.exp(-(2 * (z[r] ?? 0) - 1))) ? 1 : 0;
    }
    const model = fitLogistic(z, rows, 1, y, 2, { l2: 0 });
    const w = model.weights;
    expect((w[2] ?? 0) - (w[0] ?? 0)).toBeCloseTo(2, 1);
    expect((w[3] ?? 0) - (w[1] ?? 0)).toBeCloseTo(-1, 1);
    const probs = logisticProbabilities(model, Float64Array.of(0.5), 1);
    expect(probs[1]).toBeCloseTo(0.5, 1);
    expect((probs[0] ?? 0) + (probs[1] ?? 0)).toBeCloseTo(1, 14);
    // Same data, same weights: no randomness in the fit.
    expect(Array.from(fitLogistic(z, rows, 1, y, 2, { l2: 0 }).weights)).toEqual(Array.from(w));
  });

  it('separates three classes and shrinks weights with l2', () => {
    const z = Float64Array.of(-2, -1.5, 0, 0.2, 1.6, 2);
    const y = Float64Array.of(0, 0, 1, 1, 2, 2);
    const free = fitLogistic(z, 6, 1, y, 3, { l2: 1e-4 });
    const probs = logisticProbabilities(free, z, 6);
    for (let r = 0; r < 6; r++) expect(probs[r * 3 + (y[r] ?? 0)]).toBeGreaterThan(0.6);
    const tight = fitLogistic(z, 6, 1, y, 3, { l2: 1 });
    const norm = (w: Float64Array): number => Math.abs(w[0] ?? 0) + Math.abs(w[2] ?? 0) + Math.abs(w[4] ?? 0);
    expect(norm(tight.weights)).toBeLessThan(norm(free.weights));
  });
});
