import { z } from 'zod';
import type { MarketEvent } from '../../domain/market.js';
import type { SignalDirection } from '../../domain/signal.js';
import { bookImbalanceOf } from '../../features/catalogue/book.js';
import type { OrderIntent } from '../orders.js';
import type { Strategy, StrategyContext, StrategyDefinition } from '../strategy.js';
import { moveToTarget } from './target.js';

export const bookImbalanceParams = z
  .strictObject({
    /** Levels a side counted in the imbalance (the product's imbalance feature uses 5). */
    levels: z.number().int().min(1).max(50).default(5),
    entry: z.number().gt(0).max(1).default(0.35),
    exit: z.number().min(0).max(1).default(0.1),
    /** Quiet time after a decision, so one noisy book cannot churn orders. */
    minIntervalMs: z.number().min(0).default(1000),
    quantity: z.number().positive().default(1),
    allowShort: z.boolean().default(true),
  })
  .refine((p) => p.exit < p.entry, { message: 'exit must be below entry' });
export type BookImbalanceParams = z.infer<typeof bookImbalanceParams>;
export type BookImbalanceParamsInput = z.input<typeof bookImbalanceParams>;

/**
 * Leans with the order-book imbalance: long above `entry`, short below `-entry`, flat again
 * once it has faded (a long below `exit`, a short above `-exit`). The gap between entry and
 * exit is the hysteresis that keeps one noisy book from flipping the view at every update; a
 * decision comes no sooner than `minIntervalMs` after the last one (a change that comes too
 * soon is re-checked on later updates). A book with a side empty has no imbalance (the
 * catalogue's NaN) and decides nothing.
 *
 * This class is also the live imbalance signal (shared/features/imbalance-signal.ts): the
 * decisions shown live are `decide`'s, so a backtest replays exactly what was shown. The view
 * is the strategy's own, not its position: orders only follow it (one at a time, when none is
 * working), so fills and latency never change what it decides.
 *
 * Event mode only: it reads the book on every book update.
 */
export class BookImbalance implements Strategy {
  private direction: SignalDirection = 'flat';
  private lastDecisionTs = Number.NEGATIVE_INFINITY;
  private lastOrderTs = Number.NEGATIVE_INFINITY;

  constructor(readonly params: BookImbalanceParams) {}

  /** The direction of the last decision ('flat' before any). */
  view(): SignalDirection {
    return this.direction;
  }

  /** Takes the book's imbalance at `ts`; returns the new view when this update changes it, else null. */
  decide(ts: number, imbalance: number): SignalDirection | null {
    if (!Number.isFinite(imbalance)) return null;
    const wanted = this.wantedDirection(imbalance);
    if (wanted === this.direction) return null;
    if (ts - this.lastDecisionTs < this.params.minIntervalMs) return null;
    this.direction = wanted;
    this.lastDecisionTs = ts;
    return wanted;
  }

  onEvent(event: MarketEvent, ctx: StrategyContext): readonly OrderIntent[] | null {
    const book = ctx.book;
    if (book === null || event.kind === 'trade') return null;
    const decided = this.decide(event.ts, bookImbalanceOf(book, this.params.levels)) !== null;
    // An order the venue or the risk gate refused is tried again, but no sooner than the quiet
    // time after the last one, so a refusal cannot become one order per book update.
    if (!decided && event.ts - this.lastOrderTs < this.params.minIntervalMs) return null;
    const { quantity, allowShort } = this.params;
    const target =
      this.direction === 'long' ? quantity : this.direction === 'short' && allowShort ? -quantity : 0;
    const intents = moveToTarget(ctx, target, 'obi');
    if (intents !== null) this.lastOrderTs = event.ts;
    return intents;
  }

  private wantedDirection(imbalance: number): SignalDirection {
    const { entry, exit } = this.params;
    if (imbalance > entry) return 'long';
    if (imbalance < -entry) return 'short';
    switch (this.direction) {
      case 'long':
        return imbalance < exit ? 'flat' : 'long';
      case 'short':
        return imbalance > -exit ? 'flat' : 'short';
      case 'flat':
        return 'flat';
      default:
        return this.direction satisfies never;
    }
  }
}

export const bookImbalanceStrategy: StrategyDefinition<BookImbalanceParams> = {
  kind: 'book-imbalance',
  title: 'Order-book imbalance',
  description: 'Long when bids outweigh asks near the touch, short when asks do, flat as it fades.',
  params: bookImbalanceParams,
  create: (params) => new BookImbalance(params),
};
