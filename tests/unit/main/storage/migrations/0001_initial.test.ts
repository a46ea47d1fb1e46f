import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, userVersion, type SqliteDatabase } from '../../../../../main/storage/database.js';
import { migration0001 } from '../../../../../main/storage/migrations/0001_initial.js';

interface TableInfo {
  name: string;
  wr: number;
  strict: number;
}

describe('migration 0001_initial', () => {
  let db: SqliteDatabase;

  beforeEach(() => {
    db = openDatabase(':memory:', { migrations: [migration0001] });
    db.prepare(
      `INSERT INTO instruments (key, id, exchange, symbol, base, quote, tick_size, lot_size)
       VALUES (1, 'demo:DEMO/USD', 'demo', 'DEMO/USD', 'DEMO', 'USD', 0.01, 0.001)`,
    ).run();
  });

  afterEach(() => {
    db.close();
  });

  function insertTrade(values: string): void {
    db.prepare(
      `INSERT INTO trades (instrument, ts, seq, trade_id, price, amount, side) VALUES ${values}`,
    ).run();
  }

  it('sets the schema version to 1', () => {
    expect(userVersion(db)).toBe(1);
  });

  it('creates every table as STRICT, and the small-row tables WITHOUT ROWID', () => {
    const tables = db
      .prepare<[], TableInfo>(
        "SELECT name, wr, strict FROM pragma_table_list WHERE schema = 'main' ORDER BY name",
      )
      .all()
      .filter((table) => !table.name.startsWith('sqlite_'));

    expect(tables).toEqual([
      { name: 'book_snapshots', wr: 0, strict: 1 },
      { name: 'candles', wr: 1, strict: 1 },
      { name: 'instruments', wr: 0, strict: 1 },
      { name: 'settings', wr: 1, strict: 1 },
      { name: 'signals', wr: 0, strict: 1 },
      { name: 'trades', wr: 1, strict: 1 },
    ]);
  });

  it('rejects a value of the wrong type', () => {
    expect(() => {
      insertTrade("(1, 'yesterday', 0, 'a', 100, 1, 1)");
    }).toThrow(/cannot store TEXT value in INTEGER column trades.ts/);
    expect(() =>
      db.prepare("INSERT INTO candles VALUES (1, '1m', 0, 'high', 1, 1, 1, 1, 1, 1)").run(),
    ).toThrow(/cannot store TEXT value in REAL column candles.open/);
  });

  it('rejects a second trade with the same id on the same instrument, but not on another', () => {
    db.prepare(
      `INSERT INTO instruments (key, id, exchange, symbol, base, quote, tick_size, lot_size)
       VALUES (2, 'demo:OTHER/USD', 'demo', 'OTHER/USD', 'OTHER', 'USD', 0.01, 0.001)`,
    ).run();
    insertTrade("(1, 1000, 0, 'abc', 100, 1, 1)");

    expect(() => {
      insertTrade("(1, 2000, 0, 'abc', 100, 1, 1)");
    }).toThrow(/UNIQUE constraint failed/);
    expect(() => {
      insertTrade("(2, 1000, 0, 'abc', 100, 1, 1)");
    }).not.toThrow();
  });

  it('lets any number of trades have no id', () => {
    insertTrade('(1, 1000, 0, NULL, 100, 1, 1)');
    insertTrade('(1, 1000, 1, NULL, 100, 1, -1)');

    expect(db.prepare('SELECT count(*) FROM trades').pluck().get()).toBe(2);
  });

  it('rejects a non-positive price or size, and a side other than 1 or -1', () => {
    expect(() => {
      insertTrade("(1, 1000, 0, 'a', 0, 1, 1)");
    }).toThrow(/CHECK constraint failed/);
    expect(() => {
      insertTrade("(1, 1000, 0, 'a', 100, -1, 1)");
    }).toThrow(/CHECK constraint failed/);
    expect(() => {
      insertTrade("(1, 1000, 0, 'a', 100, 1, 0)");
    }).toThrow(/CHECK constraint failed/);
  });

  it('rejects market data of an instrument that does not exist', () => {
    expect(() => {
      insertTrade("(7, 1000, 0, 'a', 100, 1, 1)");
    }).toThrow(/FOREIGN KEY constraint failed/);
  });

  it('rejects a signal stronger than 1 and a setting that is not JSON', () => {
    expect(() =>
      db
        .prepare(
          "INSERT INTO signals (instrument, ts, source, direction, strength, price) VALUES (1, 0, 'x', 'long', 1.5, 100)",
        )
        .run(),
    ).toThrow(/CHECK constraint failed/);
    expect(() => db.prepare("INSERT INTO settings (key, value) VALUES ('theme', '{dark')").run()).toThrow(
      /CHECK constraint failed/,
    );
  });
});
