import { afterEach, describe, expect, it } from 'vitest';
import {
  applyMigrations,
  openDatabase,
  userVersion,
  type SqliteDatabase,
} from '../../../../../main/storage/database.js';
import { MIGRATIONS } from '../../../../../main/storage/migrations/index.js';

describe('migration 0010_training_checkpoints', () => {
  let db: SqliteDatabase;

  afterEach(() => {
    db.close();
  });

  const job = (id: string) =>
    db
      .prepare(
        "INSERT INTO jobs (id, kind, title, state, unit, started_at) VALUES (?, 'training', 't', 'running', 'folds', 1)",
      )
      .run(id);
  const run = (jobId: string) =>
    db
      .prepare(
        "INSERT INTO training_runs (job_id, name, kind, request, folds, created_at) VALUES (?, 'lstm-1', 'lstm', '{}', 3, 1)",
      )
      .run(jobId);

  it('opens a 0009 database with its audit log untouched and adds empty resume tables', () => {
    db = openDatabase(':memory:', { migrations: MIGRATIONS.slice(0, 9) });
    db.prepare(
      "INSERT INTO trading_audit (seq, ts, kind, payload, prev_hash, hash) VALUES (0, 1, 'arm', '{}', 'p', 'h')",
    ).run();
    applyMigrations(db, MIGRATIONS.slice(0, 10));

    expect(userVersion(db)).toBe(10);
    expect(db.prepare('SELECT seq, kind FROM trading_audit').all()).toEqual([{ seq: 0, kind: 'arm' }]);
    for (const table of ['training_runs', 'training_run_folds', 'training_checkpoints']) {
      expect(db.prepare(`SELECT count(*) AS n FROM ${table}`).get()).toEqual({ n: 0 });
    }
  });

  it('moves a run with its job id (resume) and deletes its folds and checkpoint with the job', () => {
    db = openDatabase(':memory:', { migrations: MIGRATIONS.slice(0, 10) });
    job('job-1');
    run('job-1');
    db.prepare(
      "INSERT INTO training_run_folds (job_id, fold, report, saved_at) VALUES ('job-1', 0, '{}', 2)",
    ).run();
    db.prepare(
      `INSERT INTO training_checkpoints (job_id, fold, step, curve, saved_at, format, artifact_json)
       VALUES ('job-1', 1, 40, '[]', 3, 'json', '{}')`,
    ).run();
    expect(() => run('no-such-job')).toThrow(/FOREIGN KEY constraint failed/);

    db.prepare("UPDATE jobs SET id = 'job-2' WHERE id = 'job-1'").run();
    expect(db.prepare('SELECT job_id FROM training_run_folds').all()).toEqual([{ job_id: 'job-2' }]);
    expect(db.prepare('SELECT job_id, step FROM training_checkpoints').all()).toEqual([
      { job_id: 'job-2', step: 40 },
    ]);

    db.prepare("DELETE FROM jobs WHERE id = 'job-2'").run();
    for (const table of ['training_runs', 'training_run_folds', 'training_checkpoints']) {
      expect(db.prepare(`SELECT count(*) AS n FROM ${table}`).get()).toEqual({ n: 0 });
    }
  });

  it('refuses a checkpoint without its artifact and a request that is not JSON', () => {
    db = openDatabase(':memory:', { migrations: MIGRATIONS.slice(0, 10) });
    job('job-1');
    expect(() =>
      db
        .prepare(
          "INSERT INTO training_runs (job_id, name, kind, request, folds, created_at) VALUES ('job-1', 'n', 'lstm', 'not json', 3, 1)",
        )
        .run(),
    ).toThrow(/CHECK constraint failed/);
    run('job-1');
    expect(() =>
      db
        .prepare(
          `INSERT INTO training_checkpoints (job_id, fold, step, curve, saved_at, format)
           VALUES ('job-1', 0, 1, '[]', 1, 'tfjs')`,
        )
        .run(),
    ).toThrow(/CHECK constraint failed/);
  });
});
