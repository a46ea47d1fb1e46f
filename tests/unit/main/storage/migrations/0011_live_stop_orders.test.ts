import { afterEach, describe, expect, it } from 'vitest';
import {
  applyMigrations,
  openDatabase,
  userVersion,
  type SqliteDatabase,
} from '../../../../../main/storage/database.js';
import { MIGRATIONS } from '../../../../../main/storage/migrations/index.js';

describe('migration 0011_live_stop_orders', () => {
  let db: SqliteDatabase;

  afterEach(() => {
    db.close();
  });

  const insert = (clientId: string, type: string, price: number | null, stopPrice: number | null) =>
    db
      .prepare(
        `INSERT INTO live_orders (client_id, exchange, symbol, session, seq, side, type, time_in_force,
           post_only, quantity, price, stop_price, state, filled, created_ts, updated_ts)
         VALUES (?, 'binance', 'ETH/USDT', 's', 1, 'sell', ?, 'gtc', 0, 0.1, ?, ?, 'sending', 0, 1, 1)`,
      )
      .run(clientId, type, price, stopPrice);

  it('keeps every order written under 0009, in order, with no stop price, and its indexes', () => {
    db = openDatabase(':memory:', { migrations: MIGRATIONS.slice(0, 10) });
    const put = db.prepare(
      `INSERT INTO live_orders (client_id, exchange, symbol, session, seq, side, type, time_in_force,
         post_only, quantity, price, state, exchange_order_id, filled, reason, created_ts, updated_ts)
       VALUES (?, 'binance', 'ETH/USDT', 's', ?, 'buy', ?, 'gtc', 0, 0.05, ?, 'open', ?, 0, NULL, ?, ?)`,
    );
    // Written out of key order: the store lists by rowid, and the rebuild must keep it.
    put.run('tw-s-2', 2, 'limit', 1990, '7', 1_000, 1_500);
    put.run('tw-s-1', 1, 'market', null, '8', 2_000, 2_500);
    applyMigrations(db, MIGRATIONS.slice(0, 11));
    expect(userVersion(db)).toBe(11);
    const rows = db
      .prepare(
        'SELECT client_id, type, price, stop_price, exchange_order_id, updated_ts FROM live_orders ORDER BY rowid',
      )
      .all();
    expect(rows).toEqual([
      {
        client_id: 'tw-s-2',
        type: 'limit',
        price: 1990,
        stop_price: null,
        exchange_order_id: '7',
        updated_ts: 1_500,
      },
      {
        client_id: 'tw-s-1',
        type: 'market',
        price: null,
        stop_price: null,
        exchange_order_id: '8',
        updated_ts: 2_500,
      },
    ]);
    const indexes = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'live_orders' AND sql IS NOT NULL ORDER BY name",
      )
      .pluck()
      .all();
    expect(indexes).toEqual(['live_orders_by_exchange', 'live_orders_by_exchange_id']);
    const strict = db
      .prepare("SELECT name FROM pragma_table_list WHERE name = 'live_orders' AND strict = 1")
      .pluck()
      .all();
    expect(strict).toEqual(['live_orders']);
  });

  it('takes stop and stop-limit orders with a positive stop price, and a stop price on nothing else', () => {
    db = openDatabase(':memory:', { migrations: MIGRATIONS.slice(0, 11) });
    expect(insert('a', 'stop', null, 1900).changes).toBe(1);
    expect(insert('b', 'stop_limit', 1890, 1900).changes).toBe(1);
    expect(insert('c', 'limit', 1990, null).changes).toBe(1);
    expect(() => insert('d', 'stop', null, null)).toThrow(/CHECK constraint failed/);
    expect(() => insert('e', 'stop_limit', 1890, 0)).toThrow(/CHECK constraint failed/);
    expect(() => insert('f', 'limit', 1990, 1900)).toThrow(/CHECK constraint failed/);
    expect(() => insert('g', 'trailing', null, 1900)).toThrow(/CHECK constraint failed/);
  });
});
