import { describe, expect, it } from 'vitest';
import { CANDLE_STRATEGY_KINDS, EVENT_STRATEGY_KINDS } from '../../../../../shared/api/domains/backtests.js';
import { PAPER_STRATEGY_KINDS } from '../../../../../shared/api/domains/trading.js';
import { builtInStrategies } from '../../../../../shared/backtest/strategies/index.js';
import {
  STRATEGY_REGISTRY,
  strategyInputs,
  strategyKindsNeeding,
} from '../../../../../shared/backtest/strategies/registry.js';
import { strategyDefinition, sweepConfigurations } from '../../../../../main/backtests/param-grid.js';

describe('strategy registry', () => {
  it('names each definition by its own kind', () => {
    for (const [kind, entry] of Object.entries(STRATEGY_REGISTRY)) expect(entry.definition.kind).toBe(kind);
  });

  it("derives the API's kind lists from the inputs each strategy needs", () => {
    expect(CANDLE_STRATEGY_KINDS).toEqual(['sma-crossover', 'dual-momentum', 'bollinger-reversion']);
    expect(EVENT_STRATEGY_KINDS).toEqual([...CANDLE_STRATEGY_KINDS, 'book-imbalance']);
    expect(PAPER_STRATEGY_KINDS).toEqual([...EVENT_STRATEGY_KINDS, 'ml-signal']);
    expect(strategyKindsNeeding(['book'])).toEqual(['book-imbalance']);
    expect(strategyInputs('ml-signal')).toBe('model');
  });

  it('lists the built-in picker and the grid definitions from the same entries', () => {
    expect(builtInStrategies.map((d) => d.kind)).toEqual(PAPER_STRATEGY_KINDS);
    for (const kind of EVENT_STRATEGY_KINDS)
      expect(strategyDefinition(kind)).toBe(STRATEGY_REGISTRY[kind].definition);
    // The grid checks each configuration with the registered schema.
    const plan = sweepConfigurations('sma-crossover', { fast: [5, 50], slow: [20] });
    expect(plan.configurations.map((c) => [c.fast, c.slow])).toEqual([[5, 20]]);
    expect(plan.skipped).toHaveLength(1);
  });
});
