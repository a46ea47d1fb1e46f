import type { Migration } from './migration.js';

/**
 * The gap ledger: intervals of market data the recorder knows it does not have and could not
 * recover (a disconnect whose REST backfill came back short, trade ids the exchange never
 * returned, a book that had to be resynchronised). Coverage views and backtests read it to
 * say what is missing instead of silently computing over a hole.
 *
 * `instrument` is the id string, not the integer key: a gap may be recorded for an instrument
 * before its first row of data, and the ledger stays small. `kind` is free text ('trades',
 * 'book', 'candles') so a new data kind needs no table rebuild.
 */
export const migration0003: Migration = {
  version: 3,
  name: 'gap_ledger',
  sql: `
CREATE TABLE gap_ledger (
  id INTEGER PRIMARY KEY,
  instrument TEXT NOT NULL,
  kind TEXT NOT NULL,
  from_ts INTEGER NOT NULL,
  to_ts INTEGER NOT NULL CHECK (to_ts >= from_ts),
  reason TEXT NOT NULL,
  recorded_at INTEGER NOT NULL
) STRICT;

CREATE INDEX gap_ledger_by_time ON gap_ledger (instrument, from_ts);
`,
};
