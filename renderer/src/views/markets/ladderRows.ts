import type { BookView } from '../../../../shared/api/schemas.js';

/** Levels a side the ladder draws. */
export const LADDER_LEVELS = 20;

export interface LadderLevel {
  readonly price: number;
  readonly size: number;
  /** Size from the touch out to and including this level. */
  readonly total: number;
}

export interface Ladder {
  /** Asks from the far level down to the best (lowest) ask, as drawn top to bottom. */
  readonly asks: readonly LadderLevel[];
  /** Bids from the best (highest) bid down to the far level. */
  readonly bids: readonly LadderLevel[];
  /** The largest size on screen: size bars are drawn relative to it. */
  readonly largestSize: number;
}

/** The rows of the ladder from one book view; cheap enough to run on every update. */
export function ladderOf(book: BookView | null, levels: number = LADDER_LEVELS): Ladder {
  if (book === null) return { asks: [], bids: [], largestSize: 0 };
  const bids = accumulate(book.bids, levels);
  const asks = accumulate(book.asks, levels).reverse();
  let largestSize = 0;
  for (const level of bids) largestSize = Math.max(largestSize, level.size);
  for (const level of asks) largestSize = Math.max(largestSize, level.size);
  return { asks, bids, largestSize };
}

function accumulate(side: readonly (readonly [number, number])[], levels: number): LadderLevel[] {
  const rows: LadderLevel[] = [];
  let total = 0;
  const count = Math.min(levels, side.length);
  for (let i = 0; i < count; i++) {
    const level = side[i];
    if (level === undefined) break;
    total += level[1];
    rows.push({ price: level[0], size: level[1], total });
  }
  return rows;
}
