import type { Migration } from './migration.js';

/**
 * Long-running jobs (imports, backfills, feature matrices, training, backtests): one row per
 * job so the job list survives a restart, and a job cut short by a crash is seen as such.
 */
export const migration0002: Migration = {
  version: 2,
  name: 'jobs',
  sql: `
CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed', 'cancelled')),
  done REAL NOT NULL DEFAULT 0,
  total REAL,
  unit TEXT NOT NULL,
  message TEXT NOT NULL DEFAULT '',
  error TEXT,
  result TEXT CHECK (result IS NULL OR json_valid(result)),
  started_at INTEGER NOT NULL,
  finished_at INTEGER
) STRICT;

CREATE INDEX jobs_by_start ON jobs (started_at);
`,
};
