import type { BookSide } from '../domain/market.js';
import type { OrderBook } from './order-book.js';

/**
 * One book message applied as a unit: the levels of a snapshot or of a run of deltas sharing
 * (instrument, ts, seq) are all set before the book is checked. Checking level by level would
 * see a crossed book in the middle of sound real messages: Bybit's orderbook.500 lists a new
 * bid at a price that a later ask level of the same message vacates.
 *
 * The live edge validator (validate.ts) and the feature engine (shared/features/engine.ts)
 * both apply stored and live messages through this, so they agree on which messages stand.
 * One instance is reused message after message (no allocation per message).
 */
export class BookMessage {
  private readonly undoSide: BookSide[] = [];
  private readonly undoPrice: number[] = [];
  private readonly undoSize: number[] = [];
  private levels = 0;
  private book: OrderBook | null = null;

  /** Starts a message on `book`, forgetting the previous one (committed or not). */
  begin(book: OrderBook): void {
    this.book = book;
    this.levels = 0;
  }

  /** True between `begin` and `commit`. */
  get open(): boolean {
    return this.book !== null;
  }

  /** Sets one level of the message, remembering what it replaced. */
  set(side: BookSide, price: number, size: number): void {
    const book = this.book;
    if (book === null) throw new Error('BookMessage.set outside a message: call begin(book) first');
    const i = this.levels++;
    this.undoSide[i] = side;
    this.undoPrice[i] = price;
    this.undoSize[i] = book.sizeAt(side, price);
    book.set(side, price, size);
  }

  /**
   * Ends the message and checks the whole book: true when it stands; false when it left the
   * book crossed (best bid >= best ask), and then every level is backed out, so the book is
   * exactly as it was before `begin`.
   */
  commit(): boolean {
    const book = this.book;
    this.book = null;
    if (book === null || !book.isCrossed()) return true;
    // Back out in reverse, so a price the message touched twice gets its first size back.
    for (let k = this.levels - 1; k >= 0; k--) {
      book.set(this.undoSide[k] ?? 'bid', this.undoPrice[k] ?? 0, this.undoSize[k] ?? 0);
    }
    return false;
  }
}
