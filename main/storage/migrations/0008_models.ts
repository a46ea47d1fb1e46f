import type { Migration } from './migration.js';

/**
 * The model registry: one row per trained model with its whole lineage (data range, feature
 * set and hash, columns, label spec, hyper-parameters, validation scheme, mean and per-fold
 * scores, backend, training time, code version, the search it came from), the normalisation
 * fitted on all its training rows (live inference applies it) and its artifact: TensorFlow.js
 * topology and weight specs as JSON with the weights as one BLOB, or a JSON document (trees).
 * Searches keep every trial, whatever became of it.
 */
export const migration0008: Migration = {
  version: 8,
  name: 'models',
  sql: `
CREATE TABLE model_searches (
  id INTEGER PRIMARY KEY,
  created_at INTEGER NOT NULL,
  name TEXT NOT NULL,
  method TEXT NOT NULL CHECK (method IN ('tpe', 'random')),
  kind TEXT NOT NULL,
  request TEXT NOT NULL,
  best_model INTEGER
) STRICT;

CREATE TABLE models (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  instrument TEXT NOT NULL,
  feature_set_id TEXT NOT NULL,
  feature_set_hash TEXT NOT NULL,
  from_ts INTEGER NOT NULL,
  to_ts INTEGER NOT NULL CHECK (to_ts > from_ts),
  columns TEXT NOT NULL,
  label TEXT NOT NULL,
  params TEXT NOT NULL,
  validation TEXT NOT NULL,
  scores TEXT NOT NULL,
  folds TEXT NOT NULL,
  backend TEXT NOT NULL,
  training_ms REAL NOT NULL CHECK (training_ms >= 0),
  code_version TEXT NOT NULL,
  search_id INTEGER REFERENCES model_searches (id) ON DELETE SET NULL,
  normalization TEXT NOT NULL,
  format TEXT NOT NULL CHECK (format IN ('tfjs', 'json')),
  topology TEXT,
  weight_specs TEXT,
  weights BLOB,
  artifact_meta TEXT,
  artifact_json TEXT,
  CHECK (
    (format = 'tfjs' AND topology IS NOT NULL AND weight_specs IS NOT NULL AND weights IS NOT NULL)
    OR (format = 'json' AND artifact_json IS NOT NULL)
  )
) STRICT;

CREATE INDEX models_created ON models (created_at);

CREATE TABLE model_trials (
  search_id INTEGER NOT NULL REFERENCES model_searches (id) ON DELETE CASCADE,
  trial INTEGER NOT NULL CHECK (trial >= 0),
  params TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('running', 'complete', 'pruned', 'failed')),
  value REAL,
  model_id INTEGER REFERENCES models (id) ON DELETE SET NULL,
  error TEXT,
  PRIMARY KEY (search_id, trial)
) STRICT;
`,
};
