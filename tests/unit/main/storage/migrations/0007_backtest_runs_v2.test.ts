import { afterEach, describe, expect, it } from 'vitest';
import {
  applyMigrations,
  openDatabase,
  userVersion,
  type SqliteDatabase,
} from '../../../../../main/storage/database.js';
import { MIGRATIONS } from '../../../../../main/storage/migrations/index.js';

describe('migration 0007_backtest_runs_v2', () => {
  let db: SqliteDatabase;

  afterEach(() => {
    db.close();
  });

  it('keeps every run written under 0006 as a candle-mode run with default costs, curve and trades intact', () => {
    db = openDatabase(':memory:', { migrations: MIGRATIONS.slice(0, 6) });
    const curve = Buffer.from(new Float64Array([1, 100_000, 2, 100_250]).buffer);
    const put = db.prepare(
      `INSERT INTO backtest_runs (id, created_at, kind, strategy, params, instrument, timeframe,
         from_ts, to_ts, feature_set_hash, metrics, equity_curve, trades)
       VALUES (?, ?, ?, 'sma-cross', '{"fast":5,"slow":20}', 'demo:BTC/USDT', '1m', 0, 60000, ?, '{"sharpe":1.2}', ?, NULL)`,
    );
    put.run(7, 2_000, 'sweep', null, null);
    put.run(3, 1_000, 'single', 'abc', curve);
    applyMigrations(db, MIGRATIONS.slice(0, 7));

    expect(userVersion(db)).toBe(7);
    const rows = db
      .prepare(
        `SELECT id, created_at, kind, mode, feature_set_hash, metrics, costs, walk_forward, honesty,
           equity_curve, trades FROM backtest_runs ORDER BY id`,
      )
      .all();
    expect(rows).toEqual([
      {
        id: 3,
        created_at: 1_000,
        kind: 'single',
        mode: 'candle',
        feature_set_hash: 'abc',
        metrics: '{"sharpe":1.2}',
        costs: null,
        walk_forward: null,
        honesty: null,
        equity_curve: curve,
        trades: null,
      },
      {
        id: 7,
        created_at: 2_000,
        kind: 'sweep',
        mode: 'candle',
        feature_set_hash: null,
        metrics: '{"sharpe":1.2}',
        costs: null,
        walk_forward: null,
        honesty: null,
        equity_curve: null,
        trades: null,
      },
    ]);
  });

  it('accepts the new kinds and modes, still refuses unknown ones, and keeps the index', () => {
    db = openDatabase(':memory:', { migrations: MIGRATIONS.slice(0, 7) });
    const put = db.prepare(
      `INSERT INTO backtest_runs (created_at, kind, mode, strategy, params, instrument, timeframe,
         from_ts, to_ts, metrics) VALUES (1, ?, ?, 's', '{}', 'i', '1m', 0, 1, '{}')`,
    );
    put.run('walk-forward', 'event');
    expect(() => put.run('grid', 'candle')).toThrow(/CHECK constraint failed/);
    expect(() => put.run('single', 'tick')).toThrow(/CHECK constraint failed/);
    const indexes = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'backtest_runs'")
      .all();
    expect(indexes).toEqual([{ name: 'backtest_runs_created' }]);
  });
});
