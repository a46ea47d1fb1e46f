import type { Migration } from './migration.js';

/**
 * The first workspace schema: instruments, recorded market data, candles, signals, settings.
 *
 * Instruments get a small integer `key` that the market data tables reference instead of the
 * id string (`binance:BTC/USDT`): those tables hold millions of rows and repeat the instrument
 * in every row and index entry, where an integer takes 1-2 bytes instead of ~15.
 * Timestamps are integer milliseconds UTC; ordering within an instrument is (ts, seq).
 */
export const migration0001: Migration = {
  version: 1,
  name: 'initial',
  sql: `
CREATE TABLE instruments (
  key INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  exchange TEXT NOT NULL,
  symbol TEXT NOT NULL,
  base TEXT NOT NULL,
  quote TEXT NOT NULL,
  tick_size REAL NOT NULL CHECK (tick_size > 0),
  lot_size REAL NOT NULL CHECK (lot_size > 0)
) STRICT;

-- side: 1 = taker buy, -1 = taker sell, so signed volume is sum(side * amount).
-- trade_id is NULL when the exchange gives none: NULLs never collide in the unique index.
-- WITHOUT ROWID: rows are small and always read by (instrument, ts, seq), so the table is
-- its own primary-key index and no rowid is stored.
CREATE TABLE trades (
  instrument INTEGER NOT NULL REFERENCES instruments (key),
  ts INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  trade_id TEXT,
  price REAL NOT NULL CHECK (price > 0),
  amount REAL NOT NULL CHECK (amount > 0),
  side INTEGER NOT NULL CHECK (side IN (1, -1)),
  PRIMARY KEY (instrument, ts, seq)
) STRICT, WITHOUT ROWID;

-- An exchange resends trades after a reconnect; their ids reject them.
CREATE UNIQUE INDEX trades_by_trade_id ON trades (instrument, trade_id);

-- bids and asks: little-endian float64 pairs (price, size), best level first (book-blob.ts).
-- A rowid table: rows of a deep book are too large for WITHOUT ROWID to pay off.
CREATE TABLE book_snapshots (
  instrument INTEGER NOT NULL REFERENCES instruments (key),
  ts INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  bids BLOB NOT NULL,
  asks BLOB NOT NULL,
  PRIMARY KEY (instrument, ts, seq)
) STRICT;

-- timeframe is not CHECKed against today's list so that a new timeframe needs no table rebuild.
CREATE TABLE candles (
  instrument INTEGER NOT NULL REFERENCES instruments (key),
  timeframe TEXT NOT NULL,
  open_time INTEGER NOT NULL,
  open REAL NOT NULL,
  high REAL NOT NULL,
  low REAL NOT NULL,
  close REAL NOT NULL,
  volume REAL NOT NULL,
  quote_volume REAL NOT NULL,
  trades INTEGER NOT NULL,
  PRIMARY KEY (instrument, timeframe, open_time)
) STRICT, WITHOUT ROWID;

CREATE TABLE signals (
  id INTEGER PRIMARY KEY,
  instrument INTEGER NOT NULL REFERENCES instruments (key),
  ts INTEGER NOT NULL,
  source TEXT NOT NULL,
  direction TEXT NOT NULL CHECK (direction IN ('long', 'short', 'flat')),
  strength REAL NOT NULL CHECK (strength BETWEEN -1 AND 1),
  price REAL NOT NULL
) STRICT;

CREATE INDEX signals_by_time ON signals (instrument, ts);

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL CHECK (json_valid(value))
) STRICT, WITHOUT ROWID;
`,
};
