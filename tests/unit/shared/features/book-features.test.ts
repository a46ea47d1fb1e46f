import { describe, expect, it } from 'vitest';
import type { BookSnapshot, MarketEvent, Trade } from '../../../../shared/domain/market.js';
import { BookImbalance, bookImbalanceParams } from '../../../../shared/backtest/strategies/book-imbalance.js';
import { BookFeatureEngine } from '../../../../shared/features/book-features.js';
import {
  bookImbalance,
  bookImbalanceOf,
  midOf,
  micropriceOf,
  spreadBpsOf,
} from '../../../../shared/features/catalogue/book.js';
import { OrderBook } from '../../../../shared/market/order-book.js';
import { bookSnapshot } from '../../../fixtures/market-data.js';
import { TEST_INSTRUMENT, trade } from '../../../fixtures/trades.js';

const snapshotEvent = (overrides: Partial<BookSnapshot> = {}): MarketEvent => ({
  kind: 'book_snapshot',
  ...bookSnapshot(overrides),
});
const tradeEvent = (overrides: Partial<Trade> = {}): MarketEvent => ({ kind: 'trade', ...trade(overrides) });

/** Bids 99.5 x 2, 99 x 5; asks 100.5 x 1, 101 x 3. */
function fixtureBook(): OrderBook {
  const book = new OrderBook();
  book.applySnapshot(bookSnapshot());
  return book;
}

