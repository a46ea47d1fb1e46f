import type { Migration } from './migration.js';

/**
 * Perpetual funding rates per instrument: the rate settled at each funding time (positive: longs
 * pay shorts). Candle and event backtests of a perpetual read them to charge or credit the
 * position at every funding time in their range. One row per (instrument, funding time), so an
 * import or a backfill run again overwrites the same rows instead of adding copies.
 */
export const migration0017: Migration = {
  version: 17,
  name: 'funding_rates',
  sql: `
CREATE TABLE funding_rates (
  instrument INTEGER NOT NULL REFERENCES instruments (key) ON DELETE CASCADE,
  -- Funding time, ms UTC (exchange time).
  ts INTEGER NOT NULL CHECK (ts >= 0),
  -- A fraction of the position's notional per funding time; real rates are far inside +-100%.
  rate REAL NOT NULL CHECK (rate BETWEEN -1 AND 1),
  PRIMARY KEY (instrument, ts)
) STRICT, WITHOUT ROWID;
`,
};
