import { z } from 'zod';
import type { ReadonlyOrderBook } from '../../market/order-book.js';
import { defineFeature, type IncrementalFeature } from '../feature.js';
import { levelsParam, windowMsParam } from './params.js';
import { WindowSums } from './windows.js';

/**
 * Order-book features. All but OFI are functions of the book as it is now, so they are
 * computed when read (O(levels)), not on every book event. A side with no level makes every
 * one of them NaN: there is no mid, no touch, no ratio. This is the one stated answer for a
 * one-sided book everywhere (feature sets, the Markets panel, the live signal and the
 * BookImbalance strategy all call the functions below); where a value crosses a process
 * boundary as JSON, NaN travels as null.
 */

function bothSides(book: ReadonlyOrderBook): boolean {
  return book.depth('bid') > 0 && book.depth('ask') > 0;
}

/**
 * (bid volume - ask volume) / (bid volume + ask volume) over the best `levels` of each side;
 * NaN when a side is empty (an empty side is not "all bids": the book is not there yet, or
 * it is broken, and neither is a reason to lean).
 */
export function bookImbalanceOf(book: ReadonlyOrderBook, levels: number): number {
  if (!bothSides(book)) return Number.NaN;
  const bid = book.volume('bid', levels);
  const ask = book.volume('ask', levels);
  return (bid - ask) / (bid + ask);
}

/**
 * The touch prices weighted by the opposite queue: a thin ask and a thick bid put the
 * microprice near the ask, where the next trade is likelier to print. NaN with a side empty.
 */
export function micropriceOf(book: ReadonlyOrderBook): number {
  if (!bothSides(book)) return Number.NaN;
  const bidSize = book.bidSize(0);
  const askSize = book.askSize(0);
  return (book.bidPrice(0) * askSize + book.askPrice(0) * bidSize) / (bidSize + askSize);
}

/** Best ask - best bid; NaN with a side empty. */
export function spreadOf(book: ReadonlyOrderBook): number {
  if (!bothSides(book)) return Number.NaN;
  return book.askPrice(0) - book.bidPrice(0);
}

/** The spread in basis points of the mid; NaN with a side empty. */
export function spreadBpsOf(book: ReadonlyOrderBook): number {
  if (!bothSides(book)) return Number.NaN;
  const bid = book.bidPrice(0);
  const ask = book.askPrice(0);
  return ((ask - bid) / ((bid + ask) / 2)) * 10_000;
}

/** (best bid + best ask) / 2; NaN with a side empty. */
export function midOf(book: ReadonlyOrderBook): number {
  if (!bothSides(book)) return Number.NaN;
  return (book.bidPrice(0) + book.askPrice(0)) / 2;
}

/** A feature whose value is a function of the current book. */
function bookView(read: (out: Float64Array, offset: number) => void): IncrementalFeature {
  return { read };
}

export const bookImbalance = defineFeature({
  kind: 'book_imbalance',
  title: 'Book imbalance',
  family: 'book',
  definition: '(bid volume - ask volume) / (bid volume + ask volume) over the best N levels of each side',
  inputs: ['book'],
  params: z.strictObject({ levels: levelsParam(5) }),
  outputs: () => ['value'],
  create: ({ levels }, { book }) =>
    bookView((out, offset) => {
      out[offset] = bookImbalanceOf(book, levels);
    }),
});

const WEIGHTINGS = ['harmonic', 'exponential'] as const;

export const bookPressure = defineFeature({
  kind: 'book_pressure',
  title: 'Weighted book pressure',
  family: 'book',
  definition:
    'ratio = sum w_i bid_i / sum w_i ask_i over the best N levels, w_i = 1/(i+1) (harmonic) or exp(-decay i); imbalance = (B - A) / (B + A)',
  inputs: ['book'],
  params: z.strictObject({
    levels: levelsParam(10),
    weighting: z.enum(WEIGHTINGS).default('harmonic'),
    decay: z.number().min(0).max(100).default(0.5),
  }),
  outputs: () => ['ratio', 'imbalance'],
  create: ({ levels, weighting, decay }, { book }) => {
    // Weights by distance from the touch (level 0 = touch), fixed at creation.
    const weights = new Float64Array(levels);
    for (let i = 0; i < levels; i++)
      weights[i] = weighting === 'harmonic' ? 1 / (i + 1) : Math.exp(-decay * i);
    return bookView((out, offset) => {
      if (!bothSides(book)) {
        out[offset] = out[offset + 1] = Number.NaN;
        return;
      }
      let bid = 0;
      let ask = 0;
      const bidLevels = Math.min(levels, book.depth('bid'));
      const askLevels = Math.min(levels, book.depth('ask'));
      for (let i = 0; i < bidLevels; i++) bid += (weights[i] ?? 0) * book.bidSize(i);
      for (let i = 0; i < askLevels; i++) ask += (weights[i] ?? 0) * book.askSize(i);
      out[offset] = bid / ask;
      out[offset + 1] = (bid - ask) / (bid + ask);
    });
  },
});

