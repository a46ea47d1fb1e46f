import type { Migration } from './migration.js';

/**
 * Book deltas, stored compactly, and the ledger that makes history backfills resumable.
 *
 * book_deltas: one row per (instrument, chunk) where a chunk is every delta of one instrument
 * that one recorder flush committed (at most CHUNK_SPAN_MS of market time, book-delta-codec.ts).
 * The blob packs each delta as a flag byte plus varints of the time and seq steps and of price
 * and size in integer ticks/lots; a row per delta would repeat (instrument, ts, seq) and a
 * b-tree cell header for every 6-byte event. first_ts/last_ts bound the chunk so `bookAt` reads
 * only the chunks between the anchoring snapshot and T.
 *
 * backfill_ledger: one row per requested (instrument, kind, range) with the cursor the backfill
 * has committed up to, written in the same transaction as the data it covers: after a crash the
 * job resumes from the cursor and never fetches or inserts a page twice.
 */
export const migration0005: Migration = {
  version: 5,
  name: 'history',
  sql: `
CREATE TABLE book_deltas (
  instrument INTEGER NOT NULL REFERENCES instruments (key),
  first_ts INTEGER NOT NULL,
  first_seq INTEGER NOT NULL,
  last_ts INTEGER NOT NULL CHECK (last_ts >= first_ts),
  count INTEGER NOT NULL CHECK (count > 0),
  price_scale REAL NOT NULL CHECK (price_scale > 0),
  size_scale REAL NOT NULL CHECK (size_scale > 0),
  deltas BLOB NOT NULL,
  PRIMARY KEY (instrument, first_ts, first_seq)
) STRICT;

CREATE TABLE backfill_ledger (
  instrument TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('trades', 'candles')),
  from_ts INTEGER NOT NULL,
  to_ts INTEGER NOT NULL CHECK (to_ts >= from_ts),
  cursor INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('running', 'done')),
  rows INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (instrument, kind, from_ts, to_ts)
) STRICT, WITHOUT ROWID;
`,
};
