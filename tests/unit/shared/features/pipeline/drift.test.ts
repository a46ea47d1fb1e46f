import { describe, expect, it } from 'vitest';
import {
  binShares,
  driftReport,
  isDrifting,
  ksDistance,
  populationStabilityIndex,
  psiEdges,
} from '../../../../../shared/features/pipeline/drift.js';

const oneToTen = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

describe('population stability index', () => {
  it('bins by the reference quantiles', () => {
    // Deciles of 1..10 at positions 0.9, 1.8, ...: 1.9, 2.8, 3.7, ..., 9.1.
    const edges = psiEdges(oneToTen, 10);
    expect(edges).toHaveLength(9);
    expect(edges[0]).toBeCloseTo(1.9, 12);
    expect(edges[8]).toBeCloseTo(9.1, 12);
    expect(binShares(oneToTen, edges)).toEqual(new Array(10).fill(0.1));
  });

  it('is 0 for the same sample', () => {
    expect(populationStabilityIndex(oneToTen, oneToTen)).toBe(0);
  });

  it('matches the hand-computed value with two bins', () => {
    // Edge: the median of 1..10, 5.5. Reference shares 0.5 / 0.5; live has 2 of 8 below: 0.25 / 0.75.
    // PSI = (0.25 - 0.5) ln(0.25 / 0.5) + (0.75 - 0.5) ln(0.75 / 0.5) = 0.25 ln 2 + 0.25 ln 1.5.
    const live = [1, 2, 8, 9, 10, 11, 12, 13];
    expect(populationStabilityIndex(oneToTen, live, { bins: 2 })).toBeCloseTo(
      0.25 * Math.log(2) + 0.25 * Math.log(1.5),
      14,
    );
  });

  it('replaces an empty bin share by epsilon instead of dividing by zero', () => {
    const live = [7, 8, 9];
    // Live shares 0 / 1: the 0 becomes 1e-4.
    const expected = (1e-4 - 0.5) * Math.log(1e-4 / 0.5) + (1 - 0.5) * Math.log(1 / 0.5);
    expect(populationStabilityIndex(oneToTen, live, { bins: 2 })).toBeCloseTo(expected, 12);
    expect(populationStabilityIndex(oneToTen, live, { bins: 2, epsilon: 1e-3 })).toBeCloseTo(
      (1e-3 - 0.5) * Math.log(1e-3 / 0.5) + 0.5 * Math.log(2),
      12,
    );
  });

  it('leaves missing values out, and is undefined (NaN) without data', () => {
    expect(populationStabilityIndex([...oneToTen, Number.NaN], [Number.NaN, ...oneToTen])).toBe(0);
    expect(populationStabilityIndex(oneToTen, [Number.NaN])).toBeNaN();
  });
});

describe('Kolmogorov-Smirnov distance', () => {
  it('is the largest gap between the empirical CDFs', () => {
    // At 2: F_a = 2/4, F_b = 0. At 3: 3/4 vs 1/4. At 4: 1 vs 2/4. Largest gap 0.5.
    expect(ksDistance([1, 2, 3, 4], [3, 4, 5, 6])).toBe(0.5);
    expect(ksDistance([1, 2], [5, 6])).toBe(1);
    expect(ksDistance(oneToTen, oneToTen)).toBe(0);
  });

  it('steps tied values together', () => {
    // At 1: F_a = 2/3, F_b = 1/3; at 2 both reach 1.
    expect(ksDistance([1, 1, 2], [1, 2, 2])).toBeCloseTo(1 / 3, 15);
  });

  it('is NaN when a side has no finite value', () => {
    expect(ksDistance([], [1])).toBeNaN();
  });
});

describe('drift report', () => {
  it('measures every column and alerts past the thresholds only', () => {
    const report = driftReport(['x', 'y'], [oneToTen, oneToTen], [oneToTen, [20, 21, 22]], { bins: 2 });
    expect(report[0]).toMatchObject({ column: 'x', psi: 0, ks: 0, referenceCount: 10, liveCount: 10 });
    expect(report[1]?.ks).toBe(1);
    const thresholds = { psi: 0.25, ks: 0.2, minRows: 3 };
    expect(report.map((drift) => isDrifting(drift, thresholds))).toEqual([false, true]);
    expect(
      isDrifting(
        { column: 'z', psi: Number.NaN, ks: Number.NaN, referenceCount: 10, liveCount: 10 },
        thresholds,
      ),
    ).toBe(false);
  });

  it('stays quiet below the least number of rows, however far apart the samples', () => {
    const drift = { column: 'y', psi: 5, ks: 1, referenceCount: 10, liveCount: 99 };
    expect(isDrifting(drift)).toBe(false);
    expect(isDrifting({ ...drift, liveCount: 100, referenceCount: 100 })).toBe(true);
  });
});
