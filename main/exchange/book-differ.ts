import type { BookDelta, BookSide, Level, MarketEvent } from '../../shared/domain/market.js';

/** The full book as a ccxt order book holds it: [price, amount] pairs, best first. */
export interface FullBook {
  readonly bids: readonly (readonly [number, number])[];
  readonly asks: readonly (readonly [number, number])[];
}

/** What every delta of one update shares. */
type Message = Pick<BookDelta, 'instrument' | 'ts' | 'seq' | 'localTs'>;

/**
 * Turns the full books a ccxt watchOrderBook loop hands back into the product's events: a
 * BookSnapshot whenever the book was (re)synchronised, and afterwards only BookDeltas for the
 * levels that changed. Only the best `depth` levels a side are tracked: a level leaving that
 * window is removed (a delta of size 0), so what downstream holds is exactly the top window.
 *
 * Per update the cost is one pass over the window of each side with Map lookups, and no
 * allocation for levels that did not change.
 */
export class BookDiffer {
  private readonly last: Record<BookSide, Map<number, number>> = { bid: new Map(), ask: new Map() };
  private readonly seen: Record<BookSide, Set<number>> = { bid: new Set(), ask: new Set() };
  private synced = false;

  constructor(
    private readonly instrument: string,
    private readonly depth: number,
  ) {}

  /** The next update must be emitted as a snapshot (after a reconnect or a sequence gap). */
  resync(): void {
    this.synced = false;
  }

  get isSynced(): boolean {
    return this.synced;
  }

  /**
   * A snapshot when resynchronising, else the deltas from the previous book to this one, as ONE
   * book message: every delta shares (ts, seq) and is validated as a unit (see BookDelta).
   * Removals of both sides still come first, then new and changed levels, so that even a
   * consumer stepping level by level never sees a crossed book in between. `localTs` is when
   * the update arrived here, kept beside the exchange time.
   */
  update(book: FullBook, ts: number, nextSeq: () => number, localTs?: number): MarketEvent[] {
    const seq = nextSeq();
    const received = localTs === undefined ? {} : { localTs };
    if (!this.synced) {
      this.synced = true;
      const bids = this.remember('bid', book.bids);
      const asks = this.remember('ask', book.asks);
      return [{ kind: 'book_snapshot', instrument: this.instrument, ts, seq, bids, asks, ...received }];
    }
    const out: MarketEvent[] = [];
    const message = { instrument: this.instrument, ts, seq, ...received };
    this.removals('bid', book.bids, message, out);
    this.removals('ask', book.asks, message, out);
    this.changes('bid', book.bids, message, out);
    this.changes('ask', book.asks, message, out);
    return out;
  }

  private remember(side: BookSide, levels: FullBook['bids']): Level[] {
    const map = this.last[side];
    map.clear();
    const out: Level[] = [];
    const n = Math.min(this.depth, levels.length);
    for (let i = 0; i < n; i++) {
      const level = levels[i];
      if (level === undefined) break;
      const [price, size] = level;
      if (!(size > 0)) continue;
      map.set(price, size);
      out.push([price, size]);
    }
    return out;
  }

  private removals(side: BookSide, levels: FullBook['bids'], message: Message, out: MarketEvent[]): void {
    const previous = this.last[side];
    const seen = this.seen[side];
    seen.clear();
    const n = Math.min(this.depth, levels.length);
    for (let i = 0; i < n; i++) {
      const level = levels[i];
      if (level !== undefined && level[1] > 0) seen.add(level[0]);
    }
    for (const price of previous.keys()) {
      if (seen.has(price)) continue;
      previous.delete(price);
      out.push({ kind: 'book_delta', ...message, side, price, size: 0 });
    }
  }

  private changes(side: BookSide, levels: FullBook['bids'], message: Message, out: MarketEvent[]): void {
    const previous = this.last[side];
    const n = Math.min(this.depth, levels.length);
    for (let i = 0; i < n; i++) {
      const level = levels[i];
      if (level === undefined) break;
      const [price, size] = level;
      if (!(size > 0) || previous.get(price) === size) continue;
      previous.set(price, size);
      out.push({ kind: 'book_delta', ...message, side, price, size });
    }
  }
}