describe('book features', () => {
  it('computes the imbalance over the top N levels', () => {
    const book = fixtureBook();
    // Top 5: bids 2 + 5 = 7, asks 1 + 3 = 4 -> (7 - 4) / 11.
    expect(bookImbalanceOf(book, 5)).toBeCloseTo(3 / 11, 12);
    // Top 1: bid 2, ask 1 -> (2 - 1) / 3.
    expect(bookImbalanceOf(book, 1)).toBeCloseTo(1 / 3, 12);
  });

  it('weights the touch prices by the opposite queue for the microprice', () => {
    // (99.5 * 1 + 100.5 * 2) / (2 + 1) = 300.5 / 3
    expect(micropriceOf(fixtureBook())).toBeCloseTo(100.1666666666667, 10);
  });

  it('expresses the spread in basis points of the mid', () => {
    // spread 1 on a mid of 100 -> 1 % = 100 bps
    expect(spreadBpsOf(fixtureBook())).toBeCloseTo(100, 10);
  });

  it('gives null, never 0, when a side of the book is missing', () => {
    const engine = new BookFeatureEngine(TEST_INSTRUMENT);
    engine.onEvent(snapshotEvent({ ts: 5, asks: [] }));
    expect(engine.values()).toEqual({
      instrument: TEST_INSTRUMENT,
      ts: 5,
      imbalance: null,
      spread: null,
      spreadBps: null,
      mid: null,
      microprice: null,
      vwap1m: null,
    });
  });

  it('has one answer for a one-sided book: no imbalance, wherever it is asked', () => {
    const book = new OrderBook();
    book.applySnapshot(bookSnapshot({ asks: [] }));
    // The catalogue function, the catalogue feature a feature set runs, the Markets panel and
    // the BookImbalance strategy (also the live signal) all say "none", never +/-1 or 0.
    expect(bookImbalanceOf(book, 5)).toBeNaN();
    const row = new Float64Array(1);
    bookImbalance.create({ levels: 5 }, { instrument: TEST_INSTRUMENT, book, inner: null }).read(row, 0);
    expect(row[0]).toBeNaN();
    const engine = new BookFeatureEngine(TEST_INSTRUMENT);
    engine.onEvent(snapshotEvent({ ts: 5, asks: [] }));
    expect(engine.imbalance()).toBeNaN();
    expect(engine.values().imbalance).toBeNull();
    const strategy = new BookImbalance(bookImbalanceParams.parse({}));
    expect(strategy.decide(5, bookImbalanceOf(book, 5))).toBeNull();
    expect(strategy.view()).toBe('flat');
  });

  it('computes every feature from the events it was fed', () => {
    const engine = new BookFeatureEngine(TEST_INSTRUMENT);
    engine.onEvent(snapshotEvent({ ts: 1_000 }));
    engine.onEvent(tradeEvent({ ts: 1_100, seq: 1, price: 100.5, amount: 1 }));
    engine.onEvent(tradeEvent({ ts: 1_200, seq: 2, price: 99.5, amount: 3 }));
    // The bid at 99.5 is hit down to 1; a new ask lands at 100.25.
    engine.onEvent({
      kind: 'book_delta',
      instrument: TEST_INSTRUMENT,
      ts: 1_300,
      seq: 3,
      side: 'bid',
      price: 99.5,
      size: 1,
    });
    engine.onEvent({
      kind: 'book_delta',
      instrument: TEST_INSTRUMENT,
      ts: 1_400,
      seq: 4,
      side: 'ask',
      price: 100.25,
      size: 2,
    });
    const values = engine.values();
    // Book now: bids 99.5 x 1, 99 x 5; asks 100.25 x 2, 100.5 x 1, 101 x 3.
    expect(values.ts).toBe(1_400);
    expect(values.imbalance).toBeCloseTo((6 - 6) / 12, 12);
    expect(values.mid).toBeCloseTo(99.875, 12);
    expect(values.spread).toBeCloseTo(0.75, 12);
    expect(values.spreadBps).toBeCloseTo((0.75 / 99.875) * 10_000, 10);
    // (99.5 * 2 + 100.25 * 1) / 3
    expect(values.microprice).toBeCloseTo(299.25 / 3, 10);
    // (100.5 * 1 + 99.5 * 3) / 4
    expect(values.vwap1m).toBeCloseTo(399 / 4, 10);
  });

  it('ignores events of other instruments', () => {
    const engine = new BookFeatureEngine(TEST_INSTRUMENT);
    engine.onEvent(snapshotEvent({ ts: 10 }));
    engine.onEvent(tradeEvent({ instrument: 'demo:OTHER/USD', ts: 20 }));
    engine.onEvent(snapshotEvent({ instrument: 'demo:OTHER/USD', ts: 30, bids: [] }));
    expect(engine.values()).toMatchObject({ ts: 10, mid: 100, vwap1m: null });
  });

  it('drops trades from the VWAP once a later event puts them a minute behind', () => {
    const engine = new BookFeatureEngine(TEST_INSTRUMENT);
    engine.onEvent(tradeEvent({ ts: 0, seq: 1, price: 100, amount: 1 }));
    engine.onEvent(tradeEvent({ ts: 30_000, seq: 2, price: 110, amount: 1 }));
    expect(engine.values().vwap1m).toBeCloseTo(105, 12);
    // A book event at exactly 60 s pushes the first trade out of the window.
    engine.onEvent(snapshotEvent({ ts: 60_000 }));
    expect(engine.values().vwap1m).toBeCloseTo(110, 12);
    engine.onEvent(snapshotEvent({ ts: 90_000 }));
    expect(engine.values().vwap1m).toBeNull();
  });

  it('keeps the imbalance and mid exactly as the book gives them while deltas churn deep and near the touch', () => {
    const engine = new BookFeatureEngine(TEST_INSTRUMENT);
    const book = new OrderBook();
    const snapshot = snapshotEvent({ ts: 0 });
    engine.onEvent(snapshot);
    if (snapshot.kind === 'book_snapshot') book.applySnapshot(snapshot);
    // A small deterministic generator: deltas over 12 price steps per side, a third removals.
    let state = 12345;
    const next = (): number => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state / 2147483648;
    };
    let deepDeltas = 0;
    for (let i = 1; i <= 4000; i++) {
      const side = next() < 0.5 ? 'bid' : 'ask';
      const step = Math.floor(next() * 12);
      const price = side === 'bid' ? 99.5 - step * 0.5 : 100.5 + step * 0.5;
      const size = next() < 0.33 ? 0 : Math.round(next() * 50) / 10;
      const delta = {
        kind: 'book_delta',
        instrument: TEST_INSTRUMENT,
        ts: i,
        seq: i,
        side,
        price,
        size,
      } as const;
      engine.onEvent(delta);
      book.applyDelta(delta);
      if (step >= 5) deepDeltas++;
      expect(engine.imbalance()).toBe(bookImbalanceOf(book, 5));
      expect(engine.mid()).toBe(midOf(book));
      if (i % 1000 === 0) {
        engine.onEvent(snapshotEvent({ ts: i, seq: i }));
        book.applySnapshot(bookSnapshot({ ts: i, seq: i }));
        expect(engine.imbalance()).toBe(bookImbalanceOf(book, 5));
      }
    }
    expect(deepDeltas).toBeGreaterThan(1000);
    expect(engine.values().imbalance).toBe(bookImbalanceOf(book, 5));
  });
});
