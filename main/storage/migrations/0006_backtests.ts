import type { Migration } from './migration.js';

/**
 * Stored backtest runs: one row per single run or per sweep (its best configuration's curve
 * and trades, every configuration's metrics inside metrics JSON). The equity curve and the
 * round trips are blobs of Float64 columns (backtest-store.ts): a year of 1m bars is 500k
 * points, which as JSON would cost several times the bytes and a parse per open.
 */
export const migration0006: Migration = {
  version: 6,
  name: 'backtests',
  sql: `
CREATE TABLE backtest_runs (
  id INTEGER PRIMARY KEY,
  created_at INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('single', 'sweep')),
  strategy TEXT NOT NULL,
  params TEXT NOT NULL,
  instrument TEXT NOT NULL,
  timeframe TEXT NOT NULL,
  from_ts INTEGER NOT NULL,
  to_ts INTEGER NOT NULL CHECK (to_ts > from_ts),
  feature_set_hash TEXT,
  metrics TEXT NOT NULL,
  equity_curve BLOB,
  trades BLOB
) STRICT;

CREATE INDEX backtest_runs_created ON backtest_runs (created_at);
`,
};
