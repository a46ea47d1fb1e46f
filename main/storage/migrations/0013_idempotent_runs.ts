import type { Migration } from './migration.js';

/**
 * Rerunning a recording or a demo history over the same range computes the same signals and
 * finds the same holes again; before this step each rerun appended them once more (one
 * workspace held 9,267 signal rows of which 1,543 distinct). A signal is now one row per
 * (instrument, ts, source) and a gap one row per (instrument, kind, from_ts, to_ts); writers
 * skip a row that is already there (ON CONFLICT DO NOTHING), so the first one recorded, the
 * one the user saw, is kept. Existing duplicates are removed the same way: the lowest id of
 * each key stays.
 *
 * The unique key on signals starts with (instrument, ts), so it also serves every query the
 * old signals_by_time index did, which is dropped.
 */
export const migration0013: Migration = {
  version: 13,
  name: 'idempotent_runs',
  sql: `
DELETE FROM signals WHERE id NOT IN (SELECT min(id) FROM signals GROUP BY instrument, ts, source);
DROP INDEX signals_by_time;
CREATE UNIQUE INDEX signals_once ON signals (instrument, ts, source);

DELETE FROM gap_ledger WHERE id NOT IN (
  SELECT min(id) FROM gap_ledger GROUP BY instrument, kind, from_ts, to_ts
);
CREATE UNIQUE INDEX gap_ledger_once ON gap_ledger (instrument, kind, from_ts, to_ts);
`,
};
