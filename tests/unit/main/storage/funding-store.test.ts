import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import { FundingStore } from '../../../../main/storage/funding-store.js';
import { MIGRATIONS } from '../../../../main/storage/migrations/index.js';

const PERP = 'binance:BTC/USDT:USDT';
const H8 = 8 * 3_600_000;

describe('funding store', () => {
  let db: SqliteDatabase;
  let store: FundingStore;

  beforeEach(() => {
    db = openDatabase(':memory:', { migrations: MIGRATIONS });
    db.prepare(
      `INSERT INTO instruments (id, exchange, symbol, base, quote, tick_size, lot_size)
       VALUES (?, 'binance', 'BTC/USDT:USDT', 'BTC', 'USDT', 0.1, 0.001)`,
    ).run(PERP);
    store = new FundingStore(db);
  });
  afterEach(() => {
    db.close();
  });

  it('reads back the rates of [from, to) in time order as columns', () => {
    store.upsert(PERP, [
      { ts: 2 * H8, rate: -0.0002 },
      { ts: 0, rate: 0.0001 },
      { ts: H8, rate: 0.00015 },
    ]);
    const schedule = store.schedule(PERP, 0, 2 * H8);
    expect(Array.from(schedule.ts)).toEqual([0, H8]);
    expect(Array.from(schedule.rate)).toEqual([0.0001, 0.00015]);
    expect(store.summary(PERP)).toEqual({ count: 3, first: 0, last: 2 * H8 });
  });

  it('overwrites a funding time written again instead of adding a copy', () => {
    store.upsert(PERP, [{ ts: H8, rate: 0.0001 }]);
    store.upsert(PERP, [{ ts: H8, rate: 0.0003 }]);
    expect(Array.from(store.schedule(PERP, 0, 10 * H8).rate)).toEqual([0.0003]);
  });

  it('names an unknown instrument on write, and reads none for it', () => {
    expect(() => store.upsert('binance:ETH/USDT:USDT', [{ ts: 0, rate: 0 }])).toThrow(
      /Unknown instrument 'binance:ETH\/USDT:USDT'/,
    );
    expect(store.schedule('binance:ETH/USDT:USDT', 0, H8).ts.length).toBe(0);
  });
});
