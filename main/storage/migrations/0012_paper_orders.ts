import type { Migration } from './migration.js';

/**
 * Paper orders that are working: written as each is sent to the paper engine, updated on its
 * fills, triggers and amendments, deleted when it ends. A restart puts the resting ones back
 * on the book (manual limit and stop orders); before this table they vanished with the
 * process. `owner` tells the user's orders from a strategy's: a strategy's orders are not
 * restored, the strategy decides again from its position.
 */
export const migration0012: Migration = {
  version: 12,
  name: 'paper_orders',
  sql: `
CREATE TABLE paper_orders (
  client_id TEXT PRIMARY KEY,
  instrument TEXT NOT NULL,
  side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
  type TEXT NOT NULL CHECK (type IN ('market', 'limit', 'stop', 'stop_limit')),
  quantity REAL NOT NULL CHECK (quantity > 0),
  filled REAL NOT NULL CHECK (filled >= 0),
  price REAL CHECK (price IS NULL OR price > 0),
  stop_price REAL CHECK (stop_price IS NULL OR stop_price > 0),
  time_in_force TEXT NOT NULL CHECK (time_in_force IN ('gtc', 'ioc')),
  post_only INTEGER NOT NULL CHECK (post_only IN (0, 1)),
  reduce_only INTEGER NOT NULL CHECK (reduce_only IN (0, 1)),
  good_till_ts INTEGER,
  owner TEXT NOT NULL CHECK (owner IN ('manual', 'strategy')),
  created_ts INTEGER NOT NULL
) STRICT;
CREATE INDEX paper_orders_instrument ON paper_orders (instrument, created_ts);
`,
};
