import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelRegistry, type NewModel } from '../../../../main/models/registry.js';
import { openDatabase, userVersion, type SqliteDatabase } from '../../../../main/storage/database.js';
import { MIGRATIONS } from '../../../../main/storage/migrations/index.js';
import type { FoldReport, Scores } from '../../../../shared/api/domains/models.js';
import { modelParamsSchema, ModelFormatError } from '../../../../shared/models/model.js';

const SCORES: Scores = {
  accuracy: 0.6,
  precision: 0.55,
  recall: 0.5,
  f1: 0.52,
  logLoss: 0.66,
  rocAuc: 0.64,
  mse: null,
  correlation: null,
  backtestSharpe: 1.2,
  backtestReturn: 0.01,
};

const FOLD: FoldReport = {
  fold: 0,
  trainRows: 100,
  testRows: 50,
  purged: 5,
  embargoed: 0,
  testFrom: 1000,
  testTo: 2000,
  scores: SCORES,
  curve: { trainLoss: [0.7, 0.6], validLoss: [0.69, null] },
  confusion: [
    [20, 5],
    [10, 15],
  ],
  roc: { fpr: [0, 0.5, 1], tpr: [0, 0.7, 1] },
};

function model(
  name: string,
  overrides: Partial<NewModel['info']> = {},
  artifact?: NewModel['artifact'],
): NewModel {
  return {
    info: {
      name,
      kind: 'gbdt',
      createdAt: 1_000,
      instrument: 'demo:DEMO/USD',
      featureSetId: 'set-1',
      featureSetHash: 'abc123',
      from: 0,
      to: 60_000,
      label: { kind: 'fixed-horizon', horizon: 5, threshold: 0 },
      params: modelParamsSchema.parse({ kind: 'gbdt', trees: 7 }),
      validation: { scheme: 'walk-forward', folds: 3, embargo: 2, anchored: false },
      scores: SCORES,
      backend: 'cpu',
      trainingMs: 123.5,
      codeVersion: '0.1.0',
      searchId: null,
      columns: ['a', 'b'],
      ...overrides,
    },
    folds: [FOLD],
    normalization: {
      method: 'zscore',
      columns: ['a', 'b'],
      center: [1, null],
      scale: [2, null],
      count: [10, 0],
      trainFrom: 0,
      trainTo: 60_000,
    },
    artifact: artifact ?? { format: 'json', kind: 'gbdt', json: '{"trees":[]}' },
  };
}

