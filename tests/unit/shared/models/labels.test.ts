import { describe, expect, it } from 'vitest';
import type { FeatureMatrix } from '../../../../shared/features/pipeline/matrix.js';
import { buildDataset, pastVolatility, sequenceDataset } from '../../../../shared/models/labels.js';

function matrix(rows: number, width = 1): FeatureMatrix {
  return {
    columns: Array.from({ length: width }, (_, c) => `c${c}`),
    ts: Float64Array.from({ length: rows }, (_, i) => i * 10),
    values: Float64Array.from({ length: rows * width }, (_, i) => i + 1),
  };
}

describe('fixed-horizon labels', () => {
  const prices = Float64Array.of(100, 101, 98, 102, 103, 90);

  it('classes the return over the horizon against the threshold and drops the last rows', () => {
    const data = buildDataset(matrix(6), prices, { kind: 'fixed-horizon', horizon: 2, threshold: 0.01 });
    // 98/100 - 1 = -2% down; 102/101 - 1 = +0.99% flat; 103/98 - 1 = +5.1% up; 90/102 - 1 down.
    expect(Array.from(data.y)).toEqual([0, 1, 2, 0]);
    expect(data.classes).toBe(3);
    expect(Array.from(data.ts)).toEqual([0, 10, 20, 30]);
    expect(Array.from(data.labelEnd)).toEqual([20, 30, 40, 50]);
    expect(Array.from(data.x)).toEqual([1, 2, 3, 4]);
    expect(data.forwardReturn[0]).toBeCloseTo(Math.log(0.98), 15);
    expect(data.forwardReturn[3]).toBeCloseTo(Math.log(90 / 102), 15);
  });

  it('gives two classes, down (<= 0) and up, when the threshold is 0', () => {
    const data = buildDataset(matrix(6), prices, { kind: 'fixed-horizon', horizon: 2, threshold: 0 });
    expect(data.classes).toBe(2);
    expect(Array.from(data.y)).toEqual([0, 1, 1, 0]);
    const flat = buildDataset(matrix(3), Float64Array.of(100, 100, 100), {
      kind: 'fixed-horizon',
      horizon: 1,
      threshold: 0,
    });
    expect(Array.from(flat.y)).toEqual([0, 0]);
  });

  it('drops rows whose entry or exit price is missing, keeps missing features', () => {
    const gap = Float64Array.from(prices);
    gap[2] = Number.NaN;
    const m = matrix(6);
    const values = Float64Array.from(m.values);
    values[1] = Number.NaN;
    const data = buildDataset({ ...m, values }, gap, { kind: 'fixed-horizon', horizon: 2, threshold: 0.01 });
    expect(Array.from(data.ts)).toEqual([10, 30]);
    expect(Number.isNaN(data.x[0])).toBe(true);
  });
});

describe('forward-return labels', () => {
  it('is the log return over the horizon', () => {
    const data = buildDataset(matrix(4), Float64Array.of(100, 110, 121, 100), {
      kind: 'forward-return',
      horizon: 2,
    });
    expect(data.classes).toBe(0);
    expect(data.y[0]).toBeCloseTo(Math.log(1.21), 15);
    expect(data.y[1]).toBeCloseTo(Math.log(100 / 110), 15);
    expect(Array.from(data.labelEnd)).toEqual([20, 30]);
  });
});

describe('triple-barrier labels', () => {
  const prices = Float64Array.of(100, 101, 100, 103, 99, 100, 100, 100);
  const spec = { kind: 'triple-barrier', horizon: 3, upper: 1, lower: 1, volWindow: 2 } as const;

  it('measures volatility over past returns only', () => {
    // Returns into row 2: ln(1.01) and ln(100/101) = -ln(1.01): sample std = ln(1.01) * sqrt(2).
    expect(pastVolatility(prices, 2, 2)).toBeCloseTo(Math.log(1.01) * Math.SQRT2, 15);
    expect(Number.isNaN(pastVolatility(prices, 1, 2))).toBe(true);
    const future = Float64Array.from(prices);
    future[3] = 500;
    expect(pastVolatility(future, 2, 2)).toBe(pastVolatility(prices, 2, 2));
  });

  it('labels by the first barrier touched and ends the label there', () => {
    const data = buildDataset(matrix(8), prices, spec);
    // Row 2: barriers 100 * (1 +- 0.01407): 103 at row 3 breaks the upper one.
    // Row 3: vol 0.02794, barriers 105.88 / 100.12: 99 at row 4 breaks the lower one.
    // Row 4: vol 0.04891, barriers 103.84 / 94.16: 100, 100, 100 touch neither: flat at the horizon.
    expect(Array.from(data.ts)).toEqual([20, 30, 40]);
    expect(Array.from(data.y)).toEqual([2, 0, 1]);
    expect(Array.from(data.labelEnd)).toEqual([30, 40, 70]);
    expect(data.classes).toBe(3);
    // The forward return is over the whole horizon, whichever barrier ended the label.
    expect(data.forwardReturn[0]).toBe(0);
    expect(data.forwardReturn[1]).toBeCloseTo(Math.log(100 / 103), 15);
  });

  it('drops rows with zero volatility (the barriers would sit on the entry)', () => {
    const data = buildDataset(matrix(6), Float64Array.of(100, 100, 100, 101, 100, 100), spec);
    expect(Array.from(data.ts)).toEqual([]);
  });
});

describe('sequence datasets', () => {
  it('labels each window by its last row and drops windows holding a missing value', () => {
    const m = matrix(6, 2);
    const values = Float64Array.from(m.values);
    values[1] = Number.NaN;
    const prices = Float64Array.of(100, 101, 102, 101, 103, 104);
    const data = sequenceDataset(
      { ...m, values },
      prices,
      { kind: 'fixed-horizon', horizon: 1, threshold: 0 },
      3,
    );
    // Windows end at rows 2..4 (row 5 has no label); the one ending at row 2 holds the NaN.
    expect(data.count).toBe(2);
    expect(Array.from(data.lastRow)).toEqual([3, 4]);
    expect(Array.from(data.ts)).toEqual([30, 40]);
    expect(Array.from(data.labelEnd)).toEqual([40, 50]);
    expect(Array.from(data.y)).toEqual([1, 1]);
    expect(Array.from(data.windows)).toEqual([3, 4, 5, 6, 7, 8, 5, 6, 7, 8, 9, 10]);
    expect(Array.from(data.x)).toEqual([7, 8, 9, 10]);
    expect([data.length, data.features]).toEqual([3, 2]);
  });
});
