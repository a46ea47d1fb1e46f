import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BulkStore } from '../../../../main/history/bulk-store.js';
import { TradeColumns } from '../../../../main/history/trade-batch.js';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import { MarketStore } from '../../../../main/storage/market-store.js';
import { instrument } from '../../../fixtures/market-data.js';
import { TEST_INSTRUMENT } from '../../../fixtures/trades.js';

const OTHER = 'demo:OTHER/USD';

/** n trades, 3 per ms, alternating sides, with exchange-style numeric ids from `firstId`. */
function trades(n: number, firstId = 1000, startTs = 1_700_000_000_000): TradeColumns {
  const rows = new TradeColumns();
  for (let i = 0; i < n; i++) {
    const id = firstId + i;
    rows.push(
      startTs + Math.floor(i / 3),
      id,
      String(id),
      100 + (i % 17) / 100,
      0.001 * (1 + (i % 5)),
      i % 2 === 0 ? 1 : -1,
    );
  }
  return rows;
}

describe('bulk store', () => {
  let db: SqliteDatabase;
  let store: MarketStore;
  let bulk: BulkStore;
  const insert = (id: string, rows: TradeColumns): number =>
    db.transaction(() => bulk.insertTrades(id, rows))();

  beforeEach(() => {
    db = openDatabase(':memory:');
    store = new MarketStore(db);
    store.upsertInstrument(instrument());
    store.upsertInstrument(instrument({ id: OTHER, symbol: 'OTHER/USD', base: 'OTHER' }));
    bulk = new BulkStore(db);
  });
  afterEach(() => db.close());

  it('stores every row as given, sides and amounts included, readable by MarketStore', () => {
    // 450 rows: two full multi-row statements and 50 rows one by one.
    const rows = trades(450);
    expect(insert(TEST_INSTRUMENT, rows)).toBe(450);
    const read = store.recentTrades(TEST_INSTRUMENT, 1000);
    expect(read).toHaveLength(450);
    read.forEach((trade, i) => {
      expect(trade).toEqual({
        instrument: TEST_INSTRUMENT,
        ts: rows.ts[i],
        seq: rows.seq[i],
        id: rows.id[i],
        price: rows.price[i],
        amount: rows.amount[i],
        side: rows.side[i] === 1 ? 'buy' : 'sell',
      });
    });
  });

  it('skips trades already stored, by (ts, seq) or by trade id, and keeps instruments apart', () => {
    expect(insert(TEST_INSTRUMENT, trades(400))).toBe(400);
    expect(insert(TEST_INSTRUMENT, trades(400))).toBe(0);
    // Same ids at other times: rejected by the chunks' id ranges.
    expect(insert(TEST_INSTRUMENT, trades(400, 1000, 1_800_000_000_000))).toBe(0);
    // The same rows for another instrument are new there.
    expect(insert(OTHER, trades(400))).toBe(400);
    // A file overlapping what is stored: only the 200 new rows go in.
    expect(insert(TEST_INSTRUMENT, trades(600))).toBe(200);
    expect(store.countTrades(TEST_INSTRUMENT)).toBe(600);
    expect(store.countTrades(OTHER)).toBe(400);
  });

  it('keeps trades without an id', () => {
    const rows = new TradeColumns();
    for (let i = 0; i < 200; i++) rows.push(1_700_000_000_000 + i, i, null, 100, 1, -1);
    expect(insert(TEST_INSTRUMENT, rows)).toBe(200);
    const read = store.recentTrades(TEST_INSTRUMENT, 1);
    expect(read[0]).toMatchObject({ id: '', seq: 199, amount: 1, side: 'sell' });
  });

  it('refuses a batch holding a non-positive amount or an unknown side, writing none of it', () => {
    for (const [amount, side] of [
      [-1, 1],
      [0, -1],
      [Number.NaN, 1],
      [1, 0],
      [1, 2],
    ] as const) {
      const rows = trades(200);
      rows.amount[150] = amount;
      rows.side[150] = side;
      expect(() => insert(TEST_INSTRUMENT, rows)).toThrow(/Trade 150: (amount|side) .* cannot be stored/);
      expect(store.countTrades(TEST_INSTRUMENT)).toBe(0);
    }
  });

  it('refuses an unknown instrument', () => {
    expect(() => insert('demo:NOPE/USD', trades(200))).toThrow(/Unknown instrument/);
  });
});
