import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeLevels } from '../../../../../main/storage/book-blob.js';
import { BookHistory } from '../../../../../main/storage/book-history.js';
import {
  applyMigrations,
  openDatabase,
  userVersion,
  type SqliteDatabase,
} from '../../../../../main/storage/database.js';
import { MIGRATIONS } from '../../../../../main/storage/migrations/index.js';

// Found by name: the coordinator renumbers this step at merge (0016 in the team's plan).
const AT = MIGRATIONS.findIndex((migration) => migration.name === 'book_receive_time');
const BEFORE = MIGRATIONS.slice(0, AT);
const WITH = MIGRATIONS.slice(0, AT + 1);

describe('migration 0016_book_receive_time', () => {
  let db: SqliteDatabase;

  beforeEach(() => {
    db = openDatabase(':memory:', { migrations: BEFORE });
    db.exec(
      "INSERT INTO instruments (key, id, exchange, symbol, base, quote, tick_size, lot_size) VALUES (1, 'x:A/B', 'x', 'A/B', 'A', 'B', 0.01, 0.001)",
    );
    // A snapshot stored by the build before: it has no receive time.
    db.prepare('INSERT INTO book_snapshots (instrument, ts, seq, bids, asks) VALUES (1, 1000, 7, ?, ?)').run(
      encodeLevels([[99.5, 2]]),
      encodeLevels([[100.5, 3]]),
    );
    applyMigrations(db, WITH);
  });

  afterEach(() => {
    db.close();
  });

  const insert = (ts: number, seq: number, localTs: number | null) =>
    db
      .prepare(
        'INSERT INTO book_snapshots (instrument, ts, seq, bids, asks, local_ts) VALUES (1, ?, ?, ?, ?, ?)',
      )
      .run(ts, seq, encodeLevels([[99.5, 1]]), encodeLevels([[100.5, 1]]), localTs);

  it('moves the schema version on by one, to its own version', () => {
    expect(AT).toBeGreaterThan(0);
    expect(userVersion(db)).toBe(WITH.length);
    expect(MIGRATIONS[AT]?.version).toBe(WITH.length);
  });

  it('keeps the rows stored before it, with an unknown (NULL) receive time, and bookAt still reads them', () => {
    const rows = db.prepare('SELECT ts, seq, local_ts FROM book_snapshots').all();
    expect(rows).toEqual([{ ts: 1000, seq: 7, local_ts: null }]);
    const book = new BookHistory(db).bookAt('x:A/B', 1000);
    expect(book?.bids).toEqual([[99.5, 2]]);
    expect(book?.asks).toEqual([[100.5, 3]]);
    expect(book?.localTs).toBeUndefined();
  });

  it('stores a receive time beside the exchange time and refuses a negative one', () => {
    insert(2000, 8, 2003);
    expect(db.prepare('SELECT local_ts FROM book_snapshots WHERE ts = 2000').pluck().get()).toBe(2003);
    expect(new BookHistory(db).bookAt('x:A/B', 2000)?.localTs).toBe(2003);
    expect(() => insert(3000, 9, -1)).toThrow(/CHECK constraint failed/);
    expect(() => insert(3000, 9, 1.5)).toThrow(/cannot store REAL value in INTEGER column/);
  });
});
