import type { z } from 'zod';
import {
  CANDLE_STRATEGY_KINDS,
  EVENT_STRATEGY_KINDS,
  type UserStrategyKind,
} from '../../shared/api/domains/backtests.js';
import { STRATEGY_REGISTRY } from '../../shared/backtest/strategies/registry.js';
import type { StrategyDefinition } from '../../shared/backtest/strategy.js';

/**
 * The strategies a run or sweep can rebuild from `{ kind, params }`. The bar strategies run in
 * both modes; the book imbalance strategy needs book events (event mode only, the contract
 * refuses it in candle mode). The ML strategy needs a model, so it is not offered here.
 */
export { CANDLE_STRATEGY_KINDS, EVENT_STRATEGY_KINDS };
export type CandleStrategyKind = (typeof CANDLE_STRATEGY_KINDS)[number];
export type BuiltInStrategyKind = (typeof EVENT_STRATEGY_KINDS)[number];
/** What a run names: a built-in, or a user's strategy file (main/strategies). */
export type StrategyKind = BuiltInStrategyKind | UserStrategyKind;
/**
 * A strategy to run: a built-in by its kind, or a definition already loaded (a user's file,
 * which only main/strategies knows how to load, asynchronously).
 */
export type StrategyRef = BuiltInStrategyKind | StrategyDefinition<unknown>;

export function definitionOf(strategy: StrategyRef): StrategyDefinition<unknown> {
  return typeof strategy === 'string' ? strategyDefinition(strategy) : strategy;
}

/** A built-in's definition, from the one strategy registry (shared/backtest/strategies/registry.ts). */
export function strategyDefinition(kind: BuiltInStrategyKind): StrategyDefinition<unknown> {
  return STRATEGY_REGISTRY[kind].definition;
}

/** Most configurations one sweep may ask for: beyond this the grid is a mistake, not a search. */
export const MAX_SWEEP_CONFIGURATIONS = 10_000;

export type ParamValue = number | boolean | string;
export type ParamGrid = Readonly<Record<string, readonly ParamValue[]>>;

export class GridError extends Error {
  override readonly name = 'GridError';
}

/**
 * The cartesian product of per-parameter value lists, in a fixed order: parameters by name,
 * the last name varying fastest, values in the order given. The order is the configurations'
 * index everywhere after (worker chunks, result rows), so a sweep is deterministic.
 */
export function expandGrid(grid: ParamGrid): Record<string, ParamValue>[] {
  const names = Object.keys(grid).sort();
  let count = 1;
  for (const name of names) {
    const values = grid[name] ?? [];
    if (values.length === 0) throw new GridError(`parameter '${name}' has no values`);
    count *= values.length;
    if (count > MAX_SWEEP_CONFIGURATIONS)
      throw new GridError(`the grid has more than ${MAX_SWEEP_CONFIGURATIONS} configurations`);
  }
  const out: Record<string, ParamValue>[] = [];
  const cursor = names.map(() => 0);
  for (let i = 0; i < count; i++) {
    const config: Record<string, ParamValue> = {};
    names.forEach((name, k) => {
      config[name] = (grid[name] ?? [])[cursor[k] ?? 0] as ParamValue;
    });
    out.push(config);
    for (let k = names.length - 1; k >= 0; k--) {
      const name = names[k] as string;
      const next = (cursor[k] ?? 0) + 1;
      if (next < (grid[name] ?? []).length) {
        cursor[k] = next;
        break;
      }
      cursor[k] = 0;
    }
  }
  return out;
}

/** A configuration of the grid the strategy's schema refuses, and why. */
export interface SkippedConfiguration {
  readonly params: Record<string, ParamValue>;
  readonly reason: string;
}

export interface SweepPlan {
  /** Valid configurations, defaults filled in, in grid order: the trials. */
  readonly configurations: Record<string, unknown>[];
  /** The combinations left out (e.g. fast >= slow), in grid order, with the schema's reason. */
  readonly skipped: SkippedConfiguration[];
}

/**
 * Every configuration of the grid over `base` parameters, each checked by the strategy's zod
 * schema (defaults filled in). A combination the schema refuses (fast >= slow) is skipped and
 * listed with its reason, so one impossible corner does not refuse the whole grid; skipped
 * combinations were never tried, so they are not trials for the deflated Sharpe ratio. A grid
 * with no valid configuration at all (a misspelt parameter) is refused with the first reason.
 */
export function sweepConfigurations(
  strategy: StrategyRef,
  grid: ParamGrid,
  base: Readonly<Record<string, unknown>> = {},
): SweepPlan {
  const { kind, params } = definitionOf(strategy);
  const schema: z.ZodType = params;
  const configurations: Record<string, unknown>[] = [];
  const skipped: SkippedConfiguration[] = [];
  for (const values of expandGrid(grid)) {
    const parsed = schema.safeParse({ ...base, ...values });
    if (parsed.success) configurations.push(parsed.data as Record<string, unknown>);
    else
      skipped.push({
        params: values,
        reason: parsed.error.issues
          .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
          .join('; '),
      });
  }
  const first = skipped[0];
  if (configurations.length === 0 && first !== undefined)
    throw new GridError(
      `no configuration of the grid is valid for ${kind}: ${JSON.stringify(first.params)}: ${first.reason}`,
    );
  return { configurations, skipped };
}
