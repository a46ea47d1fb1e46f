import type { Migration } from './migration.js';

/**
 * What a stopped training job needs to be resumed: the models.train request it ran, the report
 * of every fit it finished, and the latest checkpoint of the fit in progress (a network's
 * weights at its best epoch so far, stored like a registered model's artifact). One run per
 * job; resuming moves the run to the new job, and registering the model deletes it.
 */
export const migration0010: Migration = {
  version: 10,
  name: 'training_checkpoints',
  sql: `
CREATE TABLE training_runs (
  job_id TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE ON UPDATE CASCADE,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  request TEXT NOT NULL CHECK (json_valid(request)),
  folds INTEGER NOT NULL CHECK (folds > 0),
  resumed_from TEXT,
  created_at INTEGER NOT NULL,
  -- Training time the stored folds and checkpoint cost, over this job and the ones it resumed.
  trained_ms REAL NOT NULL DEFAULT 0 CHECK (trained_ms >= 0)
) STRICT;

CREATE TABLE training_run_folds (
  job_id TEXT NOT NULL REFERENCES training_runs (job_id) ON DELETE CASCADE ON UPDATE CASCADE,
  fold INTEGER NOT NULL CHECK (fold >= 0),
  report TEXT NOT NULL CHECK (json_valid(report)),
  saved_at INTEGER NOT NULL,
  PRIMARY KEY (job_id, fold)
) STRICT;

CREATE TABLE training_checkpoints (
  job_id TEXT PRIMARY KEY REFERENCES training_runs (job_id) ON DELETE CASCADE ON UPDATE CASCADE,
  fold INTEGER NOT NULL CHECK (fold >= 0),
  step INTEGER NOT NULL CHECK (step > 0),
  curve TEXT NOT NULL CHECK (json_valid(curve)),
  saved_at INTEGER NOT NULL,
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
`,
};
