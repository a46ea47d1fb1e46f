import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../../../../shared/market/rng.js';

function draws(rng: Rng, n: number, draw: (rng: Rng) => number): number[] {
  return Array.from({ length: n }, () => draw(rng));
}

function meanAndVariance(values: readonly number[]): { mean: number; variance: number } {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length;
  return { mean, variance };
}

describe('seeded random source', () => {
  it('is sfc32 seeded through splitmix32, matching an independent implementation', () => {
    // Reference values from a separate Python implementation of the same algorithm.
    expect(draws(createRng(0), 4, (r) => r.uint32())).toEqual([
      1338548054, 2499804003, 2743868851, 1211391675,
    ]);
    expect(draws(createRng(42), 4, (r) => r.uint32())).toEqual([
      3398404915, 1005869237, 3374281156, 3607449440,
    ]);
  });

  it('folds seed bits above 2^32 into the state', () => {
    expect(draws(createRng(2 ** 40 + 7), 4, (r) => r.uint32())).toEqual([
      1453082159, 3997275323, 2947242777, 3607918448,
    ]);
  });

  it('gives the same seed the same stream bit for bit, across every kind of draw', () => {
    const mixed = (rng: Rng): number[] =>
      draws(
        rng,
        2000,
        (r) => r.next() + r.normal() + r.exponential(3) + r.int(-5, 5) + r.poisson(4) + r.poisson(80),
      );
    expect(mixed(createRng(7))).toEqual(mixed(createRng(7)));
  });

  it('gives different seeds different streams', () => {
    expect(draws(createRng(1), 8, (r) => r.uint32())).not.toEqual(draws(createRng(2), 8, (r) => r.uint32()));
  });

  it('draws uniforms in [0, 1) with mean 1/2 and variance 1/12', () => {
    const values = draws(createRng(3), 100_000, (r) => r.next());
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const { mean, variance } = meanAndVariance(values);
    expect(mean).toBeCloseTo(0.5, 2);
    expect(variance).toBeCloseTo(1 / 12, 2);
  });

  it('draws integers over the whole half-open range and nothing outside it', () => {
    const seen = new Set(draws(createRng(4), 10_000, (r) => r.int(-3, 4)));
    expect([...seen].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
  });

  it('draws standard normals: mean 0, variance 1, about 95% within 1.96', () => {
    const values = draws(createRng(5), 200_000, (r) => r.normal());
    const { mean, variance } = meanAndVariance(values);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
    const inside = values.filter((v) => Math.abs(v) < 1.96).length / values.length;
    expect(Math.abs(inside - 0.95)).toBeLessThan(0.005);
  });

  it('draws exponentials with mean 1/rate', () => {
    const { mean, variance } = meanAndVariance(draws(createRng(6), 200_000, (r) => r.exponential(4)));
    expect(Math.abs(mean - 0.25)).toBeLessThan(0.005);
    expect(Math.abs(variance - 0.0625)).toBeLessThan(0.003);
  });

  it('draws Poisson counts with mean and variance lambda, small and large', () => {
    for (const lambda of [0.5, 7, 45, 1000]) {
      const values = draws(createRng(8), 100_000, (r) => r.poisson(lambda));
      expect(values.every((v) => Number.isInteger(v) && v >= 0)).toBe(true);
      const { mean, variance } = meanAndVariance(values);
      expect(Math.abs(mean - lambda) / lambda).toBeLessThan(0.01);
      expect(Math.abs(variance - lambda) / lambda).toBeLessThan(0.03);
    }
    expect(createRng(9).poisson(0)).toBe(0);
  });

  it('refuses seeds and parameters it cannot honour', () => {
    expect(() => createRng(1.5)).toThrow(RangeError);
    expect(() => createRng(Number.NaN)).toThrow(RangeError);
    const rng = createRng(10);
    expect(() => rng.int(3, 3)).toThrow(RangeError);
    expect(() => rng.exponential(0)).toThrow(RangeError);
    expect(() => rng.poisson(-1)).toThrow(RangeError);
  });
});
