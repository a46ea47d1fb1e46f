/**
 * What a user's strategy file imports as `@workstation/strategy`: the strategy contract the
 * built-ins implement, zod for the parameter schema, and the built-ins' own helpers. The
 * loader (main/strategies/user-strategy.ts) hands this very module to the file at run time,
 * so a user strategy runs on the same code as the built-ins in every mode.
 */
import type { z } from 'zod';
import type { Strategy } from './strategy.js';

export { z } from 'zod';
export type { MarketEvent } from '../domain/market.js';
export type { ReadonlyOrderBook } from '../market/order-book.js';
export type { OrderEvent, OrderIntent, OrderRequest, WorkingOrder } from './orders.js';
export type { BarView, Strategy, StrategyContext } from './strategy.js';
export { moveToTarget, RollingWindow } from './strategies/target.js';

/** What a strategy file exports as `strategy`: the built-ins' catalogue entry without its kind (the file name is its kind). */
export interface UserStrategySpec<P> {
  readonly title: string;
  readonly description: string;
  /** Parameters with defaults: the forms, sweeps and the CLI are read off this schema. */
  readonly params: z.ZodType<P>;
  create(params: P): Strategy;
}

/** Types a strategy file's export; returns it unchanged. */
export function defineStrategy<P>(spec: UserStrategySpec<P>): UserStrategySpec<P> {
  return spec;
}
