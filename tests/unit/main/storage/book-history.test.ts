import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeDeltas, encodeDeltas } from '../../../../main/storage/book-delta-codec.js';
import { BookHistory, CHUNK_MAX_DELTAS } from '../../../../main/storage/book-history.js';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import { MarketStore } from '../../../../main/storage/market-store.js';
import { Recorder } from '../../../../main/storage/recorder.js';
import type { MarketEvent } from '../../../../shared/domain/market.js';
import { DemoMarket } from '../../../../shared/market/demo-market.js';
import { OrderBook } from '../../../../shared/market/order-book.js';
import { bookSnapshot, instrument } from '../../../fixtures/market-data.js';
import { TEST_INSTRUMENT } from '../../../fixtures/trades.js';

describe('book delta codec', () => {
  it('round-trips on-grid and off-grid prices and sizes exactly', () => {
    const columns = {
      ts: [1000, 1000, 1003, 70_000],
      seq: [5, 6, 4, 9],
      side: ['bid', 'ask', 'bid', 'ask'] as const,
      price: [100.01, 100.03, 99.995, 123456.78],
      size: [0.123, 0, 1 / 3, 2],
    };
    const blob = encodeDeltas({ ...columns, side: [...columns.side] }, 0, 4, 100, 1000);
    const seen: unknown[] = [];
    decodeDeltas(blob, 1000, 5, 100, 1000, (ts, seq, side, price, size) => {
      seen.push([ts, seq, side, price, size]);
      return true;
    });
    expect(seen).toEqual([
      [1000, 5, 'bid', 100.01, 0.123],
      [1000, 6, 'ask', 100.03, 0],
      [1003, 4, 'bid', 99.995, 1 / 3],
      [70_000, 9, 'ask', 123456.78, 2],
    ]);
    // Two raw float64s (99.995 and 1/3) plus small varints: far below 16 bytes a delta.
    expect(blob.byteLength).toBeLessThan(4 * 6 + 16 + 8);
  });
});

describe('BookHistory.bookAt', () => {
  let db: SqliteDatabase;
  let store: MarketStore;

  beforeEach(() => {
    db = openDatabase(':memory:');
    store = new MarketStore(db);
    store.upsertInstrument(instrument());
  });
  afterEach(() => db.close());

  it('rebuilds the book from the anchor plus deltas up to and including T', () => {
    const recorder = new Recorder(store);
    recorder.record({ kind: 'book_snapshot', ...bookSnapshot({ ts: 1000, seq: 1 }) });
    const delta = (
      ts: number,
      seq: number,
      side: 'bid' | 'ask',
      price: number,
      size: number,
    ): MarketEvent => ({
      kind: 'book_delta',
      instrument: TEST_INSTRUMENT,
      ts,
      seq,
      side,
      price,
      size,
    });
    recorder.record(delta(1100, 2, 'bid', 99.5, 0)); // best bid leaves
    recorder.record(delta(1200, 3, 'ask', 100.25, 4)); // new best ask
    recorder.record(delta(1300, 4, 'bid', 99.75, 1));
    recorder.flush();
    const history = new BookHistory(db);

    expect(history.bookAt(TEST_INSTRUMENT, 999)).toBeNull();
    expect(history.bookAt(TEST_INSTRUMENT, 1000)).toMatchObject({
      bids: [
        [99.5, 2],
        [99, 5],
      ],
      deltasApplied: 0,
    });
    expect(history.bookAt(TEST_INSTRUMENT, 1200)).toMatchObject({
      ts: 1200,
      seq: 3,
      bids: [[99, 5]],
      asks: [
        [100.25, 4],
        [100.5, 1],
        [101, 3],
      ],
      anchorTs: 1000,
      deltasApplied: 2,
    });
    expect(history.bookAt(TEST_INSTRUMENT, 5000, 1)).toMatchObject({
      bids: [[99.75, 1]],
      asks: [[100.25, 4]],
    });
  });

  it('equals the book replayed event by event to T, at every T, on the demo market', () => {
    const market = new DemoMarket({ seed: 3, startTs: 0 });
    const demo = new MarketStore(db);
    demo.upsertInstrument(market.instrument);
    const recorder = new Recorder(demo, { snapshotIntervalMs: 5000 });
    const events: MarketEvent[] = [];
    const live = new OrderBook();
    let lastAnchor = -Infinity;
    for (let ts = 100; ts <= 20_000; ts += 100) {
      const batch: MarketEvent[] = [];
      market.advanceTo(ts, batch);
      events.push(...batch);
      for (const event of batch) {
        recorder.record(event);
        if (event.kind === 'trade') continue;
        if (event.kind === 'book_snapshot') live.applySnapshot(event);
        else live.applyDelta(event);
        // A periodic full-depth anchor, as the live pipeline takes it.
        if (event.ts - lastAnchor >= 5000) {
          lastAnchor = event.ts;
          recorder.recordBookSnapshot({
            instrument: event.instrument,
            ts: event.ts,
            seq: event.seq,
            ...live.top(1000),
          });
        }
      }
      if (ts % 1000 === 0) recorder.flush();
    }
    recorder.flush();
    expect(recorder.stats.recordedBookDeltas).toBeGreaterThan(1000);
    expect(recorder.stats.recordedSnapshots).toBeGreaterThanOrEqual(4);

    const history = new BookHistory(db);
    const replay = new OrderBook();
    let index = 0;
    for (const at of [150, 2_345, 7_777, 12_001, 19_999]) {
      for (; index < events.length && (events[index]?.ts ?? 0) <= at; index++) {
        const event = events[index];
        if (event?.kind === 'book_snapshot') replay.applySnapshot(event);
        else if (event?.kind === 'book_delta') replay.applyDelta(event);
      }
      const rebuilt = history.bookAt(market.instrument.id, at);
      if (at > 5000) expect(rebuilt?.anchorTs).toBeGreaterThan(0);
      const expected = replay.top(1000);
      expect(rebuilt?.bids).toEqual(expected.bids);
      expect(rebuilt?.asks).toEqual(expected.asks);
    }
  });
});

