import { describe, expect, it } from 'vitest';
import type { FeatureMatrix } from '../../../../../shared/features/pipeline/matrix.js';
import {
  applyNormalization,
  fitNormalization,
  quantileSorted,
} from '../../../../../shared/features/pipeline/normalize.js';

/** Rows at ts 0..n-1 of two columns. */
function matrixOf(rows: readonly (readonly [number, number])[]): FeatureMatrix {
  return {
    columns: ['a', 'b'],
    ts: Float64Array.from(rows.map((_, i) => i)),
    values: Float64Array.from(rows.flat()),
  };
}

describe('normalisation', () => {
  it('fits a z-score (population std) on the training range and skips missing values', () => {
    const matrix = matrixOf([
      [1, 10],
      [2, Number.NaN],
      [3, 30],
    ]);
    const stats = fitNormalization(matrix, 'zscore', 0, 3);
    // a: mean 2, variance ((1-2)^2 + 0 + (3-2)^2) / 3 = 2/3. b: mean 20, variance (100 + 100) / 2 = 100.
    expect(stats.center).toEqual([2, 20]);
    expect(stats.scale[0]).toBeCloseTo(Math.sqrt(2 / 3), 15);
    expect(stats.scale[1]).toBe(10);
    expect(stats.count).toEqual([3, 2]);
  });

  it('ignores every row outside the training range: test rows do not move the statistics', () => {
    const train = matrixOf([
      [1, 10],
      [2, 20],
      [3, 30],
    ]);
    const withTest = matrixOf([
      [1, 10],
      [2, 20],
      [3, 30],
      [1000, -5000],
      [Number.NaN, 7],
    ]);
    const a = fitNormalization(train, 'zscore', 0, 3);
    const b = fitNormalization(withTest, 'zscore', 0, 3);
    expect(b.center).toEqual(a.center);
    expect(b.scale).toEqual(a.scale);
    const robustA = fitNormalization(train, 'robust', 0, 3);
    const robustB = fitNormalization(withTest, 'robust', 0, 3);
    expect(robustB).toEqual(robustA);
  });

  it('applies (x - mean) / std and keeps missing values missing', () => {
    const stats = fitNormalization(
      matrixOf([
        [1, 10],
        [2, 20],
        [3, 30],
      ]),
      'zscore',
      0,
      3,
    );
    const out = applyNormalization(stats, Float64Array.from([100, Number.NaN]));
    expect(out[0]).toBeCloseTo(98 / Math.sqrt(2 / 3), 10);
    expect(out[1]).toBeNaN();
  });

  it('fits the robust scale as median and IQR (type 7 quantiles)', () => {
    // a = 1, 2, 3, 4, 100: median 3, q25 at position 1 = 2, q75 at position 3 = 4, IQR 2.
    const stats = fitNormalization(
      matrixOf([
        [1, 5],
        [2, 5],
        [3, 5],
        [4, 5],
        [100, 5],
      ]),
      'robust',
      0,
      5,
    );
    expect(stats.center[0]).toBe(3);
    expect(stats.scale[0]).toBe(2);
    // b is constant in training: a scale of 0 cannot normalise, so its values become missing.
    expect(stats.scale[1]).toBeNull();
    const out = applyNormalization(stats, Float64Array.from([7, 5]));
    expect(out[0]).toBe(2);
    expect(out[1]).toBeNaN();
  });

  it('interpolates quantiles linearly between order statistics', () => {
    expect(quantileSorted([10, 20, 30, 40], 0.5)).toBe(25);
    expect(quantileSorted([10, 20, 30, 40], 0.25)).toBeCloseTo(17.5, 12);
    expect(quantileSorted([], 0.5)).toBeNaN();
  });

  it('refuses an empty training range', () => {
    expect(() => fitNormalization(matrixOf([[1, 1]]), 'zscore', 5, 5)).toThrow(/empty training range/);
  });
});
