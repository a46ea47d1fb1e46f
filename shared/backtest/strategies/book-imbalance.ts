import { z } from 'zod';
import type { MarketEvent } from '../../domain/market.js';
import type { ReadonlyOrderBook } from '../../market/order-book.js';
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

/** (bid - ask) / (bid + ask) over the best `levels` levels; NaN when the book is empty. */
export function bookImbalance(book: ReadonlyOrderBook, levels: number): number {
  const bid = book.volume('bid', levels);
  const ask = book.volume('ask', levels);
  return bid + ask > 0 ? (bid - ask) / (bid + ask) : Number.NaN;
}

/**
 * Leans with the order-book imbalance (the rule of the live imbalance signal, as a
 * strategy): long above `entry`, short below `-entry`, flat once it fades inside `exit`.
 * Event mode only: it reads the book on every book update.
 */
export class BookImbalance implements Strategy {
  private lastDecisionTs = Number.NEGATIVE_INFINITY;

  constructor(private readonly params: BookImbalanceParams) {}

  onEvent(event: MarketEvent, ctx: StrategyContext): readonly OrderIntent[] | null {
    const book = ctx.book;
    if (book === null || event.kind === 'trade') return null;
    if (event.ts - this.lastDecisionTs < this.params.minIntervalMs) return null;
    const imbalance = bookImbalance(book, this.params.levels);
    if (Number.isNaN(imbalance)) return null;
    const { entry, exit, quantity, allowShort } = this.params;
    const position = ctx.position;
    let target = position;
    if (imbalance > entry) target = quantity;
    else if (imbalance < -entry) target = allowShort ? -quantity : 0;
    else if (position > 0 && imbalance < exit) target = 0;
    else if (position < 0 && imbalance > -exit) target = 0;
    if (target === position) return null;
    const intents = moveToTarget(ctx, target, 'obi');
    if (intents !== null) this.lastDecisionTs = event.ts;
    return intents;
  }
}

export const bookImbalanceStrategy: StrategyDefinition<BookImbalanceParams> = {
  kind: 'book-imbalance',
  title: 'Order-book imbalance',
  description: 'Long when bids outweigh asks near the touch, short when asks do, flat as it fades.',
  params: bookImbalanceParams,
  create: (params) => new BookImbalance(params),
};