describe('book messages in stored history', () => {
  let db: SqliteDatabase;

  beforeEach(() => {
    db = openDatabase(':memory:');
    new MarketStore(db).upsertInstrument(instrument());
  });
  afterEach(() => db.close());

  it('keeps each message receive time in the chunk, and reads chunks written without one', () => {
    const columns = {
      ts: [1000, 1000, 1000, 1004],
      seq: [5, 5, 6, 7],
      side: ['bid', 'ask', 'bid', 'ask'] as ('bid' | 'ask')[],
      price: [100.01, 100.03, 99.99, 100.02],
      size: [1, 2, 3, 4],
      localTs: [1003, 1003, Number.NaN, 1002],
    };
    const read = (blob: Buffer): number[] => {
      const seen: number[] = [];
      decodeDeltas(blob, 1000, 5, 100, 1000, (_ts, _seq, _side, _price, _size, localTs) => {
        seen.push(localTs);
        return true;
      });
      return seen;
    };
    expect(read(encodeDeltas(columns, 0, 4, 100, 1000))).toEqual([1003, 1003, Number.NaN, 1002]);
    const { localTs: _dropped, ...older } = columns;
    expect(read(encodeDeltas(older, 0, 4, 100, 1000))).toEqual([
      Number.NaN,
      Number.NaN,
      Number.NaN,
      Number.NaN,
    ]);
  });

  it('never splits a message over two chunks, even one larger than a chunk', () => {
    const history = new BookHistory(db);
    const levels = CHUNK_MAX_DELTAS + 10;
    const columns = {
      ts: [...Array<number>(levels).fill(1000), 1001],
      seq: [...Array<number>(levels).fill(1), 2],
      side: Array<'bid' | 'ask'>(levels + 1).fill('bid'),
      price: [...Array.from({ length: levels }, (_, i) => 50 + i / 100), 49],
      size: Array<number>(levels + 1).fill(1),
    };
    db.transaction(() => history.insertDeltas(TEST_INSTRUMENT, columns))();
    const chunks = db.prepare('SELECT first_ts, first_seq, count FROM book_deltas ORDER BY first_ts').all();
    expect(chunks).toEqual([
      { first_ts: 1000, first_seq: 1, count: levels },
      { first_ts: 1001, first_seq: 2, count: 1 },
    ]);
    expect(history.bookAt(TEST_INSTRUMENT, 1000)).toBeNull(); // no anchor: the book is unknown
  });
});
