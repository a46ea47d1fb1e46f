import type { Migration } from './migration.js';

/**
 * Live stop orders: `live_orders` takes the engine's `stop` (market on trigger, Binance spot
 * STOP_LOSS) and `stop_limit` (limit on trigger, STOP_LOSS_LIMIT) types with their trigger
 * price. A stop and a stop-limit always carry a positive stop price and no other type does.
 *
 * SQLite cannot change a CHECK constraint in place, so the table is rebuilt: a new table,
 * every row copied with its rowid (the store lists orders in rowid order, oldest first), the
 * old table dropped, the new one renamed and its indexes made again. No foreign key refers to
 * live_orders, so dropping it inside the migration's transaction is safe.
 */
export const migration0011: Migration = {
  version: 11,
  name: 'live_stop_orders',
  sql: `
CREATE TABLE live_orders_0011 (
  client_id TEXT PRIMARY KEY,
  exchange TEXT NOT NULL,
  symbol TEXT NOT NULL,
  session TEXT NOT NULL,
  seq INTEGER NOT NULL,
  side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
  type TEXT NOT NULL CHECK (type IN ('market', 'limit', 'stop', 'stop_limit')),
  time_in_force TEXT NOT NULL CHECK (time_in_force IN ('gtc', 'ioc')),
  post_only INTEGER NOT NULL CHECK (post_only IN (0, 1)),
  quantity REAL NOT NULL,
  price REAL,
  stop_price REAL CHECK (stop_price IS NULL OR stop_price > 0),
  state TEXT NOT NULL,
  exchange_order_id TEXT,
  filled REAL NOT NULL,
  reason TEXT,
  created_ts INTEGER NOT NULL,
  updated_ts INTEGER NOT NULL,
  CHECK ((type IN ('stop', 'stop_limit')) = (stop_price IS NOT NULL))
) STRICT;

INSERT INTO live_orders_0011 (rowid, client_id, exchange, symbol, session, seq, side, type,
  time_in_force, post_only, quantity, price, stop_price, state, exchange_order_id, filled, reason,
  created_ts, updated_ts)
SELECT rowid, client_id, exchange, symbol, session, seq, side, type, time_in_force, post_only,
  quantity, price, NULL, state, exchange_order_id, filled, reason, created_ts, updated_ts
FROM live_orders ORDER BY rowid;

DROP TABLE live_orders;
ALTER TABLE live_orders_0011 RENAME TO live_orders;
CREATE INDEX live_orders_by_exchange ON live_orders (exchange, state);
CREATE INDEX live_orders_by_exchange_id ON live_orders (exchange, symbol, exchange_order_id);
`,
};
