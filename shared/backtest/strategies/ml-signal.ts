import { z } from 'zod';
import type { MarketEvent } from '../../domain/market.js';
import type { OrderIntent } from '../orders.js';
import type { BarView, Strategy, StrategyContext, StrategyDefinition } from '../strategy.js';
import { moveToTarget } from './target.js';

/**
 * Any model behind one call: the probability that the price goes up over the model's
 * horizon, from one feature row (in the feature set's column order). The model issue
 * supplies TensorFlow.js models behind it; tests use a small logistic regression.
 */
export interface Predictor {
  predict(features: Float64Array): number;
}

export const mlSignalParams = z
  .strictObject({
    /** Go long when P(up) is above this. */
    longAbove: z.number().min(0).max(1).default(0.55),
    /** Go short (or flat, without shorts) when P(up) is below this. */
    shortBelow: z.number().min(0).max(1).default(0.45),
    quantity: z.number().positive().default(1),
    allowShort: z.boolean().default(true),
    /** Decide on every event (event mode) or on closed bars. */
    on: z.enum(['event', 'bar']).default('bar'),
    minIntervalMs: z.number().min(0).default(0),
  })
  .refine((p) => p.shortBelow <= p.longAbove, { message: 'shortBelow must not exceed longAbove' });
export type MlSignalParams = z.infer<typeof mlSignalParams>;

/**
 * Trades a model's probability: long above `longAbove`, short (or flat) below `shortBelow`,
 * unchanged in between (the dead band keeps a model hovering at 0.5 from churning).
 * It needs a feature set attached; a row with a missing value (NaN) is not predicted on.
 */
export class MlSignal implements Strategy {
  private lastDecisionTs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly params: MlSignalParams,
    private readonly model: Predictor,
  ) {}

  onEvent(event: MarketEvent, ctx: StrategyContext): readonly OrderIntent[] | null {
    return this.params.on === 'event' ? this.decide(event.ts, ctx) : null;
  }

  onBar(bar: BarView, ctx: StrategyContext): readonly OrderIntent[] | null {
    return this.params.on === 'bar' ? this.decide(bar.closeTime, ctx) : null;
  }

  private decide(ts: number, ctx: StrategyContext): readonly OrderIntent[] | null {
    const row = ctx.features;
    if (row === null || ts - this.lastDecisionTs < this.params.minIntervalMs) return null;
    for (const value of row) if (Number.isNaN(value)) return null;
    const up = this.model.predict(row);
    if (!Number.isFinite(up)) return null;
    const { longAbove, shortBelow, quantity, allowShort } = this.params;
    let target = ctx.position;
    if (up > longAbove) target = quantity;
    else if (up < shortBelow) target = allowShort ? -quantity : 0;
    if (target === ctx.position) return null;
    const intents = moveToTarget(ctx, target, 'ml');
    if (intents !== null) this.lastDecisionTs = ts;
    return intents;
  }
}

export const mlSignal: StrategyDefinition<MlSignalParams, Predictor> = {
  kind: 'ml-signal',
  title: 'ML signal',
  description: "Trades a model's probability of an up move, with a dead band around 0.5.",
  params: mlSignalParams,
  create: (params, model) => new MlSignal(params, model),
};
