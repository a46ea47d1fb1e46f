import { describe, expect, it } from 'vitest';
import {
  expandGrid,
  GridError,
  MAX_SWEEP_CONFIGURATIONS,
  sweepConfigurations,
} from '../../../../main/backtests/param-grid.js';
import { planChunks } from '../../../../main/backtests/sweep-pool.js';

describe('the parameter grid', () => {
  it('expands to the cartesian product, names sorted, the last name varying fastest', () => {
    expect(expandGrid({ slow: [20, 30], fast: [5, 10, 15] })).toEqual([
      { fast: 5, slow: 20 },
      { fast: 5, slow: 30 },
      { fast: 10, slow: 20 },
      { fast: 10, slow: 30 },
      { fast: 15, slow: 20 },
      { fast: 15, slow: 30 },
    ]);
  });

  it('gives one empty configuration for an empty grid', () => {
    expect(expandGrid({})).toEqual([{}]);
  });

  it('refuses a parameter without values and a grid beyond the limit', () => {
    expect(() => expandGrid({ fast: [] })).toThrow(GridError);
    const many = Array.from({ length: 101 }, (_, i) => i);
    expect(MAX_SWEEP_CONFIGURATIONS).toBeLessThan(101 * 101);
    expect(() => expandGrid({ a: many, b: many })).toThrow(/more than/);
  });

  it("checks every configuration against the strategy's schema and fills in its defaults", () => {
    const configs = sweepConfigurations('sma-crossover', { fast: [5, 10], slow: [30] }, { quantity: 2 });
    expect(configs.skipped).toEqual([]);
    expect(configs.configurations).toEqual([
      { fast: 5, slow: 30, quantity: 2, allowShort: false },
      { fast: 10, slow: 30, quantity: 2, allowShort: false },
    ]);
  });

  it('skips an invalid combination with its reason and runs the rest', () => {
    const plan = sweepConfigurations('sma-crossover', { fast: [10, 30, 40], slow: [30] });
    expect(plan.configurations).toEqual([{ fast: 10, slow: 30, quantity: 1, allowShort: false }]);
    expect(plan.skipped).toEqual([
      { params: { fast: 30, slow: 30 }, reason: '(root): fast must be shorter than slow' },
      { params: { fast: 40, slow: 30 }, reason: '(root): fast must be shorter than slow' },
    ]);
  });

  it('refuses a grid with no valid configuration, naming the first and why', () => {
    expect(() => sweepConfigurations('sma-crossover', { fast: [40], slow: [30] })).toThrow(
      /no configuration of the grid is valid for sma-crossover: \{"fast":40,"slow":30\}: .*fast must be shorter than slow/,
    );
    expect(() => sweepConfigurations('sma-crossover', { fast: [10], slow: [30], nope: [1] })).toThrow(
      GridError,
    );
  });
});

describe('the sweep plan', () => {
  it('cuts configurations into contiguous, non-empty chunks covering every index once', () => {
    expect(planChunks(12, 2)).toEqual([
      [0, 6],
      [6, 12],
    ]);
    expect(planChunks(5, 3)).toEqual([
      [0, 1],
      [1, 3],
      [3, 5],
    ]);
    expect(planChunks(2, 8)).toEqual([
      [0, 1],
      [1, 2],
    ]);
  });
});
