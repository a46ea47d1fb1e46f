import type { Migration } from './migration.js';

/**
 * Backtest runs, second form: event-mode runs (`mode`), walk-forward runs (a third kind), and
 * what a report needs beside the metrics: the costs and latency the run used, the walk-forward
 * folds and the statistical honesty computed once when the run finished (all JSON).
 *
 * SQLite cannot alter a CHECK constraint, so the table is rebuilt (create, copy, drop,
 * rename). Existing rows become candle-mode runs with `costs` null, which reads as the default
 * costs (backtest-store.ts), and no walk-forward or honesty reading.
 */
export const migration0007: Migration = {
  version: 7,
  name: 'backtest_runs_v2',
  sql: `
CREATE TABLE backtest_runs_v2 (
  id INTEGER PRIMARY KEY,
  created_at INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('single', 'sweep', 'walk-forward')),
  mode TEXT NOT NULL DEFAULT 'candle' CHECK (mode IN ('candle', 'event')),
  strategy TEXT NOT NULL,
  params TEXT NOT NULL,
  instrument TEXT NOT NULL,
  timeframe TEXT NOT NULL,
  from_ts INTEGER NOT NULL,
  to_ts INTEGER NOT NULL CHECK (to_ts > from_ts),
  feature_set_hash TEXT,
  metrics TEXT NOT NULL,
  costs TEXT,
  walk_forward TEXT,
  honesty TEXT,
  equity_curve BLOB,
  trades BLOB
) STRICT;

INSERT INTO backtest_runs_v2 (id, created_at, kind, mode, strategy, params, instrument, timeframe,
  from_ts, to_ts, feature_set_hash, metrics, equity_curve, trades)
SELECT id, created_at, kind, 'candle', strategy, params, instrument, timeframe,
  from_ts, to_ts, feature_set_hash, metrics, equity_curve, trades
FROM backtest_runs;

DROP TABLE backtest_runs;
ALTER TABLE backtest_runs_v2 RENAME TO backtest_runs;
CREATE INDEX backtest_runs_created ON backtest_runs (created_at);
`,
};
