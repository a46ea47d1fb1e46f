import { foldReportSchema, type FoldReport } from '../../shared/api/domains/models.js';
import { ModelFormatError, type ModelKind } from '../../shared/models/model.js';
import { fitCurveSchema, type CheckpointWire } from '../../shared/models/training-protocol.js';
import type { SqliteDatabase } from '../storage/database.js';
import { artifactFromColumns, artifactParams, type ArtifactColumns } from './artifact-columns.js';

/** A training job's run as it starts: enough to run it again without anything else. */
export interface NewTrainingRun {
  readonly jobId: string;
  readonly name: string;
  readonly kind: ModelKind;
  /** The models.train request, as JSON-able data. */
  readonly request: unknown;
  /** Fits in the run: validation folds plus the final fit. */
  readonly folds: number;
  readonly resumedFrom: string | null;
  readonly createdAt: number;
}

/** A stopped job's run, listed for models.checkpoints. */
export interface StoppedRun {
  readonly jobId: string;
  readonly name: string;
  readonly kind: ModelKind;
  readonly foldsDone: number;
  readonly folds: number;
  readonly step: number | null;
  readonly savedAt: number;
}

/** Everything a resume reads back. */
export interface StoredRun {
  readonly jobId: string;
  readonly name: string;
  readonly request: unknown;
  readonly folds: number;
  readonly resumedFrom: string | null;
  readonly trainedMs: number;
  /** Reports of fits 0..n-1, in order. */
  readonly reports: readonly FoldReport[];
  readonly checkpoint: CheckpointWire | null;
  /** The job's state in the job list ('running' while a job of this process trains it). */
  readonly jobState: string;
}

interface RunRow {
  job_id: string;
  name: string;
  kind: ModelKind;
  request: string;
  folds: number;
  resumed_from: string | null;
  trained_ms: number;
  state: string;
}

interface CheckpointRow extends ArtifactColumns {
  fold: number;
  step: number;
  curve: string;
}

/** Jobs a resume may pick up: they ended without a model (the board marks an App's orphans failed). */
const STOPPED = `('cancelled', 'failed')`;

/**
 * Resumable training runs in the workspace database (migration 0010): the request of every
 * models.train job, each fit's report as it finishes and the latest checkpoint of the fit in
 * progress. Written from the App's message handlers, so the worker never waits for SQLite.
 */
export class TrainingCheckpoints {
  private readonly sql;

  constructor(private readonly db: SqliteDatabase) {
    this.sql = {
      begin: db.prepare<[Record<string, unknown>]>(
        `INSERT INTO training_runs (job_id, name, kind, request, folds, resumed_from, created_at)
         VALUES (@jobId, @name, @kind, @request, @folds, @resumedFrom, @createdAt)`,
      ),
      addTime: db.prepare<[number, string]>(
        'UPDATE training_runs SET trained_ms = trained_ms + ? WHERE job_id = ?',
      ),
      fold: db.prepare<[string, number, string, number]>(
        `INSERT OR REPLACE INTO training_run_folds (job_id, fold, report, saved_at) VALUES (?, ?, ?, ?)`,
      ),
      // A finished fit's checkpoint is of no more use: the next fit starts afresh.
      dropDone: db.prepare<[string, number]>(
        'DELETE FROM training_checkpoints WHERE job_id = ? AND fold <= ?',
      ),
      checkpoint: db.prepare<[Record<string, unknown>]>(
        `INSERT OR REPLACE INTO training_checkpoints
           (job_id, fold, step, curve, saved_at, format, topology, weight_specs, weights, artifact_meta, artifact_json)
         VALUES (@jobId, @fold, @step, @curve, @savedAt, @format, @topology, @weightSpecs, @weights, @artifactMeta,
           @artifactJson)`,
      ),
      stopped: db.prepare<[], StoppedRow>(
        `SELECT r.job_id, r.name, r.kind, r.folds, r.created_at,
           (SELECT COUNT(*) FROM training_run_folds f WHERE f.job_id = r.job_id) AS folds_done,
           (SELECT MAX(saved_at) FROM training_run_folds f WHERE f.job_id = r.job_id) AS fold_saved_at,
           c.step, c.saved_at AS checkpoint_saved_at
         FROM training_runs r JOIN jobs j ON j.id = r.job_id
         LEFT JOIN training_checkpoints c ON c.job_id = r.job_id
         WHERE j.state IN ${STOPPED}`,
      ),
      run: db.prepare<[string], RunRow>(
        `SELECT r.job_id, r.name, r.kind, r.request, r.folds, r.resumed_from, r.trained_ms, j.state
         FROM training_runs r JOIN jobs j ON j.id = r.job_id WHERE r.job_id = ?`,
      ),
      reports: db.prepare<[string], { report: string }>(
        'SELECT report FROM training_run_folds WHERE job_id = ? ORDER BY fold',
      ),
      loadCheckpoint: db.prepare<[string], CheckpointRow>(
        `SELECT fold, step, curve, format, topology, weight_specs, weights, artifact_meta, artifact_json
         FROM training_checkpoints WHERE job_id = ?`,
      ),
      move: db.prepare<[string, string, string]>(
        'UPDATE training_runs SET job_id = ?, resumed_from = ? WHERE job_id = ?',
      ),
      discard: db.prepare<[string]>('DELETE FROM training_runs WHERE job_id = ?'),
      empty: db.prepare<[{ jobId: string }]>(
        `DELETE FROM training_runs WHERE job_id = @jobId
           AND NOT EXISTS (SELECT 1 FROM training_run_folds WHERE job_id = @jobId)
           AND NOT EXISTS (SELECT 1 FROM training_checkpoints WHERE job_id = @jobId)`,
      ),
    };
  }

