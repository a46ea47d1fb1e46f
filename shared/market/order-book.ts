import type { BookDelta, BookSide, BookSnapshot, Level } from '../domain/market.js';

/**
 * One side of an L2 book in two parallel typed arrays, kept sorted so that the BEST level is
 * LAST: most updates land at or near the touch, and with the touch at the end an insert or
 * removal there shifts almost nothing. Prices are stored as ascending sort keys (price for
 * bids, -price for asks) so both sides share one binary search; negation is exact.
 */
class BookSideLevels {
  keys: Float64Array;
  sizes: Float64Array;
  count = 0;

  constructor(
    capacity: number,
    /** key = keySign * price: +1 for bids (best = highest), -1 for asks (best = lowest). */
    private readonly keySign: 1 | -1,
  ) {
    this.keys = new Float64Array(capacity);
    this.sizes = new Float64Array(capacity);
  }

  /** Price of the i-th best level; NaN outside 0 <= i < count. */
  price(i: number): number {
    if (i < 0 || i >= this.count) return Number.NaN;
    return (this.keys[this.count - 1 - i] ?? Number.NaN) * this.keySign;
  }

  size(i: number): number {
    if (i < 0 || i >= this.count) return Number.NaN;
    return this.sizes[this.count - 1 - i] ?? Number.NaN;
  }

  sizeAt(price: number): number {
    const key = price * this.keySign;
    const at = this.lowerBound(key);
    return at < this.count && this.keys[at] === key ? (this.sizes[at] ?? 0) : 0;
  }

  /** Sets the total size at a price; a size that is not positive removes the level. */
  set(price: number, size: number): void {
    const key = price * this.keySign;
    const at = this.lowerBound(key);
    const exists = at < this.count && this.keys[at] === key;
    if (size > 0) {
      if (exists) {
        this.sizes[at] = size;
        return;
      }
      if (this.count === this.keys.length) this.grow();
      this.keys.copyWithin(at + 1, at, this.count);
      this.sizes.copyWithin(at + 1, at, this.count);
      this.keys[at] = key;
      this.sizes[at] = size;
      this.count++;
    } else if (exists) {
      this.keys.copyWithin(at, at + 1, this.count);
      this.sizes.copyWithin(at, at + 1, this.count);
      this.count--;
    }
  }

  /** Sum of the sizes of the best `levels` levels. */
  volume(levels: number): number {
    const stop = Math.max(0, this.count - levels);
    let total = 0;
    for (let i = this.count - 1; i >= stop; i--) total += this.sizes[i] ?? 0;
    return total;
  }

  top(levels: number): Level[] {
    const n = Math.min(Math.max(0, levels), this.count);
    const out: Level[] = new Array<Level>(n);
    for (let i = 0; i < n; i++) out[i] = [this.price(i), this.size(i)];
    return out;
  }

  /** First index whose key is >= key. */
  private lowerBound(key: number): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.keys[mid] ?? Number.POSITIVE_INFINITY) < key) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    const sizes = new Float64Array(this.sizes.length * 2);
    keys.set(this.keys);
    sizes.set(this.sizes);
    this.keys = keys;
    this.sizes = sizes;
  }
}

/**
 * The L2 book of one instrument, maintained from a snapshot and the deltas that follow it.
 * It trusts its input: reject bad events at the edge (MarketEventValidator) before they get
 * here. Index accessors count from the touch (0 = best) and return NaN outside the depth of
 * that side, so hot loops run `for (i = 0; i < depth(side); i++)` without allocation.
 */
export class OrderBook {
  private readonly bids: BookSideLevels;
  private readonly asks: BookSideLevels;

  constructor(initialCapacity = 64) {
    const capacity = Math.max(1, Math.floor(initialCapacity));
    this.bids = new BookSideLevels(capacity, 1);
    this.asks = new BookSideLevels(capacity, -1);
  }

  /**
   * Replaces the whole book. Levels may come in any order; size 0 levels are skipped. They
   * are inserted from the back: a snapshot lists the best level first, and the best level is
   * the END of each array, so inserting best-first would shift the whole side every time
   * (quadratic in the depth: seconds for a rebuild of a 2,000-level book).
   */
  applySnapshot(snapshot: Pick<BookSnapshot, 'bids' | 'asks'>): void {
    this.clear();
    for (let i = snapshot.bids.length - 1; i >= 0; i--) {
      const level = snapshot.bids[i];
      if (level !== undefined) this.bids.set(level[0], level[1]);
    }
    for (let i = snapshot.asks.length - 1; i >= 0; i--) {
      const level = snapshot.asks[i];
      if (level !== undefined) this.asks.set(level[0], level[1]);
    }
  }

  /** Sets the new total size at one price; size 0 removes the level. */
  applyDelta(delta: Pick<BookDelta, 'side' | 'price' | 'size'>): void {
    this.set(delta.side, delta.price, delta.size);
  }

  set(side: BookSide, price: number, size: number): void {
    (side === 'bid' ? this.bids : this.asks).set(price, size);
  }

  clear(): void {
    this.bids.count = 0;
    this.asks.count = 0;
  }

  bestBid(): number | null {
    return this.bids.count > 0 ? this.bids.price(0) : null;
  }

  bestAsk(): number | null {
    return this.asks.count > 0 ? this.asks.price(0) : null;
  }

  /** Number of price levels on one side. */
  depth(side: BookSide): number {
    return (side === 'bid' ? this.bids : this.asks).count;
  }

  bidPrice(i: number): number {
    return this.bids.price(i);
  }

  bidSize(i: number): number {
    return this.bids.size(i);
  }

  askPrice(i: number): number {
    return this.asks.price(i);
  }

  askSize(i: number): number {
    return this.asks.size(i);
  }

  /** Size resting at exactly this price on one side, 0 when there is no level. */
  sizeAt(side: BookSide, price: number): number {
    return (side === 'bid' ? this.bids : this.asks).sizeAt(price);
  }

  /** Total size of the best `levels` levels of one side. */
  volume(side: BookSide, levels: number): number {
    return (side === 'bid' ? this.bids : this.asks).volume(levels);
  }

  /** The best `levels` levels of each side, best first (allocates: for views, not hot loops). */
  top(levels: number): { bids: Level[]; asks: Level[] } {
    return { bids: this.bids.top(levels), asks: this.asks.top(levels) };
  }

  mid(): number | null {
    if (this.bids.count === 0 || this.asks.count === 0) return null;
    return (this.bids.price(0) + this.asks.price(0)) / 2;
  }

  spread(): number | null {
    if (this.bids.count === 0 || this.asks.count === 0) return null;
    return this.asks.price(0) - this.bids.price(0);
  }

  /** True when the best bid is at or above the best ask: a book no venue can hold. */
  isCrossed(): boolean {
    if (this.bids.count === 0 || this.asks.count === 0) return false;
    return this.bids.price(0) >= this.asks.price(0);
  }
}

/** The read side of an OrderBook, for code that must look but not touch. */
export type ReadonlyOrderBook = Pick<
  OrderBook,
  | 'bestBid'
  | 'bestAsk'
  | 'depth'
  | 'bidPrice'
  | 'bidSize'
  | 'askPrice'
  | 'askSize'
  | 'sizeAt'
  | 'volume'
  | 'top'
  | 'mid'
  | 'spread'
  | 'isCrossed'
>;