export const spread = defineFeature({
  kind: 'spread',
  title: 'Spread',
  family: 'book',
  definition: 'best ask - best bid, and the same in basis points of the mid',
  inputs: ['book'],
  params: z.strictObject({}),
  outputs: () => ['abs', 'bps'],
  create: (_params, { book }) =>
    bookView((out, offset) => {
      out[offset] = spreadOf(book);
      out[offset + 1] = spreadBpsOf(book);
    }),
});

export const microprice = defineFeature({
  kind: 'microprice',
  title: 'Microprice',
  family: 'book',
  definition: '(best bid * ask size + best ask * bid size) / (bid size + ask size) at the touch',
  inputs: ['book'],
  params: z.strictObject({}),
  outputs: () => ['value'],
  create: (_params, { book }) =>
    bookView((out, offset) => {
      out[offset] = micropriceOf(book);
    }),
});

export const depthNearMid = defineFeature({
  kind: 'depth_near_mid',
  title: 'Depth near the mid',
  family: 'book',
  definition:
    'size resting within X bps of the mid: bids priced >= mid (1 - X/1e4), asks priced <= mid (1 + X/1e4)',
  inputs: ['book'],
  params: z.strictObject({ bps: z.number().positive().max(10_000).default(10) }),
  outputs: () => ['bid', 'ask'],
  create: ({ bps }, { book }) =>
    bookView((out, offset) => {
      if (!bothSides(book)) {
        out[offset] = out[offset + 1] = Number.NaN;
        return;
      }
      const mid = (book.bidPrice(0) + book.askPrice(0)) / 2;
      const low = mid * (1 - bps / 10_000);
      const high = mid * (1 + bps / 10_000);
      let bid = 0;
      for (let i = 0, n = book.depth('bid'); i < n && book.bidPrice(i) >= low; i++) bid += book.bidSize(i);
      let ask = 0;
      for (let i = 0, n = book.depth('ask'); i < n && book.askPrice(i) <= high; i++) ask += book.askSize(i);
      out[offset] = bid;
      out[offset + 1] = ask;
    }),
});

/**
 * Least-squares slope of cumulative size against distance from the mid (bps) over the best
 * `levels` levels of one side: how fast liquidity builds up away from the touch (size per bp).
 */
function sideSlope(book: ReadonlyOrderBook, side: 'bid' | 'ask', levels: number, mid: number): number {
  const n = Math.min(levels, book.depth(side));
  if (n < 2) return Number.NaN;
  let sumX = 0;
  let sumY = 0;
  let cumulative = 0;
  for (let i = 0; i < n; i++) {
    const price = side === 'bid' ? book.bidPrice(i) : book.askPrice(i);
    cumulative += side === 'bid' ? book.bidSize(i) : book.askSize(i);
    sumX += (Math.abs(price - mid) / mid) * 10_000;
    sumY += cumulative;
  }
  const meanX = sumX / n;
  const meanY = sumY / n;
  let sxy = 0;
  let sxx = 0;
  cumulative = 0;
  for (let i = 0; i < n; i++) {
    const price = side === 'bid' ? book.bidPrice(i) : book.askPrice(i);
    cumulative += side === 'bid' ? book.bidSize(i) : book.askSize(i);
    const dx = (Math.abs(price - mid) / mid) * 10_000 - meanX;
    sxy += dx * (cumulative - meanY);
    sxx += dx * dx;
  }
  return sxx > 0 ? sxy / sxx : Number.NaN;
}

