import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FoldReport } from '../../../../shared/api/domains/models.js';
import type { CheckpointWire } from '../../../../shared/models/training-protocol.js';
import { JobBoard } from '../../../../main/jobs/job-board.js';
import { TrainingCheckpoints } from '../../../../main/models/checkpoint-store.js';
import { openDatabase, userVersion, type SqliteDatabase } from '../../../../main/storage/database.js';
import { MIGRATIONS } from '../../../../main/storage/migrations/index.js';

function foldReport(fold: number, accuracy: number): FoldReport {
  return {
    fold,
    trainRows: 100,
    testRows: 50,
    purged: 3,
    embargoed: 0,
    testFrom: 1_000 * fold,
    testTo: 1_000 * fold + 999,
    scores: {
      accuracy,
      precision: 0.5,
      recall: 0.5,
      f1: 0.5,
      logLoss: 0.69,
      rocAuc: null,
      mse: null,
      correlation: null,
      backtestSharpe: null,
      backtestReturn: null,
    },
    curve: { trainLoss: [0.7, 0.6], validLoss: [0.71, null] },
    confusion: [
      [10, 5],
      [5, 30],
    ],
    roc: null,
  };
}

function checkpoint(fold: number, epoch: number, fill: number): CheckpointWire {
  const weights = new Float32Array([fill, fill + 1, fill + 2]);
  return {
    fold,
    epoch,
    curve: { trainLoss: [0.9, 0.8], validLoss: [0.95, 0.85] },
    artifact: {
      format: 'tfjs',
      kind: 'lstm',
      modelTopology: { class_name: 'Model', layers: [] },
      weightSpecs: [{ name: 'w', shape: [3], dtype: 'float32' }],
      weightData: weights.buffer,
      meta: { epoch, monitorLoss: 0.85 },
    },
  };
}

