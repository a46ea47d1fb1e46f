import { describe, expect, it } from 'vitest';
import { applyNormalization, type NormalizationStats } from '../../../shared/features/pipeline/normalize.js';
import { modelParamsSchema, type ModelArtifact, type TrainedModel } from '../../../shared/models/model.js';
import { trainStacking } from '../../../shared/models/stacking.js';
import { trainRandomForest, type ForestModel } from '../../../shared/models/trees/forest.js';
import { trainGbdt, type GbdtModel } from '../../../shared/models/trees/gbdt.js';
import type {
  InferenceSkips,
  LivePrediction,
  ModelLoad,
} from '../../../shared/worker/feature-worker-protocol.js';
import { LiveInference, restoreModel } from '../../../worker/inference.js';

const MODEL_COLUMNS = ['a', 'b', 'c'];
/** The live set gives the model's columns in another order, plus one it does not read. */
const SET_COLUMNS = ['c', 'extra', 'a', 'b'];

/** Rows where the class is up when a + b > 0 (and c is noise), seeded. */
function learnableRows(rows: number, seed: number): { x: Float64Array; y: Float64Array } {
  let state = seed;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31 - 0.5;
  };
  const x = new Float64Array(rows * 3);
  const y = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const a = next() * 4 + 10;
    const b = next() * 2 - 3;
    x.set([a, b, next()], r * 3);
    y[r] = a - 10 + (b + 3) > 0 ? 1 : 0;
  }
  return { x, y };
}

const normalization: NormalizationStats = {
  method: 'zscore',
  // In the set's order, as features.normalization.fit gives them.
  columns: SET_COLUMNS,
  center: [0, 0, 10, -3],
  scale: [1, 1, 2, 0.5],
  count: [100, 100, 100, 100],
  trainFrom: 0,
  trainTo: 1,
};

/** The model's columns of set rows, normalised: what `predict` must be given. */
function modelInputs(setRows: Float64Array): Float64Array {
  const rows = setRows.length / SET_COLUMNS.length;
  const stats: NormalizationStats = {
    ...normalization,
    columns: MODEL_COLUMNS,
    center: [10, -3, 0],
    scale: [2, 0.5, 1],
    count: [100, 100, 100],
  };
  const raw = new Float64Array(rows * 3);
  for (let r = 0; r < rows; r++) {
    MODEL_COLUMNS.forEach((column, j) => {
      raw[r * 3 + j] = setRows[r * SET_COLUMNS.length + SET_COLUMNS.indexOf(column)] ?? Number.NaN;
    });
  }
  return applyNormalization(stats, raw);
}

/** Set rows (raw values in the set's column order) from model-order raw rows. */
function setRowsOf(x: Float64Array): Float64Array {
  const rows = x.length / 3;
  const out = new Float64Array(rows * SET_COLUMNS.length);
  for (let r = 0; r < rows; r++) {
    SET_COLUMNS.forEach((column, k) => {
      const j = MODEL_COLUMNS.indexOf(column);
      out[r * SET_COLUMNS.length + k] = j < 0 ? 42 : (x[r * 3 + j] ?? Number.NaN);
    });
  }
  return out;
}

function trainedGbdt(): GbdtModel {
  const { x, y } = learnableRows(400, 7);
  const normalized = applyNormalization(
    { ...normalization, columns: MODEL_COLUMNS, center: [10, -3, 0], scale: [2, 0.5, 1], count: [1, 1, 1] },
    x,
  );
  const params = modelParamsSchema.parse({ kind: 'gbdt', trees: 20, depth: 3, minLeaf: 5, patience: 0 });
  if (params.kind !== 'gbdt') throw new Error('gbdt params');
  return trainGbdt({ x: normalized, y, rows: 400, columns: MODEL_COLUMNS, classes: 2 }, null, params);
}

function loadRequest(artifact: ModelArtifact, overrides: Partial<ModelLoad> = {}): ModelLoad {
  return {
    modelId: 7,
    role: 'primary',
    setId: 'set-1',
    columns: SET_COLUMNS,
    artifact: artifact.format === 'json' ? artifact : { ...artifact, modelTopology: artifact.modelTopology },
    normalization: {
      ...normalization,
      columns: [...normalization.columns],
      center: [...normalization.center],
      scale: [...normalization.scale],
      count: [...normalization.count],
    },
    window: 1,
    ...overrides,
  };
}

