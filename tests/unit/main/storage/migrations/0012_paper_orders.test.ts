import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, userVersion, type SqliteDatabase } from '../../../../../main/storage/database.js';
import { MIGRATIONS } from '../../../../../main/storage/migrations/index.js';
import { paperOrderRow, SqlitePaperOrders } from '../../../../../main/trading/paper-orders.js';

describe('migration 0012_paper_orders', () => {
  let db: SqliteDatabase;

  beforeEach(() => {
    db = openDatabase(':memory:', { migrations: MIGRATIONS.slice(0, 12) });
  });

  afterEach(() => {
    db.close();
  });

  const insert = (clientId: string, type: string, quantity: number, owner = 'manual') =>
    db
      .prepare(
        `INSERT INTO paper_orders (client_id, instrument, side, type, quantity, filled, price, stop_price,
           time_in_force, post_only, reduce_only, good_till_ts, owner, created_ts)
         VALUES (?, 'demo:DEMO/USD', 'buy', ?, ?, 0, 95, NULL, 'gtc', 0, 0, NULL, ?, 1)`,
      )
      .run(clientId, type, quantity, owner);

  it('sets the schema version to 12 and creates a STRICT table', () => {
    expect(userVersion(db)).toBe(12);
    const strict = db
      .prepare("SELECT name FROM pragma_table_list WHERE name = 'paper_orders' AND strict = 1")
      .pluck()
      .all();
    expect(strict).toEqual(['paper_orders']);
  });

  it('refuses an unknown type or owner and a non-positive quantity', () => {
    insert('a', 'limit', 1);
    expect(() => insert('b', 'iceberg', 1)).toThrow(/CHECK constraint failed/);
    expect(() => insert('c', 'limit', 0)).toThrow(/CHECK constraint failed/);
    expect(() => insert('d', 'limit', 1, 'robot')).toThrow(/CHECK constraint failed/);
    expect(() => insert('a', 'limit', 1)).toThrow(/UNIQUE constraint failed/);
  });

  it('round-trips a row through the store and keeps its first time when it is sent again', () => {
    const store = new SqlitePaperOrders(db);
    const row = paperOrderRow(
      'demo:DEMO/USD',
      {
        clientId: 'manual-x-1',
        side: 'sell',
        type: 'stop_limit',
        quantity: 2,
        price: 99,
        stopPrice: 100,
        reduceOnly: true,
      },
      'manual',
      1_000,
    );
    store.put(row);
    store.filled('manual-x-1', 0.5);
    expect(store.all()).toEqual([{ ...row, filled: 0.5 }]);
    store.triggered('manual-x-1');
    store.put({ ...row, type: 'limit', quantity: 1.5, createdTs: 9_000 });
    store.replaced('manual-x-1', 98.5, 1.2);
    expect(store.all()).toEqual([{ ...row, type: 'limit', quantity: 1.2, price: 98.5, createdTs: 1_000 }]);
    store.remove('manual-x-1');
    expect(store.all()).toEqual([]);
  });
});
