import type { BookView } from '../../../../shared/api/schemas.js';

/** One side of the depth chart: prices ascending, cumulative size at each step. */
export interface DepthCurve {
  readonly prices: number[];
  readonly totals: number[];
}

/**
 * Cumulative bid and ask curves, both with prices ascending, each starting (bids: ending) at
 * zero size on the touch so the filled steps meet at the spread. Drawn with line shapes
 * 'vh' (bids) and 'hv' (asks), the size at any price is what a market order there would take.
 */
export function depthCurves(book: BookView): { bids: DepthCurve; asks: DepthCurve } {
  const bidPrices: number[] = [];
  const bidTotals: number[] = [];
  let total = 0;
  for (const [price, size] of book.bids) {
    total += size;
    bidPrices.push(price);
    bidTotals.push(total);
  }
  bidPrices.reverse();
  bidTotals.reverse();
  const bestBid = book.bids[0];
  if (bestBid !== undefined) {
    bidPrices.push(bestBid[0]);
    bidTotals.push(0);
  }

  const askPrices: number[] = [];
  const askTotals: number[] = [];
  const bestAsk = book.asks[0];
  if (bestAsk !== undefined) {
    askPrices.push(bestAsk[0]);
    askTotals.push(0);
  }
  total = 0;
  for (const [price, size] of book.asks) {
    total += size;
    askPrices.push(price);
    askTotals.push(total);
  }
  return { bids: { prices: bidPrices, totals: bidTotals }, asks: { prices: askPrices, totals: askTotals } };
}
