// A strategy of your own. Copy this file into the `strategies/` folder of your workspace
// (beside workspace.sqlite), rename it (the file name becomes its kind, `user:<name>`), and it
// appears in the Backtests and Trading pickers and in `npm run cli -- strategies`.
//
// It is your own code: it runs inside the workstation with the app's permissions (files,
// network), as a Freqtrade strategy does. Run only strategy files you have read.
import { defineStrategy, moveToTarget, z, type BarView, type StrategyContext } from '@workstation/strategy';

export const strategy = defineStrategy({
  title: 'My strategy',
  description: 'Long after a close above the previous close, flat after one below.',
  // Every parameter needs a default: the forms, sweeps (--grid.<name>) and the CLI read this schema.
  params: z.strictObject({
    quantity: z.number().positive().default(1),
  }),
  create: (params) => {
    let previous = Number.NaN;
    return {
      // Called on every closed bar (candle backtests, and bars built from trades in event mode,
      // paper and live). Return order intents, or null for none.
      onBar(bar: BarView, ctx: StrategyContext) {
        const up = bar.close > previous;
        previous = bar.close;
        return moveToTarget(ctx, up ? params.quantity : 0, 'mine');
      },
    };
  },
});