export const bookSlope = defineFeature({
  kind: 'book_slope',
  title: 'Book slope',
  family: 'book',
  definition:
    'per side, least-squares slope of cumulative size vs distance from the mid in bps over the best N levels (size per bp)',
  inputs: ['book'],
  params: z.strictObject({ levels: levelsParam(10) }),
  outputs: () => ['bid', 'ask'],
  create: ({ levels }, { book }) =>
    bookView((out, offset) => {
      if (!bothSides(book)) {
        out[offset] = out[offset + 1] = Number.NaN;
        return;
      }
      const mid = (book.bidPrice(0) + book.askPrice(0)) / 2;
      out[offset] = sideSlope(book, 'bid', levels, mid);
      out[offset + 1] = sideSlope(book, 'ask', levels, mid);
    }),
});

/**
 * Order-flow imbalance (Cont, Kukanov and Stoikov 2014): for each book update n,
 *   e_n = qb_n 1{Pb_n >= Pb_n-1} - qb_n-1 1{Pb_n <= Pb_n-1} - qa_n 1{Pa_n <= Pa_n-1} + qa_n-1 1{Pa_n >= Pa_n-1}
 * with P, q the best price and size of each side, summed over the updates in (t - window, t].
 * An update with a side empty before or after (or the first update) has no e_n: the sum is NaN while one is in the
 * window. It is also NaN until a whole window has passed since the first update it saw.
 */
class OrderFlowImbalance implements IncrementalFeature {
  private readonly window: WindowSums;
  private readonly scratch = new Float64Array(2);
  private bidPrice = Number.NaN;
  private bidSize = Number.NaN;
  private askPrice = Number.NaN;
  private askSize = Number.NaN;
  private first = Number.NaN;
  private now = Number.NEGATIVE_INFINITY;

  constructor(private readonly windowMs: number) {
    // Columns: e_n (0 when missing), and 1 when e_n is missing.
    this.window = new WindowSums(2);
  }

  onTime(ts: number): void {
    if (Number.isNaN(this.first)) this.first = ts;
    if (ts > this.now) this.now = ts;
    this.window.evictThrough(this.now - this.windowMs);
  }

  onBook(book: ReadonlyOrderBook, ts: number): void {
    this.onTime(ts);
    const has = bothSides(book);
    const bidPrice = has ? book.bidPrice(0) : Number.NaN;
    const bidSize = has ? book.bidSize(0) : Number.NaN;
    const askPrice = has ? book.askPrice(0) : Number.NaN;
    const askSize = has ? book.askSize(0) : Number.NaN;
    if (Number.isNaN(this.bidPrice) || Number.isNaN(bidPrice)) {
      this.scratch[0] = 0;
      this.scratch[1] = 1;
      this.window.push(ts, this.scratch);
    } else {
      let e = 0;
      if (bidPrice >= this.bidPrice) e += bidSize;
      if (bidPrice <= this.bidPrice) e -= this.bidSize;
      if (askPrice <= this.askPrice) e -= askSize;
      if (askPrice >= this.askPrice) e += this.askSize;
      // Updates away from the touch give e_n = 0 and need no slot in the window.
      if (e !== 0) {
        this.scratch[0] = e;
        this.scratch[1] = 0;
        this.window.push(ts, this.scratch);
      }
    }
    this.bidPrice = bidPrice;
    this.bidSize = bidSize;
    this.askPrice = askPrice;
    this.askSize = askSize;
  }

  read(out: Float64Array, offset: number): void {
    const warm = this.now - this.first >= this.windowMs;
    out[offset] = warm && this.window.sum(1) === 0 ? this.window.sum(0) : Number.NaN;
  }
}

export const orderFlowImbalance = defineFeature({
  kind: 'ofi',
  title: 'Order-flow imbalance',
  family: 'book',
  definition:
    'Cont-Kukanov-Stoikov OFI: sum over book updates in the window of the signed changes of best bid and ask queues',
  inputs: ['book'],
  params: z.strictObject({ windowMs: windowMsParam(1_000) }),
  outputs: () => ['value'],
  create: ({ windowMs }) => new OrderFlowImbalance(windowMs),
});

export const BOOK_FEATURES = [
  bookImbalance,
  bookPressure,
  spread,
  microprice,
  depthNearMid,
  bookSlope,
  orderFlowImbalance,
] as const;
