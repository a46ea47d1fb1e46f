import type { Migration } from './migration.js';

/**
 * Feature sets, their cached matrices and the normalisation fitted on a training range.
 *
 * A feature set is data (the FeatureSet JSON of shared/features/feature-set.ts) with its stable
 * hash; models and backtests record the hash, so a set is never edited in place: saving a
 * changed set gives a new hash.
 *
 * A matrix is cached by (set hash, instrument, from_ts, to_ts) and stored in chunks of
 * little-endian float64 blobs (timestamps, then row-major values [rows, columns]), NaN for a
 * missing value: compact, and read back without parsing. Chunks are rowid rows because a
 * blob of a few hundred kB is far too large for WITHOUT ROWID to pay off.
 */
export const migration0004: Migration = {
  version: 4,
  name: 'features',
  sql: `
CREATE TABLE feature_sets (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  instrument TEXT NOT NULL,
  hash TEXT NOT NULL,
  spec TEXT NOT NULL CHECK (json_valid(spec)),
  created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX feature_sets_by_hash ON feature_sets (hash);

CREATE TABLE feature_matrices (
  id INTEGER PRIMARY KEY,
  set_hash TEXT NOT NULL,
  instrument TEXT NOT NULL,
  from_ts INTEGER NOT NULL,
  to_ts INTEGER NOT NULL CHECK (to_ts > from_ts),
  columns TEXT NOT NULL CHECK (json_valid(columns)),
  rows INTEGER NOT NULL CHECK (rows >= 0),
  events INTEGER NOT NULL CHECK (events >= 0),
  built_at INTEGER NOT NULL,
  UNIQUE (set_hash, instrument, from_ts, to_ts)
) STRICT;

CREATE TABLE feature_matrix_chunks (
  matrix INTEGER NOT NULL REFERENCES feature_matrices (id) ON DELETE CASCADE,
  chunk INTEGER NOT NULL,
  rows INTEGER NOT NULL CHECK (rows >= 0),
  ts BLOB NOT NULL,
  vals BLOB NOT NULL,
  PRIMARY KEY (matrix, chunk)
) STRICT;

-- Statistics fitted on a training range only; stats is the JSON of pipeline/normalize.ts.
CREATE TABLE feature_normalizations (
  id INTEGER PRIMARY KEY,
  set_hash TEXT NOT NULL,
  instrument TEXT NOT NULL,
  method TEXT NOT NULL CHECK (method IN ('zscore', 'robust')),
  train_from INTEGER NOT NULL,
  train_to INTEGER NOT NULL CHECK (train_to > train_from),
  stats TEXT NOT NULL CHECK (json_valid(stats)),
  fitted_at INTEGER NOT NULL,
  UNIQUE (set_hash, instrument, method, train_from, train_to)
) STRICT;
`,
};
