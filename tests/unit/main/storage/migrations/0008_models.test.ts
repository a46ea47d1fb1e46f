import { afterEach, describe, expect, it } from 'vitest';
import {
  applyMigrations,
  openDatabase,
  userVersion,
  type SqliteDatabase,
} from '../../../../../main/storage/database.js';
import { MIGRATIONS } from '../../../../../main/storage/migrations/index.js';

describe('migration 0008_models', () => {
  let db: SqliteDatabase;

  afterEach(() => {
    db.close();
  });

  const insertModel = (format: string, topology: string | null, json: string | null) =>
    db
      .prepare(
        `INSERT INTO models (name, kind, created_at, instrument, feature_set_id, feature_set_hash,
           from_ts, to_ts, columns, label, params, validation, scores, folds, backend, training_ms,
           code_version, normalization, format, topology, weight_specs, weights, artifact_json)
         VALUES ('m', 'gbdt', 1, 'demo:BTC/USDT', 'fs', 'h', 0, 60000, '[]', '{}', '{}', '{}', '{}',
           '[]', 'cpu', 5, 'v', '{}', ?, ?, ?, ?, ?)`,
      )
      .run(
        format,
        topology,
        topology === null ? null : '[]',
        topology === null ? null : Buffer.alloc(4),
        json,
      );

  it('opens a 0007 database with its backtest runs untouched and adds the empty registry', () => {
    db = openDatabase(':memory:', { migrations: MIGRATIONS.slice(0, 7) });
    db.prepare(
      `INSERT INTO backtest_runs (created_at, kind, strategy, params, instrument, timeframe, from_ts,
         to_ts, metrics) VALUES (5, 'single', 'sma-cross', '{}', 'demo:BTC/USDT', '1m', 0, 1, '{}')`,
    ).run();
    applyMigrations(db, MIGRATIONS.slice(0, 8));

    expect(userVersion(db)).toBe(8);
    expect(db.prepare('SELECT created_at, strategy FROM backtest_runs').all()).toEqual([
      { created_at: 5, strategy: 'sma-cross' },
    ]);
    for (const table of ['models', 'model_searches', 'model_trials']) {
      expect(db.prepare(`SELECT count(*) AS n FROM ${table}`).get()).toEqual({ n: 0 });
    }
  });

  it('holds a model only with its artifact: tfjs needs topology and weights, json needs the document', () => {
    db = openDatabase(':memory:', { migrations: MIGRATIONS.slice(0, 8) });
    insertModel('json', null, '{"trees":[]}');
    insertModel('tfjs', '{"layers":[]}', null);
    expect(() => insertModel('json', null, null)).toThrow(/CHECK constraint failed/);
    expect(() => insertModel('tfjs', null, '{"trees":[]}')).toThrow(/CHECK constraint failed/);
    expect(() => insertModel('onnx', null, '{}')).toThrow(/CHECK constraint failed/);
    expect(db.prepare('SELECT count(*) AS n FROM models').get()).toEqual({ n: 2 });
  });

  it('keeps a trial when its model is deleted, and drops the trials with their search', () => {
    db = openDatabase(':memory:', { migrations: MIGRATIONS.slice(0, 8) });
    db.prepare(
      "INSERT INTO model_searches (id, created_at, name, method, kind, request) VALUES (1, 1, 's', 'tpe', 'gbdt', '{}')",
    ).run();
    insertModel('json', null, '{}');
    db.prepare(
      "INSERT INTO model_trials (search_id, trial, params, state, value, model_id) VALUES (1, 0, '{}', 'complete', 0.5, 1)",
    ).run();
    db.prepare('DELETE FROM models WHERE id = 1').run();
    expect(db.prepare('SELECT trial, model_id FROM model_trials').all()).toEqual([
      { trial: 0, model_id: null },
    ]);
    db.prepare('DELETE FROM model_searches WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) AS n FROM model_trials').get()).toEqual({ n: 0 });
  });
});
