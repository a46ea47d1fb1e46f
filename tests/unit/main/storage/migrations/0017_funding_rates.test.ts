import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, userVersion, type SqliteDatabase } from '../../../../../main/storage/database.js';
import { MIGRATIONS } from '../../../../../main/storage/migrations/index.js';
import { migration0017 } from '../../../../../main/storage/migrations/0017_funding_rates.js';

describe('migration 0017_funding_rates', () => {
  let db: SqliteDatabase;

  beforeEach(() => {
    db = openDatabase(':memory:', { migrations: MIGRATIONS.slice(0, MIGRATIONS.indexOf(migration0017) + 1) });
    db.prepare(
      `INSERT INTO instruments (id, exchange, symbol, base, quote, tick_size, lot_size)
       VALUES ('binance:BTC/USDT:USDT', 'binance', 'BTC/USDT:USDT', 'BTC', 'USDT', 0.1, 0.001)`,
    ).run();
  });
  afterEach(() => {
    db.close();
  });

  const insert = (instrument: number, ts: number, rate: unknown) =>
    db.prepare('INSERT INTO funding_rates (instrument, ts, rate) VALUES (?, ?, ?)').run(instrument, ts, rate);

  it('creates a STRICT table at its version', () => {
    expect(userVersion(db)).toBe(migration0017.version);
    expect(
      db
        .prepare("SELECT name FROM pragma_table_list WHERE name = 'funding_rates' AND strict = 1")
        .pluck()
        .all(),
    ).toEqual(['funding_rates']);
  });

  it('keeps one rate per instrument and funding time, within +-1, for known instruments only', () => {
    insert(1, 1_700_000_000_000, 0.0001);
    expect(() => insert(1, 1_700_000_000_000, 0.0002)).toThrow(/UNIQUE constraint failed/);
    expect(() => insert(1, 1_700_028_800_000, 1.5)).toThrow(/CHECK constraint failed/);
    expect(() => insert(1, -1, 0.0001)).toThrow(/CHECK constraint failed/);
    expect(() => insert(1, 1_700_028_800_000, 'high')).toThrow(/cannot store TEXT value in REAL column/);
    expect(() => insert(99, 1_700_000_000_000, 0.0001)).toThrow(/FOREIGN KEY constraint failed/);
    db.prepare('DELETE FROM instruments WHERE key = 1').run();
    expect(db.prepare('SELECT count(*) FROM funding_rates').pluck().get()).toBe(0);
  });
});
