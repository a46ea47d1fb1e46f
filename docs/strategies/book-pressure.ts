// Example: reads the order book (event mode, paper and live): buys when the bid side of the
// top levels outweighs the ask side, and leaves when it flips. In candle backtests there is no
// book (ctx.book is null), so it falls back to bars: long while the bar closes in its upper half.
import {
  defineStrategy,
  moveToTarget,
  z,
  type BarView,
  type MarketEvent,
  type StrategyContext,
} from '@workstation/strategy';

export const strategy = defineStrategy({
  title: 'Book pressure',
  description: 'Long while the top levels of the book lean to the bids; on candles, while bars close high.',
  params: z.strictObject({
    levels: z.number().int().min(1).max(50).default(5),
    threshold: z.number().min(0).max(1).default(0.2),
    quantity: z.number().positive().default(1),
  }),
  create: (params) => ({
    onEvent(_event: MarketEvent, ctx: StrategyContext) {
      const book = ctx.book;
      if (book === null) return null;
      const bid = book.volume('bid', params.levels);
      const ask = book.volume('ask', params.levels);
      if (bid + ask === 0) return null;
      const imbalance = (bid - ask) / (bid + ask);
      if (imbalance > params.threshold) return moveToTarget(ctx, params.quantity, 'press');
      if (imbalance < -params.threshold) return moveToTarget(ctx, 0, 'press');
      return null;
    },
    onBar(bar: BarView, ctx: StrategyContext) {
      if (ctx.book !== null || bar.high === bar.low) return null;
      const upperHalf = bar.close - bar.low > (bar.high - bar.low) / 2;
      return moveToTarget(ctx, upperHalf ? params.quantity : 0, 'press');
    },
  }),
});
