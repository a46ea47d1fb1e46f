import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, userVersion, type SqliteDatabase } from '../../../../../main/storage/database.js';
import { MIGRATIONS } from '../../../../../main/storage/migrations/index.js';

describe('migration 0006_backtests', () => {
  let db: SqliteDatabase;

  beforeEach(() => {
    db = openDatabase(':memory:', { migrations: MIGRATIONS.slice(0, 6) });
  });

  afterEach(() => {
    db.close();
  });

  const insert = (kind: string, from: number, to: number) =>
    db
      .prepare(
        `INSERT INTO backtest_runs (created_at, kind, strategy, params, instrument, timeframe, from_ts, to_ts, metrics)
         VALUES (1, ?, 's', '{}', 'x:A/B', '1m', ?, ?, '{}')`,
      )
      .run(kind, from, to);

  it('sets the schema version to 6 and creates a STRICT backtest_runs table', () => {
    expect(userVersion(db)).toBe(6);
    const strict = db
      .prepare("SELECT name FROM pragma_table_list WHERE name = 'backtest_runs' AND strict = 1")
      .pluck()
      .all();
    expect(strict).toEqual(['backtest_runs']);
  });

  it('takes single runs and sweeps with nullable blobs and refuses other kinds and empty ranges', () => {
    expect(insert('single', 0, 10).changes).toBe(1);
    expect(insert('sweep', 0, 10).changes).toBe(1);
    expect(() => insert('other', 0, 10)).toThrow(/CHECK/);
    expect(() => insert('single', 10, 10)).toThrow(/CHECK/);
  });
});
