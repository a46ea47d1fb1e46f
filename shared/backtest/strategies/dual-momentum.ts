import { z } from 'zod';
import type { OrderIntent } from '../orders.js';
import type { BarView, Strategy, StrategyContext, StrategyDefinition } from '../strategy.js';
import { moveToTarget, RollingWindow } from './target.js';

export const dualMomentumParams = z.strictObject({
  /** Bars over which momentum is measured. */
  lookback: z.number().int().min(1).default(60),
  /** Return of the safe asset (cash) over the same lookback: the relative-momentum hurdle. */
  hurdle: z.number().min(0).default(0),
  quantity: z.number().positive().default(1),
  allowShort: z.boolean().default(false),
});
export type DualMomentumParams = z.infer<typeof dualMomentumParams>;

/**
 * Dual momentum (Antonacci) on one instrument: ABSOLUTE momentum (the trailing return over
 * `lookback` bars is positive) and RELATIVE momentum against the alternative, here cash
 * returning `hurdle` over the same lookback. Long when the trailing return beats both;
 * short (if allowed) when it is below -hurdle; flat otherwise. With several instruments the
 * relative leg picks the best of them; that needs the multi-asset engine of a later issue.
 */
export class DualMomentum implements Strategy {
  private readonly closes: RollingWindow;

  constructor(private readonly params: DualMomentumParams) {
    this.closes = new RollingWindow(params.lookback + 1);
  }

  onBar(bar: BarView, ctx: StrategyContext): readonly OrderIntent[] | null {
    this.closes.push(bar.close);
    if (!this.closes.full) return null;
    const trailing = bar.close / this.closes.oldest - 1;
    const { hurdle, quantity, allowShort } = this.params;
    const target =
      trailing > Math.max(0, hurdle) ? quantity : allowShort && trailing < -hurdle ? -quantity : 0;
    return target === ctx.position ? null : moveToTarget(ctx, target, 'dm');
  }
}

export const dualMomentum: StrategyDefinition<DualMomentumParams> = {
  kind: 'dual-momentum',
  title: 'Dual momentum',
  description: 'Long when the trailing return is positive and beats cash; flat (or short) otherwise.',
  params: dualMomentumParams,
  create: (params) => new DualMomentum(params),
};
