import { describe, expect, it } from 'vitest';
import { createRng } from '../../../../../shared/market/rng.js';
import { binOf, binRows, fitBins } from '../../../../../shared/models/trees/bins.js';
import { growTree, type GrowOptions, type SplitCriterion } from '../../../../../shared/models/trees/grow.js';
import type { DecisionTree } from '../../../../../shared/models/trees/tree.js';

/** Squared-error boosting criterion with l2 = 0 on [g, h] channels. */
const boosting: SplitCriterion = {
  channels: 2,
  score: (sums, at) => (sums[at] ?? 0) ** 2 / Math.max(1e-9, sums[at + 1] ?? 0),
  admissible: (sums, at) => (sums[at + 1] ?? 0) > 0,
  leaf: (sums, at, out) => {
    out[0] = -(sums[at] ?? 0) / (sums[at + 1] ?? 1);
  },
};

/** 3 features on a grid of 0..19, gradients whole numbers so every sum is exact. */
function problem(rows: number, seed: number) {
  const rng = createRng(seed);
  const width = 3;
  const x = new Float64Array(rows * width);
  const values = new Float64Array(rows * 2);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < width; c++) x[r * width + c] = rng.int(0, 20);
    const a = x[r * width] ?? 0;
    const b = x[r * width + 1] ?? 0;
    values[r * 2] = (a > 9 ? 3 : -2) + (b > 14 ? 5 : 0) + rng.int(-1, 2);
    values[r * 2 + 1] = 1;
  }
  const bins = fitBins(x, rows, width, 32);
  return { x, width, bins, binned: binRows(bins, x, rows, width), values, rows };
}

function options(overrides: Partial<GrowOptions> = {}): GrowOptions {
  return {
    depth: 4,
    growth: 'depth-wise',
    leaves: 1000,
    minLeaf: 5,
    features: Int32Array.of(0, 1, 2),
    featuresPerSplit: null,
    rng: createRng(1),
    ...overrides,
  };
}

function grow(p: ReturnType<typeof problem>, o: GrowOptions): DecisionTree {
  const sample = Int32Array.from({ length: p.rows }, (_, i) => i);
  return growTree(
    { binned: p.binned, width: p.width, bins: p.bins, values: p.values, sample },
    boosting,
    o,
    1,
  ).tree.freeze();
}

function depthOf(tree: DecisionTree, node = 0): number {
  if ((tree.feature[node] ?? -1) < 0) return 0;
  return 1 + Math.max(depthOf(tree, tree.left[node] ?? 0), depthOf(tree, tree.right[node] ?? 0));
}

describe('quantile bins', () => {
  it('gives each of few distinct values its own bin and cuts between them', () => {
    const x = Float64Array.of(3, 1, 2, 2, Number.NaN, 1);
    const bins = fitBins(x, 6, 1, 8);
    expect(Array.from(bins.thresholds[0] ?? [])).toEqual([1.5, 2.5]);
    expect([1, 2, 3, 4, Number.NaN].map((v) => binOf(bins, 0, v))).toEqual([0, 1, 2, 2, 8]);
  });

  it('cuts many values at quantiles, at most bins - 1 cuts', () => {
    const x = Float64Array.from({ length: 1000 }, (_, i) => i);
    const bins = fitBins(x, 1000, 1, 4);
    expect(Array.from(bins.thresholds[0] ?? [])).toEqual([249.5, 499.5, 749.5]);
  });
});

describe('growing a tree', () => {
  it('builds the same tree with histogram subtraction as with every histogram built from rows', () => {
    const p = problem(3000, 2);
    const subtracted = grow(p, options());
    // featuresPerSplit = all features takes the path that builds both children from rows.
    const direct = grow(p, options({ featuresPerSplit: 3 }));
    expect(Array.from(subtracted.feature)).toEqual(Array.from(direct.feature));
    expect(Array.from(subtracted.threshold)).toEqual(Array.from(direct.threshold));
    expect(Array.from(subtracted.value)).toEqual(Array.from(direct.value));
    expect(subtracted.feature.length).toBeGreaterThan(7);
  });

  it('finds the planted splits first and puts the mean gradient step in the leaves', () => {
    const p = problem(4000, 3);
    const tree = grow(p, options({ depth: 1 }));
    // The biggest gain is feature 1 at 14.5 (a +5 step) or feature 0 at 9.5 (a 5-point step over half the rows).
    expect([0, 1]).toContain(tree.feature[0]);
    expect(tree.threshold[0]).toBe(tree.feature[0] === 0 ? 9.5 : 14.5);
    expect(tree.feature.length).toBe(3);
  });

  it('respects depth, minLeaf and the leaf budget of leaf-wise growth', () => {
    const p = problem(3000, 4);
    const deep = grow(p, options({ depth: 3 }));
    expect(depthOf(deep)).toBeLessThanOrEqual(3);
    const leafWise = grow(p, options({ depth: 10, growth: 'leaf-wise', leaves: 5, minLeaf: 1 }));
    const leaves = Array.from(leafWise.feature).filter((f) => f < 0).length;
    expect(leaves).toBe(5);
    const big = grow(p, options({ depth: 10, minLeaf: 600 }));
    expect(Array.from(big.feature).filter((f) => f < 0).length).toBeLessThanOrEqual(5);
  });
});
