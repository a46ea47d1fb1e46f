import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, userVersion, type SqliteDatabase } from '../../../../../main/storage/database.js';
import { migration0001 } from '../../../../../main/storage/migrations/0001_initial.js';
import { migration0002 } from '../../../../../main/storage/migrations/0002_jobs.js';
import { migration0003 } from '../../../../../main/storage/migrations/0003_gap_ledger.js';

describe('migration 0003_gap_ledger', () => {
  let db: SqliteDatabase;

  beforeEach(() => {
    db = openDatabase(':memory:', { migrations: [migration0001, migration0002, migration0003] });
  });

  afterEach(() => {
    db.close();
  });

  const insert = (from: number, to: number) =>
    db
      .prepare(
        `INSERT INTO gap_ledger (instrument, kind, from_ts, to_ts, reason, recorded_at) VALUES ('i', 'trades', ?, ?, 'r', 0)`,
      )
      .run(from, to);

  it('sets the schema version to 3 and creates a STRICT gap_ledger table', () => {
    expect(userVersion(db)).toBe(3);
    const table = db.prepare("SELECT strict FROM pragma_table_list WHERE name = 'gap_ledger'").get() as {
      strict: number;
    };
    expect(table.strict).toBe(1);
  });

  it('accepts an interval of one millisecond and refuses one that ends before it starts', () => {
    insert(5, 5);
    expect(() => insert(5, 4)).toThrow(/CHECK constraint failed/);
  });

  it('refuses a timestamp that is not an integer', () => {
    expect(() => insert(1.5, 2)).toThrow(/cannot store REAL value in INTEGER column/);
  });
});