function run(
  inference: LiveInference,
  setRows: Float64Array,
  setId = 'set-1',
): { predictions: LivePrediction[]; skipped: InferenceSkips[] } {
  const count = setRows.length / SET_COLUMNS.length;
  const ts = Float64Array.from({ length: count }, (_, i) => 1_000 * (i + 1));
  const predictions: LivePrediction[] = [];
  const skipped: InferenceSkips[] = [];
  inference.onRows(setId, ts, setRows, count, SET_COLUMNS.length, predictions, skipped);
  return { predictions, skipped };
}

describe('live inference in the feature worker', () => {
  it('predicts every live row exactly as the model predicts the normalised row directly', async () => {
    const model = trainedGbdt();
    const inference = new LiveInference({ restore: restoreModel, now: () => performance.now() });
    const loaded = await inference.load(loadRequest(await model.save()));
    expect(loaded).toEqual({
      outputs: 2,
      window: 1,
      backend: null,
      path: 'plain TypeScript',
      pathNote: null,
      uncertainty: false,
    });

    const { x } = learnableRows(50, 99);
    const setRows = setRowsOf(x);
    const { predictions, skipped } = run(inference, setRows);
    const direct = model.predict(modelInputs(setRows), 50);
    expect(predictions).toHaveLength(50);
    expect(skipped).toEqual([{ modelId: 7, missing: 0, backlog: 0 }]);
    predictions.forEach((p, i) => {
      expect(p.output).toEqual([direct[i * 2], direct[i * 2 + 1]]);
      expect(p.confidence).toBe(Math.max(direct[i * 2] ?? 0, direct[i * 2 + 1] ?? 0));
      expect(p).toMatchObject({ modelId: 7, role: 'primary', setId: 'set-1', row: i, ts: 1_000 * (i + 1) });
      expect(p.latencyMs).toBeGreaterThanOrEqual(0);
      expect(p.uncertainty).toBeNull();
    });
    // It learned the rule, so the live rows are not predicted at random.
    const hits = predictions.filter((p, i) => {
      const up = (x[i * 3] ?? 0) - 10 + ((x[i * 3 + 1] ?? 0) + 3) > 0;
      return (p.output[1] ?? 0) > 0.5 === up;
    });
    expect(hits.length).toBeGreaterThan(40);
    // Rows of another set are not this model's.
    expect(run(inference, setRows, 'set-2').predictions).toHaveLength(0);
  });

  it('skips and counts rows with a missing model input, but not a missing column it does not read', async () => {
    const inference = new LiveInference({ restore: restoreModel, now: () => performance.now() });
    await inference.load(loadRequest(await trainedGbdt().save()));
    const setRows = setRowsOf(learnableRows(10, 3).x);
    setRows[2 * 4 + 2] = Number.NaN; // row 2, column 'a'
    setRows[5 * 4 + 0] = Number.NaN; // row 5, column 'c'
    setRows[7 * 4 + 1] = Number.NaN; // row 7, column 'extra': not an input
    const { predictions, skipped } = run(inference, setRows);
    expect(predictions.map((p) => p.row)).toEqual([0, 1, 3, 4, 6, 7, 8, 9]);
    expect(skipped).toEqual([{ modelId: 7, missing: 2, backlog: 0 }]);
  });

  it('predicts only the newest rows of a burst and counts the others as backlog', async () => {
    const inference = new LiveInference({
      restore: restoreModel,
      now: () => performance.now(),
      maxRowsPerBatch: 10,
    });
    await inference.load(loadRequest(await trainedGbdt().save()));
    const { predictions, skipped } = run(inference, setRowsOf(learnableRows(25, 5).x));
    expect(predictions.map((p) => p.row)).toEqual([15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
    expect(skipped).toEqual([{ modelId: 7, missing: 0, backlog: 15 }]);
  });

  it('gives a forest the spread of its trees as uncertainty', async () => {
    const { x, y } = learnableRows(300, 11);
    const params = modelParamsSchema.parse({ kind: 'random-forest', trees: 15, depth: 4, minLeaf: 5 });
    if (params.kind !== 'random-forest') throw new Error('forest params');
    const forest: ForestModel = trainRandomForest(
      { x, y, rows: 300, columns: MODEL_COLUMNS, classes: 2 },
      null,
      params,
    );
    const inference = new LiveInference({ restore: restoreModel, now: () => performance.now() });
    const loaded = await inference.load(loadRequest(await forest.save(), { normalization: null }));
    expect(loaded.uncertainty).toBe(true);
    const rows = learnableRows(5, 13).x;
    const { predictions } = run(inference, setRowsOf(rows));
    const spread = forest.uncertainty(rows, 5, 1024);
    expect(predictions.map((p) => p.uncertainty)).toEqual(Array.from(spread));
    expect(spread.some((s) => s > 0)).toBe(true);
  });

  it('restores a stacking ensemble and predicts as it does directly', async () => {
    const { x, y } = learnableRows(300, 17);
    const params = modelParamsSchema.parse({ kind: 'stacking', folds: 3 });
    if (params.kind !== 'stacking') throw new Error('stacking params');
    const ts = Float64Array.from({ length: 300 }, (_, i) => i);
    const stacking = trainStacking(
      { x, y, rows: 300, columns: MODEL_COLUMNS, classes: 2, ts, labelEnd: ts },
      null,
      params,
    );
    const inference = new LiveInference({ restore: restoreModel, now: () => performance.now() });
    await inference.load(loadRequest(await stacking.save(), { normalization: null }));
    const rows = learnableRows(6, 19).x;
    const { predictions } = run(inference, setRowsOf(rows));
    const direct = stacking.predict(rows, 6);
    expect(predictions.map((p) => p.output)).toEqual(
      Array.from({ length: 6 }, (_, i) => [direct[i * 2], direct[i * 2 + 1]]),
    );
  });

  it('feeds sequence models the window of rows ending at each row, oldest first, and restarts it after a gap', async () => {
    // A model whose output is its input window, so the test sees exactly what it was given.
    const windowEcho: TrainedModel = {
      kind: 'lstm',
      columns: ['a'],
      window: 3,
      outputs: 3,
      predict: (x, rows, out = new Float64Array(rows * 3)) => {
        out.set(x.subarray(0, 3));
        return out;
      },
      save: () => Promise.reject(new Error('not stored')),
      dispose: () => undefined,
    };
    const inference = new LiveInference({
      restore: () => Promise.resolve({ model: windowEcho, backend: 'cpu' }),
      now: () => 0,
    });
    await inference.load(
      loadRequest({ format: 'json', kind: 'lstm', json: '{}' }, { window: 3, normalization: null }),
    );
    // Column 'a' of the set (index 2) takes 1, 2, 3, 4, NaN, 6, 7, 8, 9.
    const a = [1, 2, 3, 4, Number.NaN, 6, 7, 8, 9];
    const setRows = new Float64Array(a.length * 4);
    a.forEach((v, r) => (setRows[r * 4 + 2] = v));
    const { predictions, skipped } = run(inference, setRows);
    expect(predictions.map((p) => [p.row, p.output])).toEqual([
      [2, [1, 2, 3]],
      [3, [2, 3, 4]],
      // Row 4 is missing: no window may hold it, so the next is rows 5..7.
      [7, [6, 7, 8]],
      [8, [7, 8, 9]],
    ]);
    expect(skipped).toEqual([{ modelId: 7, missing: 1, backlog: 0 }]);
    // The window carries over to the next batch.
    const next = new Float64Array(4);
    next[2] = 10;
    expect(run(inference, next).predictions.map((p) => p.output)).toEqual([[8, 9, 10]]);
  });

  it('answers a corrupt artifact with a message saying what is wrong', async () => {
    const inference = new LiveInference({ restore: restoreModel, now: () => performance.now() });
    await expect(
      inference.load(loadRequest({ format: 'json', kind: 'gbdt', json: '{"format":"tree-model"' })),
    ).rejects.toThrow(/model 7: cannot restore it: .*JSON/i);
    const artifact = await trainedGbdt().save();
    await expect(inference.load(loadRequest(artifact, { columns: ['a', 'b'] }))).rejects.toThrow(
      'model 7 needs columns its feature set does not give: c',
    );
    await expect(inference.load(loadRequest(artifact, { window: 32 }))).rejects.toThrow(
      /windows of 1 rows, its record says 32/,
    );
    expect(inference.size).toBe(0);
  });
});
