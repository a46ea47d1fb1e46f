// Example: buy when the RSI of closes is oversold, sell when it is overbought (bars only).
import { defineStrategy, moveToTarget, z, type BarView, type StrategyContext } from '@workstation/strategy';

export const strategy = defineStrategy({
  title: 'RSI reversion',
  description: 'Long below the oversold RSI level, flat above the overbought one (Wilder smoothing).',
  params: z
    .strictObject({
      period: z.number().int().min(2).default(14),
      oversold: z.number().min(0).max(100).default(30),
      overbought: z.number().min(0).max(100).default(70),
      quantity: z.number().positive().default(1),
    })
    .refine((p) => p.oversold < p.overbought, { message: 'oversold must be below overbought' }),
  create: (params) => {
    let previous = Number.NaN;
    let gain = 0;
    let loss = 0;
    let seen = 0;
    return {
      onBar(bar: BarView, ctx: StrategyContext) {
        if (!Number.isNaN(previous)) {
          const change = bar.close - previous;
          const n = Math.min(seen + 1, params.period);
          // Wilder's running average: a simple mean until `period` changes are seen.
          gain += (Math.max(change, 0) - gain) / n;
          loss += (Math.max(-change, 0) - loss) / n;
          seen++;
        }
        previous = bar.close;
        if (seen < params.period) return null;
        const rsi = loss === 0 ? 100 : 100 - 100 / (1 + gain / loss);
        if (rsi < params.oversold) return moveToTarget(ctx, params.quantity, 'rsi');
        if (rsi > params.overbought) return moveToTarget(ctx, 0, 'rsi');
        return null;
      },
    };
  },
});
