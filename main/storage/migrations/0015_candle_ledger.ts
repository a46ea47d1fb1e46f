import type { Migration } from './migration.js';

/**
 * The candle ledger: UTC days of an instrument whose candles no longer match its trades.
 * A bulk write of trades (an import, a backfill) marks the days it touched in the same
 * transaction as the rows, and the rebuild of a day's candles deletes its mark in the
 * rebuild's own transaction. So whatever moment a process is killed at, every day whose
 * trades changed without its candles being rebuilt is still marked, and the next import or
 * host start rebuilds it. Before this table a killed import left trades with no candles, and
 * importing the file again wrote no rows and so rebuilt nothing.
 */
export const migration0015: Migration = {
  version: 15,
  name: 'candle_ledger',
  sql: `
CREATE TABLE candle_repairs (
  instrument INTEGER NOT NULL REFERENCES instruments (key) ON DELETE CASCADE,
  -- Start of the UTC day, ms: candles are rebuilt a whole day at a time (1d is the longest bar).
  day INTEGER NOT NULL CHECK (day >= 0 AND day % 86400000 = 0),
  PRIMARY KEY (instrument, day)
) STRICT, WITHOUT ROWID;
`,
};
