import { describe, expect, it } from 'vitest';
import {
  LastN,
  WindowExtremum,
  WindowMoments,
  WindowSums,
} from '../../../../../shared/features/catalogue/windows.js';
import { createRng } from '../../../../../shared/market/rng.js';

describe('sliding windows', () => {
  it('WindowSums keeps the sum of the samples whose key is above the cutoff', () => {
    const sums = new WindowSums(2, 2);
    sums.push(1, [1, 10]);
    sums.push(2, [2, 20]);
    sums.push(3, [4, 40]);
    expect([sums.sum(0), sums.sum(1), sums.count]).toEqual([7, 70, 3]);
    sums.evictThrough(2);
    expect([sums.sum(0), sums.sum(1), sums.count]).toEqual([4, 40, 1]);
    sums.evictThrough(3);
    // Empty is an exact zero, not a rounding residue.
    expect([sums.sum(0), sums.count]).toEqual([0, 0]);
  });

  it('WindowSums ends in the same state whether evictions come one by one or in bulk', () => {
    const rng = createRng(11);
    const stepwise = new WindowSums(1, 4);
    const bulk = new WindowSums(1, 4);
    for (let t = 0; t < 5000; t++) {
      const x = rng.next() * 1e6;
      stepwise.push(t, [x]);
      bulk.push(t, [x]);
      // One advances the window at every step, the other only now and then.
      stepwise.evictThrough(t - 100);
      if (t % 37 === 0) bulk.evictThrough(t - 100);
    }
    bulk.evictThrough(4899);
    stepwise.evictThrough(4899);
    expect(bulk.sum(0)).toBe(stepwise.sum(0));
  });

  it('WindowMoments gives the sample mean and variance of the window, and NaN while it holds a NaN', () => {
    const rng = createRng(5);
    const moments = new WindowMoments(4);
    const values: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const x = 1000 + rng.normal();
      values.push(x);
      moments.push(i, x);
      moments.evictThrough(i - 50);
    }
    const last = values.slice(-50);
    const mean = last.reduce((a, b) => a + b, 0) / 50;
    const variance = last.reduce((a, b) => a + (b - mean) ** 2, 0) / 49;
    expect(moments.mean()).toBeCloseTo(mean, 10);
    expect(moments.variance()).toBeCloseTo(variance, 8);

    moments.push(3000, Number.NaN);
    expect(moments.mean()).toBeNaN();
    moments.evictThrough(3000);
    expect([moments.count, moments.mean()]).toEqual([0, Number.NaN]);
  });

  it('WindowExtremum tracks the max or min of the window with a monotonic deque', () => {
    const max = new WindowExtremum('max', 2);
    const min = new WindowExtremum('min', 2);
    const xs = [3, 1, 4, 1, 5, 9, 2, 6];
    xs.forEach((x, i) => {
      max.push(i, x);
      min.push(i, x);
      max.evictThrough(i - 3);
      min.evictThrough(i - 3);
      const window = xs.slice(Math.max(0, i - 2), i + 1);
      expect(max.value()).toBe(Math.max(...window));
      expect(min.value()).toBe(Math.min(...window));
    });
  });

  it('LastN keeps the newest n values, oldest first', () => {
    const last = new LastN(3);
    [1, 2, 3, 4].forEach((x) => {
      last.push(x);
    });
    expect([last.at(0), last.at(1), last.at(2), last.back(0), last.full]).toEqual([2, 3, 4, 4, true]);
    expect(last.at(3)).toBeNaN();
  });
});