  begin(run: NewTrainingRun): void {
    this.sql.begin.run({ ...run, request: JSON.stringify(run.request) });
  }

  /** Stores a finished fit's report (and the training time it took), dropping its checkpoint. */
  saveFold(jobId: string, report: FoldReport, savedAt: number, trainedMs: number): void {
    this.db.transaction(() => {
      this.sql.fold.run(jobId, report.fold, JSON.stringify(report), savedAt);
      this.sql.dropDone.run(jobId, report.fold);
      this.sql.addTime.run(trainedMs, jobId);
    })();
  }

  /** Keeps `checkpoint` as the job's only one (the latest is the best so far). */
  saveCheckpoint(jobId: string, checkpoint: CheckpointWire, savedAt: number, trainedMs: number): void {
    const { artifact } = checkpoint;
    this.db.transaction(() => {
      this.sql.checkpoint.run({
        jobId,
        fold: checkpoint.fold,
        step: checkpoint.epoch,
        curve: JSON.stringify(checkpoint.curve),
        savedAt,
        ...artifactParams(artifact),
      });
      this.sql.addTime.run(trainedMs, jobId);
    })();
  }

  /** Runs of stopped jobs with at least one stored fit or a checkpoint, newest save first. */
  stopped(): StoppedRun[] {
    return this.sql.stopped
      .all()
      .filter((row) => row.folds_done > 0 || row.step !== null)
      .map((row) => ({
        jobId: row.job_id,
        name: row.name,
        kind: row.kind,
        foldsDone: row.folds_done,
        folds: row.folds,
        step: row.step,
        savedAt: Math.max(row.created_at, row.fold_saved_at ?? 0, row.checkpoint_saved_at ?? 0),
      }))
      .sort((a, b) => b.savedAt - a.savedAt);
  }

  /** The run of a job, or null if it has none (never trained, resumed already, or registered). */
  load(jobId: string): StoredRun | null {
    const row = this.sql.run.get(jobId);
    if (row === undefined) return null;
    const reports = this.sql.reports.all(jobId).map(({ report }, i) => {
      const parsed = foldReportSchema.parse(JSON.parse(report));
      // Fits finish in order; a gap means the rows were written by something else.
      if (parsed.fold !== i)
        throw new ModelFormatError(`job ${jobId}: stored fold ${parsed.fold} where ${i} was due`);
      return parsed;
    });
    const stored = this.sql.loadCheckpoint.get(jobId);
    return {
      jobId: row.job_id,
      name: row.name,
      request: JSON.parse(row.request) as unknown,
      folds: row.folds,
      resumedFrom: row.resumed_from,
      trainedMs: row.trained_ms,
      reports,
      checkpoint: stored === undefined ? null : checkpointOf(jobId, row.kind, stored),
      jobState: row.state,
    };
  }

  /** Hands a stopped job's run to the job resuming it (the new job must exist on the board). */
  moveTo(fromJobId: string, toJobId: string): void {
    const moved = this.sql.move.run(toJobId, fromJobId, fromJobId);
    if (moved.changes !== 1) throw new Error(`job ${fromJobId} has no training run to resume`);
  }

  /** Forgets a run: its model is registered, or it stopped before keeping anything. */
  discard(jobId: string): void {
    this.sql.discard.run(jobId);
  }

  /** Forgets the run only if it kept nothing a resume could use. */
  discardIfEmpty(jobId: string): void {
    this.sql.empty.run({ jobId });
  }
}

interface StoppedRow {
  job_id: string;
  name: string;
  kind: ModelKind;
  folds: number;
  created_at: number;
  folds_done: number;
  fold_saved_at: number | null;
  step: number | null;
  checkpoint_saved_at: number | null;
}

function checkpointOf(jobId: string, kind: ModelKind, row: CheckpointRow): CheckpointWire {
  const where = `the checkpoint of job ${jobId}`;
  const curve = fitCurveSchema.parse(JSON.parse(row.curve));
  const artifact = artifactFromColumns(row, kind, where);
  return { fold: row.fold, epoch: row.step, curve, artifact };
}
