import { z } from 'zod';
import type { OrderIntent } from '../orders.js';
import type { BarView, Strategy, StrategyContext, StrategyDefinition } from '../strategy.js';
import { moveToTarget, RollingWindow } from './target.js';

export const bollingerParams = z
  .strictObject({
    period: z.number().int().min(2).default(20),
    /** Band width in standard deviations: entry when the close leaves the band. */
    width: z.number().positive().default(2),
    /** Exit once the z-score is back within this distance of the mean (0 = at the mean). */
    exitZ: z.number().min(0).default(0),
    quantity: z.number().positive().default(1),
    allowShort: z.boolean().default(true),
  })
  .refine((p) => p.exitZ < p.width, { message: 'exitZ must be inside the band' });
export type BollingerParams = z.infer<typeof bollingerParams>;

/**
 * Bollinger-band mean reversion: z = (close - SMA) / population std over `period` closes.
 * Buy when z < -width, sell short (if allowed) when z > width; a long exits when z rises to
 * -exitZ, a short when it falls to exitZ.
 */
export class BollingerReversion implements Strategy {
  private readonly closes: RollingWindow;

  constructor(private readonly params: BollingerParams) {
    this.closes = new RollingWindow(params.period);
  }

  onBar(bar: BarView, ctx: StrategyContext): readonly OrderIntent[] | null {
    this.closes.push(bar.close);
    if (!this.closes.full) return null;
    const std = this.closes.std;
    if (!(std > 0)) return null;
    const z = (bar.close - this.closes.mean) / std;
    const { width, exitZ, quantity, allowShort } = this.params;
    let target = ctx.position;
    if (z < -width) target = quantity;
    else if (z > width) target = allowShort ? -quantity : 0;
    else if (ctx.position > 0 && z >= -exitZ) target = 0;
    else if (ctx.position < 0 && z <= exitZ) target = 0;
    return target === ctx.position ? null : moveToTarget(ctx, target, 'bb');
  }
}

export const bollingerReversion: StrategyDefinition<BollingerParams> = {
  kind: 'bollinger-reversion',
  title: 'Bollinger mean reversion',
  description: 'Fades closes outside the Bollinger band, exits back at the mean.',
  params: bollingerParams,
  create: (params) => new BollingerReversion(params),
};
