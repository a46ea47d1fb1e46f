import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, userVersion, type SqliteDatabase } from '../../../../../main/storage/database.js';
import { MIGRATIONS } from '../../../../../main/storage/migrations/index.js';

describe('migration 0005_history', () => {
  let db: SqliteDatabase;

  beforeEach(() => {
    db = openDatabase(':memory:', { migrations: MIGRATIONS.slice(0, 5) });
    db.exec(
      "INSERT INTO instruments (key, id, exchange, symbol, base, quote, tick_size, lot_size) VALUES (1, 'x:A/B', 'x', 'A/B', 'A', 'B', 0.01, 0.001)",
    );
  });

  afterEach(() => {
    db.close();
  });

  const chunk = (instrument: number, firstTs: number, lastTs: number, count: number) =>
    db
      .prepare(
        `INSERT INTO book_deltas (instrument, first_ts, first_seq, last_ts, count, price_scale, size_scale, deltas)
         VALUES (?, ?, 0, ?, ?, 100, 1000, x'00')`,
      )
      .run(instrument, firstTs, lastTs, count);

  it('sets the schema version to 5 and creates STRICT tables for book deltas and the backfill ledger', () => {
    expect(userVersion(db)).toBe(5);
    const strict = db
      .prepare(
        "SELECT name FROM pragma_table_list WHERE name IN ('book_deltas', 'backfill_ledger') AND strict = 1 ORDER BY name",
      )
      .pluck()
      .all();
    expect(strict).toEqual(['backfill_ledger', 'book_deltas']);
  });

  it('refuses a chunk that ends before it starts, is empty, or names no instrument', () => {
    chunk(1, 10, 20, 3);
    expect(() => chunk(1, 30, 20, 1)).toThrow(/CHECK constraint failed/);
    expect(() => chunk(1, 40, 40, 0)).toThrow(/CHECK constraint failed/);
    expect(() => chunk(2, 50, 60, 1)).toThrow(/FOREIGN KEY constraint failed/);
  });

  it('keeps one ledger row per (instrument, kind, range) and only known kinds', () => {
    const put = db.prepare(
      `INSERT INTO backfill_ledger (instrument, kind, from_ts, to_ts, cursor, state, updated_at) VALUES ('x:A/B', ?, 0, 10, 0, 'running', 1)`,
    );
    put.run('trades');
    expect(() => put.run('trades')).toThrow(/UNIQUE constraint failed/);
    expect(() => put.run('book')).toThrow(/CHECK constraint failed/);
  });
});
