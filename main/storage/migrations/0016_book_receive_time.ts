import type { Migration } from './migration.js';

/**
 * The local receive time of a stored book snapshot, beside its exchange time `ts` (as Tardis
 * keeps `local_timestamp` beside `timestamp`): a replay can then reproduce the feed's real
 * delays. NULL where it is unknown: every snapshot stored before this step, and files that do
 * not carry one. Book deltas need no column: their chunk blobs carry the receive time of each
 * message in a flag bit that older chunks never set (book-delta-codec.ts).

 */
export const migration0016: Migration = {
  version: 16,
  name: 'book_receive_time',
  sql: `
ALTER TABLE book_snapshots ADD COLUMN local_ts INTEGER CHECK (local_ts IS NULL OR local_ts >= 0);
`,
};
