import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, userVersion, type SqliteDatabase } from '../../../../../main/storage/database.js';
import { MIGRATIONS } from '../../../../../main/storage/migrations/index.js';
import { migration0015 } from '../../../../../main/storage/migrations/0015_candle_ledger.js';

const DAY = 86_400_000;

describe('migration 0015_candle_ledger', () => {
  let db: SqliteDatabase;

  beforeEach(() => {
    db = openDatabase(':memory:', { migrations: MIGRATIONS.slice(0, MIGRATIONS.indexOf(migration0015) + 1) });
    db.prepare(
      `INSERT INTO instruments (id, exchange, symbol, base, quote, tick_size, lot_size)
       VALUES ('demo:DEMO/USD', 'demo', 'DEMO/USD', 'DEMO', 'USD', 0.01, 0.001)`,
    ).run();
  });
  afterEach(() => {
    db.close();
  });

  const mark = (instrument: number, day: number) =>
    db.prepare('INSERT INTO candle_repairs (instrument, day) VALUES (?, ?)').run(instrument, day);

  it('creates a STRICT table at its version', () => {
    expect(userVersion(db)).toBe(migration0015.version);
    expect(
      db
        .prepare("SELECT name FROM pragma_table_list WHERE name = 'candle_repairs' AND strict = 1")
        .pluck()
        .all(),
    ).toEqual(['candle_repairs']);
  });

  it('keeps one mark per instrument and whole UTC day, for known instruments only', () => {
    mark(1, 20 * DAY);
    expect(() => mark(1, 20 * DAY)).toThrow(/UNIQUE constraint failed/);
    expect(() => mark(1, 20 * DAY + 5)).toThrow(/CHECK constraint failed/);
    expect(() => mark(99, 20 * DAY)).toThrow(/FOREIGN KEY constraint failed/);
    db.prepare('DELETE FROM instruments WHERE key = 1').run();
    expect(db.prepare('SELECT count(*) FROM candle_repairs').pluck().get()).toBe(0);
  });
});
