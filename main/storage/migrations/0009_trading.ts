import type { Migration } from './migration.js';

/**
 * Trading: the hash-chained audit log, the paper account (cash, positions, fills: a restart
 * keeps the account without replaying the market) and the live broker's order store (orders
 * written before their request leaves, fills by trade id, a client id counter per session).
 *
 * The audit table is append-only at the database level too: triggers refuse UPDATE and DELETE,
 * so only a deliberate schema change (dropping a trigger) can rewrite it, and verification
 * (hashes plus the chain head kept in the settings) catches that.
 */
export const migration0009: Migration = {
  version: 9,
  name: 'trading',
  sql: `
CREATE TABLE trading_audit (
  seq INTEGER PRIMARY KEY CHECK (seq >= 0),
  ts INTEGER NOT NULL,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
) STRICT;
CREATE INDEX trading_audit_kind ON trading_audit (kind, seq);

CREATE TRIGGER trading_audit_no_update BEFORE UPDATE ON trading_audit
BEGIN
  SELECT RAISE(ABORT, 'trading_audit is append-only');
END;
CREATE TRIGGER trading_audit_no_delete BEFORE DELETE ON trading_audit
BEGIN
  SELECT RAISE(ABORT, 'trading_audit is append-only');
END;

CREATE TABLE paper_account (
  workspace TEXT PRIMARY KEY,
  initial_cash REAL NOT NULL CHECK (initial_cash > 0),
  cash REAL NOT NULL,
  fees_paid REAL NOT NULL,
  updated_ts INTEGER NOT NULL
) STRICT;

CREATE TABLE paper_positions (
  workspace TEXT NOT NULL,
  instrument TEXT NOT NULL,
  quantity REAL NOT NULL,
  avg_entry_price REAL,
  realized_pnl REAL NOT NULL,
  last_mark REAL,
  PRIMARY KEY (workspace, instrument)
) STRICT;

CREATE TABLE paper_fills (
  id INTEGER PRIMARY KEY,
  workspace TEXT NOT NULL,
  client_id TEXT NOT NULL,
  instrument TEXT NOT NULL,
  side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
  price REAL NOT NULL CHECK (price > 0),
  quantity REAL NOT NULL CHECK (quantity > 0),
  fee REAL NOT NULL,
  liquidity TEXT NOT NULL CHECK (liquidity IN ('maker', 'taker')),
  ts INTEGER NOT NULL
) STRICT;
CREATE INDEX paper_fills_by_time ON paper_fills (workspace, ts);

CREATE TABLE live_orders (
  client_id TEXT PRIMARY KEY,
  exchange TEXT NOT NULL,
  symbol TEXT NOT NULL,
  session TEXT NOT NULL,
  seq INTEGER NOT NULL,
  side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
  type TEXT NOT NULL CHECK (type IN ('market', 'limit')),
  time_in_force TEXT NOT NULL CHECK (time_in_force IN ('gtc', 'ioc')),
  post_only INTEGER NOT NULL CHECK (post_only IN (0, 1)),
  quantity REAL NOT NULL,
  price REAL,
  state TEXT NOT NULL,
  exchange_order_id TEXT,
  filled REAL NOT NULL,
  reason TEXT,
  created_ts INTEGER NOT NULL,
  updated_ts INTEGER NOT NULL
) STRICT;
CREATE INDEX live_orders_by_exchange ON live_orders (exchange, state);
CREATE INDEX live_orders_by_exchange_id ON live_orders (exchange, symbol, exchange_order_id);

CREATE TABLE live_fills (
  exchange TEXT NOT NULL,
  symbol TEXT NOT NULL,
  trade_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  exchange_order_id TEXT NOT NULL,
  side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
  price REAL NOT NULL,
  quantity REAL NOT NULL,
  fee REAL NOT NULL,
  fee_currency TEXT,
  liquidity TEXT CHECK (liquidity IN ('maker', 'taker')),
  ts INTEGER NOT NULL,
  PRIMARY KEY (exchange, symbol, trade_id)
) STRICT;

CREATE TABLE live_order_counters (
  session TEXT PRIMARY KEY,
  next INTEGER NOT NULL
) STRICT;
`,
};