describe('training checkpoints in the workspace', () => {
  let db: SqliteDatabase;
  let store: TrainingCheckpoints;

  const job = (id: string, state: string): void => {
    db.prepare(
      `INSERT INTO jobs (id, kind, title, state, unit, started_at) VALUES (?, 'model-train', 't', ?, 'steps', 1)`,
    ).run(id, state);
  };
  const setState = (id: string, state: string): void => {
    db.prepare('UPDATE jobs SET state = ? WHERE id = ?').run(state, id);
  };
  const begin = (jobId: string, createdAt = 10): void => {
    store.begin({
      jobId,
      name: 'lstm',
      kind: 'lstm',
      request: { name: 'lstm', params: { kind: 'lstm', epochs: 4 } },
      folds: 3,
      resumedFrom: null,
      createdAt,
    });
  };

  beforeEach(() => {
    db = openDatabase(':memory:', { migrations: MIGRATIONS.slice(0, 10) });
    store = new TrainingCheckpoints(db);
  });

  afterEach(() => {
    db.close();
  });

  it('is migration 10: three STRICT tables', () => {
    expect(userVersion(db)).toBe(10);
    const strict = db
      .prepare(`SELECT name FROM pragma_table_list WHERE name LIKE 'training_%' AND strict = 1 ORDER BY name`)
      .pluck()
      .all();
    expect(strict).toEqual(['training_checkpoints', 'training_run_folds', 'training_runs']);
  });

  it('reads back the request, the fold reports and the latest checkpoint exactly as stored', () => {
    job('a', 'running');
    begin('a');
    store.saveFold('a', foldReport(0, 0.61), 20, 5);
    store.saveCheckpoint('a', checkpoint(1, 1, 1), 30, 7);
    store.saveCheckpoint('a', checkpoint(1, 3, 10), 40, 11);
    const run = store.load('a');
    expect(run?.request).toEqual({ name: 'lstm', params: { kind: 'lstm', epochs: 4 } });
    expect(run?.reports).toEqual([foldReport(0, 0.61)]);
    expect(run?.trainedMs).toBe(23);
    expect(run?.jobState).toBe('running');
    // Only the latest checkpoint is kept, its weights byte for byte.
    const stored = run?.checkpoint;
    expect(stored?.fold).toBe(1);
    expect(stored?.epoch).toBe(3);
    expect(stored?.curve).toEqual({ trainLoss: [0.9, 0.8], validLoss: [0.95, 0.85] });
    if (stored?.artifact.format !== 'tfjs') throw new Error('no tfjs checkpoint');
    expect(Array.from(new Float32Array(stored.artifact.weightData))).toEqual([10, 11, 12]);
    expect(stored.artifact.kind).toBe('lstm');
    expect(stored.artifact.meta).toEqual({ epoch: 3, monitorLoss: 0.85 });
    expect(stored.artifact.weightSpecs).toEqual([{ name: 'w', shape: [3], dtype: 'float32' }]);
    expect(db.prepare('SELECT COUNT(*) FROM training_checkpoints').pluck().get()).toBe(1);
  });

  it('drops the checkpoint of a fit once that fit reports', () => {
    job('a', 'running');
    begin('a');
    store.saveCheckpoint('a', checkpoint(0, 2, 1), 30, 0);
    store.saveFold('a', foldReport(0, 0.6), 40, 0);
    expect(store.load('a')?.checkpoint).toBeNull();
  });

  it('lists only stopped jobs that kept a fold or a checkpoint, newest first', () => {
    for (const [id, state] of [
      ['running', 'running'],
      ['cancelled', 'running'],
      ['failed', 'running'],
      ['empty', 'running'],
      ['done', 'running'],
    ] as const) {
      job(id, state);
      begin(id);
    }
    store.saveFold('running', foldReport(0, 0.6), 20, 0);
    store.saveFold('cancelled', foldReport(0, 0.6), 20, 0);
    store.saveCheckpoint('cancelled', checkpoint(1, 2, 0), 50, 0);
    store.saveCheckpoint('failed', checkpoint(0, 4, 0), 30, 0);
    store.saveFold('done', foldReport(0, 0.6), 20, 0);
    setState('cancelled', 'cancelled');
    setState('failed', 'failed');
    setState('empty', 'cancelled');
    setState('done', 'done');
    expect(store.stopped()).toEqual([
      { jobId: 'cancelled', name: 'lstm', kind: 'lstm', foldsDone: 1, folds: 3, step: 2, savedAt: 50 },
      { jobId: 'failed', name: 'lstm', kind: 'lstm', foldsDone: 0, folds: 3, step: 4, savedAt: 30 },
    ]);
  });

  it('lists the run of a job the App was training when it stopped, once the board reopens', () => {
    job('orphan', 'running');
    begin('orphan');
    store.saveCheckpoint('orphan', checkpoint(0, 3, 0), 30, 0);
    expect(store.stopped()).toEqual([]);
    // A new App's board marks the jobs that were running as failed ("interrupted").
    new JobBoard(db, { clock: () => 100 });
    expect(store.stopped().map((run) => [run.jobId, run.step])).toEqual([['orphan', 3]]);
    expect(store.load('orphan')?.jobState).toBe('failed');
  });

  it('moves a run to the job resuming it, once, and forgets it when discarded', () => {
    job('old', 'cancelled');
    job('new', 'running');
    begin('old');
    store.saveFold('old', foldReport(0, 0.6), 20, 3);
    store.saveCheckpoint('old', checkpoint(1, 2, 5), 30, 4);
    store.moveTo('old', 'new');
    expect(store.load('old')).toBeNull();
    const moved = store.load('new');
    expect(moved?.resumedFrom).toBe('old');
    expect(moved?.reports).toEqual([foldReport(0, 0.6)]);
    expect(moved?.checkpoint?.epoch).toBe(2);
    expect(moved?.trainedMs).toBe(7);
    expect(() => {
      store.moveTo('old', 'new');
    }).toThrow(/no training run/);
    store.discard('new');
    expect(store.load('new')).toBeNull();
    expect(db.prepare('SELECT COUNT(*) FROM training_run_folds').pluck().get()).toBe(0);
    expect(db.prepare('SELECT COUNT(*) FROM training_checkpoints').pluck().get()).toBe(0);
  });

  it('forgets a run that kept nothing, and keeps one that did', () => {
    job('a', 'failed');
    job('b', 'failed');
    begin('a');
    begin('b');
    store.saveFold('b', foldReport(0, 0.6), 20, 0);
    store.discardIfEmpty('a');
    store.discardIfEmpty('b');
    expect(store.load('a')).toBeNull();
    expect(store.load('b')?.reports).toHaveLength(1);
  });

  it('goes with its job when the job is deleted', () => {
    job('a', 'cancelled');
    begin('a');
    store.saveCheckpoint('a', checkpoint(0, 1, 0), 30, 0);
    db.prepare('DELETE FROM jobs WHERE id = ?').run('a');
    expect(db.prepare('SELECT COUNT(*) FROM training_runs').pluck().get()).toBe(0);
    expect(db.prepare('SELECT COUNT(*) FROM training_checkpoints').pluck().get()).toBe(0);
  });
});
