import { describe, expect, it } from 'vitest';
import type { BookSide } from '../../../../shared/domain/market.js';
import { OrderBook } from '../../../../shared/market/order-book.js';
import { createRng } from '../../../../shared/market/rng.js';
import { bookSnapshot } from '../../../fixtures/market-data.js';

/** Bids 99.5 x 2, 99 x 5; asks 100.5 x 1, 101 x 3 (the fixture book). */
function fixtureBook(): OrderBook {
  const book = new OrderBook();
  book.applySnapshot(bookSnapshot());
  return book;
}

describe('order book', () => {
  it('loads a snapshot: touch, depth and levels best first', () => {
    const book = fixtureBook();
    expect(book.bestBid()).toBe(99.5);
    expect(book.bestAsk()).toBe(100.5);
    expect(book.depth('bid')).toBe(2);
    expect(book.depth('ask')).toBe(2);
    expect(book.top(10)).toEqual({
      bids: [
        [99.5, 2],
        [99, 5],
      ],
      asks: [
        [100.5, 1],
        [101, 3],
      ],
    });
    expect(book.mid()).toBe(100);
    expect(book.spread()).toBe(1);
  });

  it('applies deltas: new levels, size changes and removals', () => {
    const book = fixtureBook();
    book.applyDelta({ side: 'bid', price: 99.75, size: 4 }); // improves the bid
    book.applyDelta({ side: 'ask', price: 101, size: 0.5 }); // shrinks a level
    book.applyDelta({ side: 'ask', price: 100.5, size: 0 }); // the best ask is lifted
    book.applyDelta({ side: 'ask', price: 102, size: 7 }); // a new level behind
    expect(book.top(10)).toEqual({
      bids: [
        [99.75, 4],
        [99.5, 2],
        [99, 5],
      ],
      asks: [
        [101, 0.5],
        [102, 7],
      ],
    });
    expect(book.mid()).toBe(100.375); // (99.75 + 101) / 2
    expect(book.spread()).toBe(1.25);
  });

  it('ignores the removal of a level it does not hold', () => {
    const book = fixtureBook();
    book.applyDelta({ side: 'bid', price: 42, size: 0 });
    expect(book.depth('bid')).toBe(2);
  });

  it('reads levels by index from the touch, NaN beyond the depth', () => {
    const book = fixtureBook();
    expect([book.bidPrice(0), book.bidSize(0), book.bidPrice(1), book.bidSize(1)]).toEqual([99.5, 2, 99, 5]);
    expect([book.askPrice(0), book.askSize(0), book.askPrice(1), book.askSize(1)]).toEqual([
      100.5, 1, 101, 3,
    ]);
    expect(book.bidPrice(2)).toBeNaN();
    expect(book.askSize(-1)).toBeNaN();
  });

  it('sums the volume of the best n levels and looks up the size at a price', () => {
    const book = fixtureBook();
    expect(book.volume('bid', 1)).toBe(2);
    expect(book.volume('bid', 5)).toBe(7);
    expect(book.volume('ask', 2)).toBe(4);
    expect(book.sizeAt('ask', 101)).toBe(3);
    expect(book.sizeAt('ask', 100.75)).toBe(0);
  });

  it('sorts a snapshot whose levels arrive out of order and skips empty ones', () => {
    const book = new OrderBook();
    book.applySnapshot({
      bids: [
        [98, 1],
        [99, 2],
        [97, 0],
      ],
      asks: [
        [103, 1],
        [101, 2],
      ],
    });
    expect(book.top(5)).toEqual({
      bids: [
        [99, 2],
        [98, 1],
      ],
      asks: [
        [101, 2],
        [103, 1],
      ],
    });
  });

  it('replaces everything on a new snapshot', () => {
    const book = fixtureBook();
    book.applySnapshot({ bids: [[50, 1]], asks: [] });
    expect(book.top(5)).toEqual({ bids: [[50, 1]], asks: [] });
  });

  it('answers null, not 0, when a side is empty', () => {
    const book = new OrderBook();
    expect([book.bestBid(), book.bestAsk(), book.mid(), book.spread()]).toEqual([null, null, null, null]);
    book.applyDelta({ side: 'bid', price: 10, size: 1 });
    expect(book.bestBid()).toBe(10);
    expect([book.bestAsk(), book.mid(), book.spread()]).toEqual([null, null, null]);
    expect(book.isCrossed()).toBe(false);
  });

  it('knows when it is crossed or locked', () => {
    const book = fixtureBook();
    expect(book.isCrossed()).toBe(false);
    book.applyDelta({ side: 'bid', price: 100.5, size: 1 });
    expect(book.isCrossed()).toBe(true);
  });

  it('clears both sides', () => {
    const book = fixtureBook();
    book.clear();
    expect([book.depth('bid'), book.depth('ask'), book.bestBid()]).toEqual([0, 0, null]);
  });

  it('grows past its initial capacity and keeps the order', () => {
    const book = new OrderBook(2);
    for (let i = 1; i <= 100; i++) {
      book.applyDelta({ side: 'bid', price: i, size: i });
      book.applyDelta({ side: 'ask', price: 1000 - i, size: i });
    }
    expect(book.depth('bid')).toBe(100);
    expect(book.top(3)).toEqual({
      bids: [
        [100, 100],
        [99, 99],
        [98, 98],
      ],
      asks: [
        [900, 100],
        [901, 99],
        [902, 98],
      ],
    });
    expect(book.bidPrice(99)).toBe(1);
    expect(book.askPrice(99)).toBe(999);
  });

  it('agrees with a plain map of levels over thousands of random deltas', () => {
    const rng = createRng(11);
    const book = new OrderBook(4);
    const model: Record<BookSide, Map<number, number>> = { bid: new Map(), ask: new Map() };
    for (let i = 0; i < 5000; i++) {
      const side: BookSide = rng.next() < 0.5 ? 'bid' : 'ask';
      const price = (side === 'bid' ? 9000 : 10_001) + rng.int(0, 1000) * (side === 'bid' ? -1 : 1);
      const size = rng.next() < 0.3 ? 0 : rng.int(1, 50);
      book.applyDelta({ side, price: price / 100, size });
      if (size === 0) model[side].delete(price / 100);
      else model[side].set(price / 100, size);
    }
    const expected = (side: BookSide): [number, number][] =>
      [...model[side].entries()].sort((a, b) => (side === 'bid' ? b[0] - a[0] : a[0] - b[0])).slice(0, 20);
    expect(book.top(20)).toEqual({ bids: expected('bid'), asks: expected('ask') });
    expect(book.depth('bid')).toBe(model.bid.size);
    expect(book.depth('ask')).toBe(model.ask.size);
  });
});