describe('model registry (migration 0008)', () => {
  let db: SqliteDatabase;
  let registry: ModelRegistry;

  beforeEach(() => {
    db = openDatabase(':memory:', { migrations: MIGRATIONS });
    registry = new ModelRegistry(db);
  });

  afterEach(() => {
    db.close();
  });

  it('creates STRICT models, model_searches and model_trials tables at version 8', () => {
    expect(userVersion(db)).toBeGreaterThanOrEqual(8);
    const strict = db
      .prepare("SELECT name FROM pragma_table_list WHERE name LIKE 'model%' AND strict = 1 ORDER BY name")
      .pluck()
      .all();
    expect(strict).toEqual(['model_searches', 'model_trials', 'models']);
  });

  it('refuses an artifact row without what its format needs', () => {
    const insert = (format: string, json: string | null) =>
      db
        .prepare(
          `INSERT INTO models (name, kind, created_at, instrument, feature_set_id, feature_set_hash, from_ts, to_ts,
           columns, label, params, validation, scores, folds, backend, training_ms, code_version, normalization, format, artifact_json)
           VALUES ('m', 'gbdt', 1, 'i', 's', 'h', 0, 1, '[]', '{}', '{}', '{}', '{}', '[]', 'cpu', 1, 'v', '{}', ?, ?)`,
        )
        .run(format, json);
    expect(insert('json', '{}').changes).toBe(1);
    expect(() => insert('json', null)).toThrow(/CHECK/);
    expect(() => insert('tfjs', '{}')).toThrow(/CHECK/);
  });

  it('keeps every lineage field, the per-fold reports and the normalisation', () => {
    const input = model('first');
    const id = registry.insert(input);
    expect(registry.info(id)).toEqual({ id, ...input.info });
    const detail = registry.detail(id);
    expect(detail?.folds).toEqual([FOLD]);
    expect(detail?.bytes).toBe('{"trees":[]}'.length);
    const loaded = registry.load(id);
    expect(loaded?.normalization).toEqual(input.normalization);
    expect(loaded?.artifact).toEqual(input.artifact);
    expect(registry.info(id + 1)).toBeNull();
    expect(registry.load(id + 1)).toBeNull();
  });

  it('stores a TensorFlow.js artifact as topology, weight specs and one weights blob', () => {
    const weights = new Float32Array([1.5, -2, 3.25]);
    const artifact = {
      format: 'tfjs' as const,
      kind: 'lstm' as const,
      modelTopology: { class_name: 'Sequential', config: { layers: [] } },
      weightSpecs: [{ name: 'dense/kernel', shape: [3], dtype: 'float32' }],
      weightData: weights.buffer,
      meta: { classes: 2 },
    };
    const id = registry.insert(
      model(
        'net',
        { kind: 'lstm', params: modelParamsSchema.parse({ kind: 'lstm' }), backend: 'wasm' },
        artifact,
      ),
    );
    const loaded = registry.load(id);
    if (loaded?.artifact.format !== 'tfjs') throw new Error('expected a tfjs artifact');
    expect(loaded.artifact.modelTopology).toEqual(artifact.modelTopology);
    expect(loaded.artifact.weightSpecs).toEqual(artifact.weightSpecs);
    expect(loaded.artifact.meta).toEqual({ classes: 2 });
    expect(Array.from(new Float32Array(loaded.artifact.weightData))).toEqual([1.5, -2, 3.25]);
    expect(loaded.info.backend).toBe('wasm');
  });

  it('lists newest first, matching name, kind, instrument or feature-set hash', () => {
    const a = registry.insert(model('alpha', { createdAt: 1 }));
    const b = registry.insert(model('beta', { createdAt: 2, featureSetHash: 'ffee99' }));
    const c = registry.insert(
      model('gamma', {
        createdAt: 3,
        kind: 'random-forest',
        params: modelParamsSchema.parse({ kind: 'random-forest' }),
      }),
    );
    expect(registry.list('', 10).map((m) => m.id)).toEqual([c, b, a]);
    expect(registry.list('', 2).map((m) => m.id)).toEqual([c, b]);
    expect(registry.list('ALPHA', 10).map((m) => m.id)).toEqual([a]);
    expect(registry.list('FFEE', 10).map((m) => m.id)).toEqual([b]);
    expect(registry.list('forest', 10).map((m) => m.id)).toEqual([c]);
    expect(registry.list('demo:DEMO', 10)).toHaveLength(3);
  });

  it('deletes a model once', () => {
    const id = registry.insert(model('gone'));
    expect(registry.delete(id)).toBe(true);
    expect(registry.delete(id)).toBe(false);
    expect(registry.info(id)).toBeNull();
  });

  it('refuses to load a model whose normalisation is corrupt, saying so', () => {
    const id = registry.insert(model('bad'));
    db.prepare('UPDATE models SET normalization = \'{"method":"minmax"}\' WHERE id = ?').run(id);
    expect(() => registry.load(id)).toThrow(ModelFormatError);
    expect(() => registry.load(id)).toThrow(/model \d+: invalid normalisation/);
  });

  it('records searches with every trial and the best model, forgetting a deleted best', () => {
    const searchId = registry.createSearch({
      createdAt: 5,
      name: 's',
      method: 'tpe',
      kind: 'gbdt',
      request: { x: 1 },
    });
    const modelId = registry.insert(model('trial 0', { searchId }));
    registry.recordTrial(searchId, {
      trial: 0,
      params: { depth: 3 },
      state: 'running',
      value: null,
      modelId: null,
      error: null,
    });
    registry.recordTrial(searchId, {
      trial: 1,
      params: { depth: 5 },
      state: 'pruned',
      value: null,
      modelId: null,
      error: null,
    });
    registry.recordTrial(searchId, {
      trial: 0,
      params: { depth: 3 },
      state: 'complete',
      value: 0.61,
      modelId,
      error: null,
    });
    registry.recordTrial(searchId, {
      trial: 2,
      params: { depth: 9 },
      state: 'failed',
      value: Number.NaN,
      modelId: null,
      error: 'boom',
    });
    registry.setBestModel(searchId, modelId);
    expect(registry.search(searchId)).toEqual({
      id: searchId,
      createdAt: 5,
      method: 'tpe',
      kind: 'gbdt',
      bestModelId: modelId,
      trials: [
        { trial: 0, params: { depth: 3 }, state: 'complete', value: 0.61, modelId, error: null },
        { trial: 1, params: { depth: 5 }, state: 'pruned', value: null, modelId: null, error: null },
        { trial: 2, params: { depth: 9 }, state: 'failed', value: null, modelId: null, error: 'boom' },
      ],
    });
    registry.delete(modelId);
    const after = registry.search(searchId);
    expect(after?.bestModelId).toBeNull();
    expect(after?.trials[0]?.modelId).toBeNull();
    expect(registry.search(searchId + 1)).toBeNull();
  });
});
