import { describe, expect, it } from 'vitest';
import { BookDiffer } from '../../../../main/exchange/book-differ.js';
import type { MarketEvent } from '../../../../shared/domain/market.js';
import { OrderBook } from '../../../../shared/market/order-book.js';

const ID = 'binance:ETH/USDT';

function counter(): () => number {
  let seq = 0;
  return () => ++seq;
}

describe('book differ', () => {
  it('emits a snapshot of the top levels first', () => {
    const differ = new BookDiffer(ID, 2);
    const events = differ.update(
      {
        bids: [
          [100, 1],
          [99, 2],
          [98, 3],
        ],
        asks: [[101, 4]],
      },
      1_000,
      counter(),
    );
    expect(events).toEqual([
      {
        kind: 'book_snapshot',
        instrument: ID,
        ts: 1_000,
        seq: 1,
        bids: [
          [100, 1],
          [99, 2],
        ],
        asks: [[101, 4]],
      },
    ]);
  });

  it('then emits only the levels that changed as one message (one seq), removals of both sides before additions', () => {
    const differ = new BookDiffer(ID, 10);
    const seq = counter();
    differ.update(
      {
        bids: [[100, 1]],
        asks: [
          [101, 4],
          [102, 5],
        ],
      },
      1_000,
      seq,
    );
    // The price moved up a tick: the ask at 101 left and a bid took its place.
    const events = differ.update(
      {
        bids: [
          [101, 2],
          [100, 1],
        ],
        asks: [[102, 6]],
      },
      1_100,
      seq,
    );
    expect(events).toEqual([
      { kind: 'book_delta', instrument: ID, ts: 1_100, seq: 2, side: 'ask', price: 101, size: 0 },
      { kind: 'book_delta', instrument: ID, ts: 1_100, seq: 2, side: 'bid', price: 101, size: 2 },
      { kind: 'book_delta', instrument: ID, ts: 1_100, seq: 2, side: 'ask', price: 102, size: 6 },
    ]);
    expect(
      differ.update(
        {
          bids: [
            [101, 2],
            [100, 1],
          ],
          asks: [[102, 6]],
        },
        1_200,
        seq,
      ),
    ).toEqual([]);
  });

  it('removes a level that falls out of the tracked window', () => {
    const differ = new BookDiffer(ID, 1);
    const seq = counter();
    differ.update({ bids: [[100, 1]], asks: [[101, 1]] }, 0, seq);
    const events = differ.update(
      {
        bids: [
          [100.5, 1],
          [100, 1],
        ],
        asks: [[101, 1]],
      },
      1,
      seq,
    );
    expect(events.map((e) => (e.kind === 'book_delta' ? [e.side, e.price, e.size] : e.kind))).toEqual([
      ['bid', 100, 0],
      ['bid', 100.5, 1],
    ]);
  });

  it('starts over with a snapshot after resync()', () => {
    const differ = new BookDiffer(ID, 5);
    const seq = counter();
    differ.update({ bids: [[100, 1]], asks: [[101, 1]] }, 0, seq);
    differ.resync();
    expect(differ.update({ bids: [[99, 1]], asks: [[100, 1]] }, 1, seq)[0]?.kind).toBe('book_snapshot');
  });

  it('rebuilds the same book downstream as the full books it was given, update after update', () => {
    const differ = new BookDiffer(ID, 50);
    const seq = counter();
    const mirror = new OrderBook();
    const apply = (events: MarketEvent[]): void => {
      for (const event of events) {
        if (event.kind === 'book_snapshot') mirror.applySnapshot(event);
        else if (event.kind === 'book_delta') mirror.applyDelta(event);
      }
    };
    // Deterministic walk: level sizes and the mid change every step.
    for (let step = 0; step < 200; step++) {
      const mid = 1_000 + ((step * 7) % 13);
      const bids: [number, number][] = [];
      const asks: [number, number][] = [];
      for (let i = 1; i <= 20; i++) {
        bids.push([mid - i, ((step + i) % 5) + 1]);
        asks.push([mid + i, ((step * 3 + i) % 4) + 1]);
      }
      apply(differ.update({ bids, asks }, step, seq));
      expect(mirror.top(50)).toEqual({ bids, asks });
      expect(mirror.isCrossed()).toBe(false);
    }
  });
});
