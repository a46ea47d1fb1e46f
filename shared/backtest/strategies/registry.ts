import type { StrategyDefinition } from '../strategy.js';
import { bollingerReversion } from './bollinger.js';
import { bookImbalanceStrategy } from './book-imbalance.js';
import { dualMomentum } from './dual-momentum.js';
import { mlSignal } from './ml-signal.js';
import { smaCrossover } from './sma-crossover.js';

/**
 * The one strategy registry: each built-in strategy's kind, its definition (title, parameter
 * schema, factory) and the inputs it needs. Every list of kinds the API offers (candle runs,
 * event runs, trading) and every parameter grid is derived from here, so a strategy added here
 * is offered wherever its inputs exist and nowhere else.
 *
 * Inputs: `candles` runs on bars alone (recorded candles, or bars built from trades);
 * `book` needs L2 book events (event-mode backtests, live and paper trading);
 * `model` needs a live model's predictions (trading only: a backtest has no live model).
 */
export type StrategyInputs = 'candles' | 'book' | 'model';

export interface RegisteredStrategy {
  readonly definition: StrategyDefinition<unknown, never>;
  readonly inputs: StrategyInputs;
}

/** In the order the pickers list them. */
export const STRATEGY_REGISTRY = {
  'sma-crossover': { definition: smaCrossover, inputs: 'candles' },
  'dual-momentum': { definition: dualMomentum, inputs: 'candles' },
  'bollinger-reversion': { definition: bollingerReversion, inputs: 'candles' },
  'book-imbalance': { definition: bookImbalanceStrategy, inputs: 'book' },
  'ml-signal': { definition: mlSignal, inputs: 'model' },
} as const satisfies Record<string, RegisteredStrategy>;

type Registry = typeof STRATEGY_REGISTRY;
export type RegisteredStrategyKind = keyof Registry;
/** The kinds whose inputs are among `I`. */
export type StrategyKindNeeding<I extends StrategyInputs> = {
  [K in RegisteredStrategyKind]: Registry[K]['inputs'] extends I ? K : never;
}[RegisteredStrategyKind];

/**
 * The registered kinds that run on the given inputs, in registry order, as a non-empty tuple
 * (what `z.enum` takes). Throws when none does: an empty list of choices is a mistake here.
 */
export function strategyKindsNeeding<I extends StrategyInputs>(
  inputs: readonly I[],
): readonly [StrategyKindNeeding<I>, ...StrategyKindNeeding<I>[]] {
  const kinds = (Object.keys(STRATEGY_REGISTRY) as RegisteredStrategyKind[]).filter((kind) =>
    (inputs as readonly StrategyInputs[]).includes(STRATEGY_REGISTRY[kind].inputs),
  ) as StrategyKindNeeding<I>[];
  const [first, ...rest] = kinds;
  if (first === undefined) throw new Error(`no registered strategy runs on ${inputs.join(', ')}`);
  return [first, ...rest];
}

/** The inputs a registered strategy needs. */
export function strategyInputs(kind: RegisteredStrategyKind): StrategyInputs {
  return STRATEGY_REGISTRY[kind].inputs;
}
