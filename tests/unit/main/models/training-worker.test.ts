import { describe, expect, it } from 'vitest';
import { backtestCostsSchema } from '../../../../shared/api/domains/backtests.js';
import type { FoldReport } from '../../../../shared/api/domains/models.js';
import type { CandleSeries } from '../../../../shared/backtest/engine.js';
import { modelParamsSchema } from '../../../../shared/models/model.js';
import type { FromTrainingWorker, TrainRequest } from '../../../../shared/models/training-protocol.js';
import { loadStackingModel } from '../../../../shared/models/stacking.js';
import { loadTreeModel } from '../../../../shared/models/trees/artifact.js';
import {
  fitOnRows,
  foldBacktest,
  foldScores,
  holdout,
  inputsOf,
  labelledData,
  train,
  validationFolds,
  type TrainingData,
} from '../../../../worker/training.js';
import { upProbability } from '../../../../shared/models/up-probability.js';

const HORIZON = 3;

/** Rows 1 s apart; row i's label ends HORIZON rows later; x = [i, signal], y = signal > 0. */
function data(rows: number, options: { windows?: number } = {}): TrainingData {
  const ts = Float64Array.from({ length: rows }, (_, i) => 1_000 * i);
  const labelEnd = Float64Array.from(ts, (t) => t + HORIZON * 1_000);
  const x = new Float64Array(rows * 2);
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const signal = Math.sin(i * 1.7) + 0.1 * Math.cos(i * 0.3);
    x[i * 2] = i;
    x[i * 2 + 1] = signal;
    y[i] = signal > 0 ? 1 : 0;
  }
  const window = options.windows ?? 1;
  return {
    columns: ['index', 'signal'],
    width: 2,
    rows,
    classes: 2,
    ts,
    labelEnd,
    x,
    y,
    forwardReturn: Float64Array.from(y, (v) => (v > 0 ? 0.001 : -0.001)),
    windows: options.windows === undefined ? null : new Float32Array(rows * window * 2).fill(Number.NaN),
    window,
  };
}

describe('validation folds of the training worker', () => {
  it('walk-forward: folds + 1 blocks, each test block trained on the block before it, minus the purge', () => {
    const folds = validationFolds(data(400), {
      scheme: 'walk-forward',
      folds: 3,
      embargo: 10,
      anchored: false,
    });
    expect(folds).toHaveLength(3);
    folds.forEach((fold, k) => {
      expect(fold.test[0]).toBe(100 * (k + 1));
      expect(fold.test.length).toBe(100);
      // Rows whose label (3 rows ahead) ends inside the test block are purged: exactly HORIZON.
      expect(fold.purged).toBe(HORIZON);
      expect(fold.embargoed).toBe(0);
      expect(fold.train.length).toBe(100 - HORIZON);
      expect(fold.train[fold.train.length - 1]).toBe(100 * (k + 1) - HORIZON - 1);
    });
  });

  it('anchored walk-forward trains on everything before the test block', () => {
    const folds = validationFolds(data(400), {
      scheme: 'walk-forward',
      folds: 3,
      embargo: 0,
      anchored: true,
    });
    expect(folds.map((f) => f.train.length)).toEqual([100 - HORIZON, 200 - HORIZON, 300 - HORIZON]);
    expect(folds.map((f) => f.train[0])).toEqual([0, 0, 0]);
  });

  it('k-fold: counts the purge around each test block and the embargo after it separately', () => {
    const folds = validationFolds(data(300), { scheme: 'k-fold', folds: 3, embargo: 7, anchored: false });
    const middle = folds[1];
    if (middle === undefined) throw new Error('no middle fold');
    expect(middle.test[0]).toBe(100);
    // Before the block its last HORIZON rows' labels reach into it; after it, the first HORIZON
    // rows start before the block's last label ends. The embargo (7 rows after the block)
    // drops what the purge has not already.
    expect(middle.purged).toBe(HORIZON + HORIZON);
    expect(middle.embargoed).toBe(7 - HORIZON);
    expect(middle.train.length).toBe(200 - middle.purged - middle.embargoed);
    for (const row of middle.train) expect(row < 100 - HORIZON || row >= 207).toBe(true);
  });

  it('refuses too few rows for the folds asked', () => {
    expect(() =>
      validationFolds(data(5), { scheme: 'walk-forward', folds: 3, embargo: 0, anchored: false }),
    ).toThrow(/too few/);
  });
});

