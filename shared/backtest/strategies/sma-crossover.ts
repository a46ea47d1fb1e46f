import { z } from 'zod';
import type { OrderIntent } from '../orders.js';
import type { BarView, Strategy, StrategyContext, StrategyDefinition } from '../strategy.js';
import { moveToTarget, RollingWindow } from './target.js';

export const smaCrossoverParams = z
  .strictObject({
    fast: z.number().int().min(1).default(10),
    slow: z.number().int().min(2).default(30),
    quantity: z.number().positive().default(1),
    allowShort: z.boolean().default(false),
  })
  .refine((p) => p.fast < p.slow, { message: 'fast must be shorter than slow' });
export type SmaCrossoverParams = z.infer<typeof smaCrossoverParams>;

/**
 * Long while the fast simple moving average of closes is above the slow one; flat (or short)
 * below. The reference strategy of the candle benchmark: O(1) per bar, no allocation unless
 * it trades.
 */
export class SmaCrossover implements Strategy {
  private readonly fast: RollingWindow;
  private readonly slow: RollingWindow;

  constructor(private readonly params: SmaCrossoverParams) {
    this.fast = new RollingWindow(params.fast);
    this.slow = new RollingWindow(params.slow);
  }

  onBar(bar: BarView, ctx: StrategyContext): readonly OrderIntent[] | null {
    this.fast.push(bar.close);
    this.slow.push(bar.close);
    if (!this.slow.full) return null;
    const above = this.fast.sum * this.params.slow > this.slow.sum * this.params.fast;
    const target = above ? this.params.quantity : this.params.allowShort ? -this.params.quantity : 0;
    return target === ctx.position ? null : moveToTarget(ctx, target, 'sma');
  }
}

export const smaCrossover: StrategyDefinition<SmaCrossoverParams> = {
  kind: 'sma-crossover',
  title: 'SMA crossover',
  description: 'Long while the fast moving average is above the slow one.',
  params: smaCrossoverParams,
  create: (params) => new SmaCrossover(params),
};
