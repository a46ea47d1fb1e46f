import { afterEach, describe, expect, it } from 'vitest';
import {
  applyMigrations,
  openDatabase,
  userVersion,
  type SqliteDatabase,
} from '../../../../../main/storage/database.js';
import { MIGRATIONS } from '../../../../../main/storage/migrations/index.js';

describe('migration 0009_trading', () => {
  let db: SqliteDatabase;

  afterEach(() => {
    db.close();
  });

  const audit = (seq: number) =>
    db
      .prepare(
        "INSERT INTO trading_audit (seq, ts, kind, payload, prev_hash, hash) VALUES (?, 1, 'arm', '{}', 'p', 'h')",
      )
      .run(seq);

  it('opens a 0008 database with its models untouched and adds empty trading tables', () => {
    db = openDatabase(':memory:', { migrations: MIGRATIONS.slice(0, 8) });
    db.prepare(
      "INSERT INTO model_searches (created_at, name, method, kind, request) VALUES (3, 'search', 'random', 'lstm', '{}')",
    ).run();
    applyMigrations(db, MIGRATIONS.slice(0, 9));

    expect(userVersion(db)).toBe(9);
    expect(db.prepare('SELECT created_at, name FROM model_searches').all()).toEqual([
      { created_at: 3, name: 'search' },
    ]);
    for (const table of [
      'trading_audit',
      'paper_account',
      'paper_positions',
      'paper_fills',
      'live_orders',
      'live_fills',
      'live_order_counters',
    ]) {
      expect(db.prepare(`SELECT count(*) AS n FROM ${table}`).get()).toEqual({ n: 0 });
    }
  });

  it('makes the audit log append-only: an update or a delete is refused by the database', () => {
    db = openDatabase(':memory:', { migrations: MIGRATIONS.slice(0, 9) });
    audit(0);
    audit(1);
    expect(() =>
      db.prepare('UPDATE trading_audit SET payload = \'{"forged":1}\' WHERE seq = 0').run(),
    ).toThrow();
    expect(() => db.prepare('DELETE FROM trading_audit WHERE seq = 1').run()).toThrow();
    expect(() => audit(-1)).toThrow(/CHECK constraint failed/);
    expect(db.prepare('SELECT seq, payload FROM trading_audit ORDER BY seq').all()).toEqual([
      { seq: 0, payload: '{}' },
      { seq: 1, payload: '{}' },
    ]);
  });

  it('refuses a paper fill with a non-positive price or quantity, and a live fill recorded twice', () => {
    db = openDatabase(':memory:', { migrations: MIGRATIONS.slice(0, 9) });
    const paperFill = db.prepare(
      `INSERT INTO paper_fills (workspace, client_id, instrument, side, price, quantity, fee, liquidity, ts)
       VALUES ('w', 'c', 'demo:BTC/USDT', 'buy', ?, ?, 0, 'taker', 1)`,
    );
    paperFill.run(100, 0.5);
    expect(() => paperFill.run(0, 0.5)).toThrow(/CHECK constraint failed/);
    expect(() => paperFill.run(100, 0)).toThrow(/CHECK constraint failed/);
    const liveFill = db.prepare(
      `INSERT INTO live_fills (exchange, symbol, trade_id, client_id, exchange_order_id, side, price,
         quantity, fee, ts) VALUES ('binance', 'BTC/USDT', 't1', 'c', 'o', 'sell', 100, 1, 0, 1)`,
    );
    liveFill.run();
    expect(() => liveFill.run()).toThrow(/UNIQUE constraint failed/);
  });
});