describe('holdout and normalisation', () => {
  it('holds out the latest fifth of the training rows, purging the fit rows whose labels reach into it', () => {
    const d = data(200);
    const trainRows = Int32Array.from({ length: 100 }, (_, i) => i);
    const { fit, valid } = holdout(d, trainRows);
    expect(valid?.[0]).toBe(80);
    expect(valid?.length).toBe(20);
    expect(fit.length).toBe(80 - HORIZON);
  });

  it('fits the normalisation on the given rows only', () => {
    const d = data(200);
    const rows = Int32Array.from({ length: 50 }, (_, i) => i);
    const stats = fitOnRows(d, rows, 'zscore');
    // Column 0 is the row index: mean of 0..49.
    expect(stats.center[0]).toBeCloseTo(24.5, 12);
    expect(stats.count).toEqual([50, 50]);
  });

  it('gives networks 0 for a missing value and trees NaN', () => {
    const d = data(10, { windows: 2 });
    const stats = fitOnRows(d, Int32Array.from([0, 1, 2, 3]), 'zscore');
    expect(Array.from(inputsOf(d, stats, Int32Array.from([5]), true))).toEqual([0, 0, 0, 0]);
    expect(inputsOf(d, stats, Int32Array.from([5]), false).every(Number.isNaN)).toBe(true);
  });
});

describe('what the ML backtest trades on', () => {
  it('reads P(up | the price moves) from three classes and the up column from two', () => {
    const three = upProbability(Float64Array.from([0.2, 0.7, 0.1, 0.1, 0.3, 0.6]), 3, 2, 1);
    expect(three[0]).toBeCloseTo(1 / 3, 15);
    expect(three[1]).toBeCloseTo(6 / 7, 15);
    expect(Array.from(upProbability(Float64Array.from([0.4, 0.6]), 2, 1, 1))).toEqual([0.6]);
    expect(upProbability(Float64Array.from([0]), 0, 1, 0.01)[0]).toBe(0.5);
  });

  function candles(closes: number[]): CandleSeries {
    const n = closes.length;
    return {
      length: n,
      barMs: 1_000,
      openTime: Float64Array.from({ length: n }, (_, i) => i * 1_000),
      open: Float64Array.from(closes, (c, i) => closes[i - 1] ?? c),
      high: Float64Array.from(closes, (c, i) => Math.max(c, closes[i - 1] ?? c)),
      low: Float64Array.from(closes, (c, i) => Math.min(c, closes[i - 1] ?? c)),
      close: Float64Array.from(closes),
      volume: new Float64Array(n).fill(1),
    };
  }
  const costs = backtestCostsSchema.parse({ fees: { maker: 0, taker: 0 } });

  it('earns on a rising market when the model says up, and trades nothing at 0.5', () => {
    const closes = Array.from({ length: 50 }, (_, i) => 100 + i);
    const ts = Float64Array.from({ length: 50 }, (_, i) => i * 1_000);
    const up = foldBacktest(candles(closes), ts, new Float64Array(50).fill(0.9), costs);
    expect(up?.totalReturn).toBeGreaterThan(0.3);
    const flat = foldBacktest(candles(closes), ts, new Float64Array(50).fill(0.5), costs);
    expect(flat?.totalReturn).toBe(0);
    const wrong = foldBacktest(candles(closes), ts, new Float64Array(50).fill(0.1), costs);
    expect(wrong?.totalReturn).toBeLessThan(-0.3);
  });

  it('stops a fold whose equity reaches zero: return -100%, no Sharpe to rank it by', () => {
    // Short all-in at 100 (collateralised 1:1), the price doubles by bar 34: equity 2C - q x p
    // reaches zero and the fold stops, ruined.
    const closes = Array.from({ length: 50 }, (_, i) => 100 + 3 * i);
    const ts = Float64Array.from({ length: 50 }, (_, i) => i * 1_000);
    const ruined = foldBacktest(candles(closes), ts, new Float64Array(50).fill(0.1), costs);
    expect(ruined).toEqual({ sharpe: Number.NaN, totalReturn: -1, ruined: true });
  });
});

