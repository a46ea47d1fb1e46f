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
 * The fast and slow simple moving averages of closes, traded on their crossings. The
 * conventions (shared/backtest/README.md, as backtrader's CrossOver):
 *
 * - A cross is judged against the last NON-ZERO difference fast - slow: a bar where the two
 *   are exactly equal is no cross and changes nothing; the cross comes on the first bar the
 *   difference has the other sign than before the tie.
 * - Entries only on a cross: the first full bar finds fast above or below slow with no
 *   crossing before it, so nothing is traded until the first cross.
 * - Up-cross: go long. Down-cross: go flat (short with `allowShort`).
 *
 * The difference's sign is compared exactly, as fast.sum x slow - slow.sum x fast (no division),
 * so equal averages on hand-computed bars are equal here. O(1) per bar, no allocation unless it
 * trades: the reference strategy of the candle benchmark.
 */
export class SmaCrossover implements Strategy {
  private readonly fast: RollingWindow;
  private readonly slow: RollingWindow;
  /** Sign of the last non-zero fast - slow difference; 0 before the first one. */
  private lastSign = 0;

  constructor(private readonly params: SmaCrossoverParams) {
    this.fast = new RollingWindow(params.fast);
    this.slow = new RollingWindow(params.slow);
  }

  onBar(bar: BarView, ctx: StrategyContext): readonly OrderIntent[] | null {
    this.fast.push(bar.close);
    this.slow.push(bar.close);
    if (!this.slow.full) return null;
    const difference = this.fast.sum * this.params.slow - this.slow.sum * this.params.fast;
    const sign = difference > 0 ? 1 : difference < 0 ? -1 : 0;
    if (sign === 0) return null; // equality is no cross
    const before = this.lastSign;
    this.lastSign = sign;
    if (before === 0 || before === sign) return null; // no cross (or the first side seen)
    const quantity = this.params.quantity;
    const target = sign > 0 ? quantity : this.params.allowShort ? -quantity : 0;
    return target === ctx.position ? null : moveToTarget(ctx, target, 'sma');
  }
}

export const smaCrossover: StrategyDefinition<SmaCrossoverParams> = {
  kind: 'sma-crossover',
  title: 'SMA crossover',
  description:
    'Goes long when the fast moving average crosses above the slow one, flat (or short) when it crosses below.',
  params: smaCrossoverParams,
  create: (params) => new SmaCrossover(params),
};