describe('a training run in the worker', () => {
  /**
   * Matrix rows 1 s apart, x = [i, signal]; prices move 1% over HORIZON rows in the signal's
   * direction, so row i's label is exactly signal_i > 0 (the last HORIZON rows get none).
   */
  function request(
    rows: number,
    label: TrainRequest['dataset']['label'] = { kind: 'fixed-horizon', horizon: HORIZON, threshold: 0 },
  ): TrainRequest {
    const d = data(rows);
    const prices = new Float64Array(rows).fill(100);
    for (let i = 0; i + HORIZON < rows; i++)
      prices[i + HORIZON] = (prices[i] ?? 100) * ((d.x[i * 2 + 1] ?? 0) > 0 ? 1.01 : 0.99);
    return {
      params: modelParamsSchema.parse({ kind: 'gbdt', trees: 15, depth: 2, minLeaf: 5, patience: 0 }),
      validation: { scheme: 'walk-forward', folds: 3, embargo: 0, anchored: true },
      normalization: 'zscore',
      dataset: {
        columns: [...d.columns],
        ts: d.ts.slice().buffer,
        values: d.x.slice().buffer,
        prices: prices.buffer,
        label,
      },
      candles: null,
      costs: backtestCostsSchema.parse({}),
      finalFit: true,
    };
  }

  it('labels the matrix itself: rows for tabular models, windows for sequence models', () => {
    const rows = labelledData(request(20));
    expect(rows.rows).toBe(20 - HORIZON);
    expect(rows.windows).toBeNull();
    expect(Array.from(rows.y)).toEqual(Array.from(data(20).y.subarray(0, 20 - HORIZON)));
    expect(Array.from(rows.labelEnd.subarray(0, 2))).toEqual([HORIZON * 1_000, (HORIZON + 1) * 1_000]);
    const windows = labelledData({
      ...request(20),
      params: modelParamsSchema.parse({ kind: 'lstm', window: 4 }),
    });
    // Windows end on rows 3..16: each labelled by its last row.
    expect(windows.rows).toBe(20 - HORIZON - 3);
    expect(windows.window).toBe(4);
    expect(Array.from(windows.ts.subarray(0, 1))).toEqual([3_000]);
    expect(Array.from(windows.windows?.subarray(0, 4) ?? [])).toEqual([
      0,
      Math.fround(data(20).x[1] ?? 0),
      1,
      Math.fround(data(20).x[3] ?? 0),
    ]);
    expect(() => labelledData(request(3))).toThrow(/no labelled rows: 3 feature rows/);
  });

  it('sends per-tree progress, one report per fold and the final model fitted on all rows', async () => {
    const messages: FromTrainingWorker[] = [];
    await train(request(400), (message) => messages.push(message));
    const progress = messages.flatMap((m) => (m.type === 'progress' ? [m.payload] : []));
    expect(progress).toHaveLength(4 * 15);
    expect(progress.every((p) => p.folds === 4 && p.unit === 'tree')).toBe(true);
    const folds: FoldReport[] = messages.flatMap((m) => (m.type === 'fold' ? [m.payload] : []));
    expect(folds.map((f) => f.fold)).toEqual([0, 1, 2]);
    for (const fold of folds) {
      expect(fold.purged).toBe(HORIZON);
      expect(fold.testRows).toBe(Math.floor((400 - HORIZON) / 4));
      // The signal column decides the label: the trees find it out of sample.
      expect(fold.scores.accuracy).toBeGreaterThan(0.9);
      expect(fold.scores.rocAuc).toBeGreaterThan(0.9);
      expect(fold.scores.backtestSharpe).toBeNull();
      expect(fold.curve.trainLoss).toHaveLength(15);
    }
    const last = messages.at(-1);
    if (last?.type !== 'trained' || last.payload.artifact === null || last.payload.normalization === null)
      throw new Error('no trained model');
    expect(last.payload.backend.name).toBe('cpu');
    // The final normalisation saw every row: the mean row index of 0..399.
    expect(last.payload.normalization.center[0]).toBeCloseTo((400 - HORIZON - 1) / 2, 9);
    const model = loadTreeModel({ ...last.payload.artifact });
    expect(model.columns).toEqual(['index', 'signal']);
  });

  it.each([
    ['random-forest', { kind: 'random-forest', trees: 10, depth: 4 }],
    ['stacking', { kind: 'stacking', folds: 3 }],
  ] as const)('trains a %s through the same folds, storing a model that loads', async (kind, params) => {
    const messages: FromTrainingWorker[] = [];
    await train({ ...request(300), params: modelParamsSchema.parse(params) }, (message) =>
      messages.push(message),
    );
    const folds: FoldReport[] = messages.flatMap((m) => (m.type === 'fold' ? [m.payload] : []));
    expect(folds).toHaveLength(3);
    for (const fold of folds) expect(fold.scores.accuracy).toBeGreaterThan(0.85);
    const last = messages.at(-1);
    if (last?.type !== 'trained' || last.payload.artifact === null) throw new Error('no trained model');
    const artifact = { ...last.payload.artifact };
    expect(artifact.kind).toBe(kind);
    const model = kind === 'stacking' ? loadStackingModel(artifact) : loadTreeModel(artifact);
    expect(model.predict(Float64Array.from([0, 1, 0, -1]), 2)).toHaveLength(4);
  });

  it('scores a regression model by MSE and correlation, without classification scores', async () => {
    const messages: FromTrainingWorker[] = [];
    await train(
      {
        ...request(300, { kind: 'forward-return', horizon: HORIZON }),
        params: modelParamsSchema.parse({ kind: 'gbdt', trees: 30, depth: 3, minLeaf: 5, patience: 0 }),
        finalFit: false,
      },
      (message) => messages.push(message),
    );
    const folds: FoldReport[] = messages.flatMap((m) => (m.type === 'fold' ? [m.payload] : []));
    expect(folds).toHaveLength(3);
    for (const fold of folds) {
      expect(fold.scores.correlation).toBeGreaterThan(0.9);
      // Targets are +-log(1.01), variance 1e-4: the error is a small share of it.
      expect(fold.scores.mse).toBeLessThan(1e-5);
      expect(fold.scores.accuracy).toBeNull();
      expect(fold.confusion).toEqual([]);
      expect(fold.roc).toBeNull();
    }
    const last = messages.at(-1);
    expect(last?.type === 'trained' && last.payload.artifact).toBeNull();
  });

  it('stops between trees when its signal is aborted', async () => {
    const signal = { aborted: false };
    const messages: FromTrainingWorker[] = [];
    await expect(
      train(
        request(400),
        (message) => {
          messages.push(message);
          if (messages.length === 5) signal.aborted = true;
        },
        signal,
      ),
    ).rejects.toThrow(/aborted/);
    expect(messages.filter((m) => m.type === 'fold')).toHaveLength(0);
  });
});

describe('scores of a test fold', () => {
  it('has no ROC (null, not NaN) when the fold holds one class only, and still scores accuracy', () => {
    const all = data(20);
    const downOnly = Int32Array.from({ length: 20 }, (_, i) => i).filter((row) => all.y[row] === 0);
    const outputs = new Float64Array(downOnly.length * 2);
    for (let r = 0; r < downOnly.length; r++) outputs.set(r % 2 === 0 ? [0.8, 0.2] : [0.3, 0.7], r * 2);
    const { scores, roc } = foldScores(all, downOnly, outputs, null);
    expect(roc).toBeNull();
    expect(scores.rocAuc).toBeNull();
    expect(scores.accuracy).toBeCloseTo(Math.ceil(downOnly.length / 2) / downOnly.length, 12);
  });
});
