// The training worker: one thread per training run (or search trial). It receives a feature
// matrix and its row prices (transferred buffers), labels them, splits the rows with purged and
// embargoed validation, and for every fold fits the normalisation and the model on that fold's
// training rows only, scores the test rows and backtests the ML-signal strategy on the fold's
// candles; then, if asked, fits once more on every row and sends the artifact. Progress goes
// out per epoch or tree; fits are numbered 0..folds-1 for validation, `folds` for the final fit.
// Networks send a checkpoint at every improvement of their watched loss; a resumed run skips
// the fits the App already holds and continues the next one from its checkpoint. Tree learners
// have no checkpoint: a resumed GBDT, forest or stacking fold starts over (a fold takes seconds).
import { parentPort, workerData } from 'node:worker_threads';
import type { BackendInfo, FoldReport, Scores, ValidationSpec } from '../shared/api/domains/models.js';
import { CandleBacktest, type CandleSeries } from '../shared/backtest/engine.js';
import { resultMetrics } from '../shared/backtest/metrics.js';
import { MlSignal, mlSignalParams } from '../shared/backtest/strategies/ml-signal.js';
import { withSizing } from '../shared/trading/sized-strategy.js';
import { upProbability } from '../shared/models/up-probability.js';
import { PredictionFeed } from '../shared/trading/prediction-feed.js';
import {
  applyNormalization,
  fitNormalization,
  type NormalizationStats,
} from '../shared/features/pipeline/normalize.js';
import {
  isSequenceKind,
  type ModelArtifact,
  type ModelParams,
  type TrainedModel,
  type TrainOptions,
  type TrainingProgress,
} from '../shared/models/model.js';
import { oversample } from '../shared/models/imbalance.js';
import { buildDataset, sequenceDataset } from '../shared/models/labels.js';
import { argmaxRows, classificationScores, confusionMatrix, rocCurve } from '../shared/models/scores.js';
import { purgedKFold, purgedWalkForward, type PurgedFold } from '../shared/models/splits.js';
import {
  isTrainingWorker,
  toTrainingWorkerSchema,
  type CheckpointWire,
  type FromTrainingWorker,
  type TrainRequest,
} from '../shared/models/training-protocol.js';
import { trainNetwork, type NetworkTrainOptions, type SequenceData } from '../shared/models/nets/index.js';
import { trainStacking } from '../shared/models/stacking.js';
import { trainRandomForest } from '../shared/models/trees/forest.js';
import { trainGbdt } from '../shared/models/trees/gbdt.js';
import type { TreeTrainingSet } from '../shared/models/trees/training-set.js';
import { SerialHistograms, type HistogramBuilder } from '../shared/models/trees/histogram.js';
import { histogramThreadCount, histogramThreadsFor } from './models/histogram-threads.js';
import { selectBackend, settleOnCpu, useTrainingBackend } from './models/tf-backend.js';

/** Share of a fold's training rows (its latest) held out for early stopping and the pruner. */
const HOLDOUT_SHARE = 0.2;
/** Fewer held-out rows than this give no usable validation loss: train without a holdout. */
const MIN_HOLDOUT = 20;
const ROC_POINTS = 200;
/** The histogram helper thread, built beside this worker (dist/worker). */
const HISTOGRAM_HELPER = new URL('./tree-histograms.js', import.meta.url);
/** Tree learners run in plain TypeScript on the CPU, whatever TensorFlow.js backend loads. */
const TYPESCRIPT_CPU: BackendInfo = {
  name: 'cpu',
  version: 'typescript',
  simd: null,
  threads: null,
  skipped: [],
  treeThreads: histogramThreadCount(HISTOGRAM_HELPER),
};
/** Started with the first GBDT fit, one thread per core, kept for the worker's life. */
let treeHistograms: HistogramBuilder | null = null;
function histogramsForTrees(): HistogramBuilder {
  return (treeHistograms ??= histogramThreadsFor(HISTOGRAM_HELPER) ?? new SerialHistograms());
}

export type Emit = (message: FromTrainingWorker, transfer?: ArrayBuffer[]) => void;

/** The dataset as the worker holds it. */
export interface TrainingData {
  readonly columns: readonly string[];
  readonly width: number;
  readonly rows: number;
  readonly classes: number;
  readonly ts: Float64Array;
  readonly labelEnd: Float64Array;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly forwardReturn: Float64Array;
  /** Sequence models: [rows, window, width] raw values; null for tabular models. */
  readonly windows: Float32Array | null;
  readonly window: number;
}

export interface ValidationFold extends PurgedFold {
  readonly purged: number;
  readonly embargoed: number;
}

/**
 * The folds of a validation spec. Walk-forward cuts the rows into folds + 1 equal blocks and
 * tests each block after the first on the block(s) before it; k-fold tests each of k blocks on
 * all other rows. Both purge every training row whose label window reaches into the test
 * block (purge = label horizon, through labelEnd). The embargo drops rows right after a test
 * block: only k-fold trains on such rows, walk-forward never trains after its test block.
 */
export function validationFolds(data: TrainingData, spec: ValidationSpec): ValidationFold[] {
  const times = { ts: data.ts, labelEnd: data.labelEnd };
  const embargo = { rows: spec.embargo };
  if (spec.scheme === 'walk-forward') {
    const block = Math.floor(data.rows / (spec.folds + 1));
    if (block < 2)
      throw new RangeError(`${data.rows} labelled rows are too few for ${spec.folds} walk-forward folds`);
    const options = { train: block, test: block, anchored: spec.anchored, embargo };
    return purgedWalkForward(times, options)
      .slice(0, spec.folds)
      .map((fold) => {
        const testStart = fold.test[0] ?? 0;
        const candidates = spec.anchored ? testStart : Math.min(block, testStart);
        return { ...fold, purged: candidates - fold.train.length, embargoed: 0 };
      });
  }
  if (data.rows < spec.folds * 2)
    throw new RangeError(`${data.rows} labelled rows are too few for ${spec.folds} folds`);
  const purgedOnly = purgedKFold(times, { folds: spec.folds });
  return purgedKFold(times, { folds: spec.folds, embargo }).map((fold, k) => {
    const kept = purgedOnly[k]?.train.length ?? fold.train.length;
    return {
      ...fold,
      purged: data.rows - fold.test.length - kept,
      embargoed: kept - fold.train.length,
    };
  });
}

/** The fold's training rows split into rows to fit and its latest rows held out (purged between). */
export function holdout(
  data: TrainingData,
  train: Int32Array,
): { fit: Int32Array; valid: Int32Array | null } {
  const held = Math.floor(train.length * HOLDOUT_SHARE);
  if (held < MIN_HOLDOUT) return { fit: train, valid: null };
  const valid = train.slice(train.length - held);
  const validStart = data.ts[valid[0] ?? 0] ?? Number.NaN;
  const fit = train
    .slice(0, train.length - held)
    .filter((row) => (data.labelEnd[row] ?? Number.NaN) < validStart);
  return { fit, valid };
}

/** Normalisation fitted on the given rows only. */
export function fitOnRows(
  data: TrainingData,
  rows: Int32Array,
  method: NormalizationStats['method'],
): NormalizationStats {
  const ts = new Float64Array(rows.length);
  const values = new Float64Array(rows.length * data.width);
  rows.forEach((row, i) => {
    ts[i] = data.ts[row] ?? Number.NaN;
    values.set(data.x.subarray(row * data.width, (row + 1) * data.width), i * data.width);
  });
  const first = ts[0] ?? 0;
  const last = ts[ts.length - 1] ?? 0;
  return fitNormalization({ columns: data.columns, ts, values }, method, first, last + 1);
}

/**
 * Model inputs of the given rows, normalised: one row each (tabular) or its window
 * (sequence). Networks cannot take NaN: a missing or unscalable value becomes 0, the training
 * mean; trees keep NaN (they route missing values).
 */
export function inputsOf(
  data: TrainingData,
  stats: NormalizationStats,
  rows: Int32Array,
  fillMissing: boolean,
): Float64Array {
  const width = data.width;
  const perRow = data.windows === null ? width : data.window * width;
  const out = new Float64Array(rows.length * perRow);
  rows.forEach((row, i) => {
    if (data.windows === null) out.set(data.x.subarray(row * width, (row + 1) * width), i * perRow);
    else out.set(data.windows.subarray(row * perRow, (row + 1) * perRow), i * perRow);
  });
  applyNormalization(stats, out, out);
  if (fillMissing) for (let i = 0; i < out.length; i++) if (Number.isNaN(out[i])) out[i] = 0;
  return out;
}

function labelsOf(data: TrainingData, rows: Int32Array): Float64Array {
  return Float64Array.from(rows, (row) => data.y[row] ?? Number.NaN);
}

interface FitSet {
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly forwardReturn: Float64Array;
  readonly ts: Float64Array;
  readonly labelEnd: Float64Array;
  readonly rows: number;
}

/** Fits the model the params name; sequence models take windows, the others rows. */
async function fitModel(
  params: ModelParams,
  data: TrainingData,
  train: FitSet,
  valid: FitSet | null,
  options: TrainOptions,
  network: Pick<NetworkTrainOptions, 'checkpoint' | 'resumeFrom'> = {},
): Promise<TrainedModel> {
  const tree = (set: FitSet): TreeTrainingSet => ({
    x: set.x,
    y: set.y,
    rows: set.rows,
    columns: data.columns,
    classes: data.classes,
  });
  switch (params.kind) {
    case 'gbdt':
      return trainGbdt(tree(train), valid === null ? null : tree(valid), params, {
        ...options,
        histograms: histogramsForTrees(),
      });
    case 'random-forest':
      return trainRandomForest(tree(train), valid === null ? null : tree(valid), params, options);
    case 'lstm':
    case 'bilstm-attention':
    case 'transformer':
    case 'cnn-lstm': {
      const sequences = (set: FitSet): SequenceData => ({
        x: Float32Array.from(set.x),
        y: set.y,
        forwardReturn: set.forwardReturn,
        rows: set.rows,
        window: data.window,
        features: data.width,
        classes: data.classes,
        columns: data.columns,
      });
      await useTrainingBackend();
      const trained = await trainNetwork(sequences(train), valid === null ? null : sequences(valid), params, {
        ...options,
        ...network,
      });
      // The fold's predictions read synchronously, which webgpu in Node cannot.
      await settleOnCpu();
      return trained;
    }
    case 'stacking':
      // The meta-learner sees out-of-fold predictions only, from purged folds of these rows.
      return trainStacking(
        { ...tree(train), ts: train.ts, labelEnd: train.labelEnd },
        valid === null ? null : tree(valid),
        params,
        options,
      );
    default: {
      const never: never = params;
      throw new Error(`unknown model kind ${JSON.stringify(never)}`);
    }
  }
}

const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

/**
 * The ML-signal strategy on the candles of one test fold: at each bar close it sees the up
 * probability of the latest test row known by then (none before the first), sized all-in by the
 * shared sizing module (equity / (price x (1 + taker fee))), long above 0.55 and short below
 * 0.45, net of the fees given, on a spot account whose shorts are collateralised 1:1 (orders
 * beyond buying power are reduced). A fold whose equity reaches zero stops there: its return is
 * -100% and its Sharpe null, so a ruined fold never ranks best in the fold table.
 */
export function foldBacktest(
  candles: CandleSeries,
  rowTs: Float64Array,
  up: Float64Array,
  costs: TrainRequest['costs'],
): { sharpe: number; totalReturn: number; ruined: boolean } | null {
  const from = rowTs[0] ?? Number.NaN;
  const to = rowTs[rowTs.length - 1] ?? Number.NaN;
  let first = 0;
  while (first < candles.length && (candles.openTime[first] ?? 0) < from) first++;
  let end = first;
  while (end < candles.length && (candles.openTime[end] ?? 0) <= to) end++;
  if (end - first < 2) return null;
  const series: CandleSeries = {
    length: end - first,
    barMs: candles.barMs,
    openTime: candles.openTime.subarray(first, end),
    open: candles.open.subarray(first, end),
    high: candles.high.subarray(first, end),
    low: candles.low.subarray(first, end),
    close: candles.close.subarray(first, end),
    volume: candles.volume.subarray(first, end),
  };
  const price = series.close[0] ?? 0;
  if (!(price > 0)) return null;
  // The same feed paper trading reads live predictions through: a bar sees the latest test
  // row at or before its close.
  const feed = new PredictionFeed();
  for (let i = 0; i < rowTs.length; i++) feed.push(rowTs[i] ?? Number.NaN, up[i] ?? Number.NaN);
  const strategy = withSizing(new MlSignal(mlSignalParams.parse({ quantity: 1, on: 'bar' }), feed), {
    sizing: { kind: 'all-in' },
    unit: 1,
    lot: 0,
    takerFee: costs.fees.taker,
  });
  const result = new CandleBacktest({
    strategy,
    initialCash: costs.initialCash,
    fees: costs.fees,
    slippageBps: costs.slippageBps,
    candleFill: costs.candleFill,
    features: feed,
    log: 'trades',
  }).run(series);
  const metrics = resultMetrics(result, {
    periodsPerYear: (365 * 24 * 3600 * 1000) / candles.barMs,
    riskFreeRate: costs.riskFreeRate,
  });
  return {
    sharpe: result.ruined ? Number.NaN : metrics.sharpe,
    totalReturn: metrics.totalReturn,
    ruined: result.ruined,
  };
}

/** Every k-th point and the last, at most `max`. */
function thinned(values: Float64Array, max: number): number[] {
  const step = Math.max(1, Math.ceil(values.length / max));
  const out: number[] = [];
  for (let i = 0; i < values.length; i += step) out.push(values[i] ?? 0);
  const last = values[values.length - 1];
  if (values.length > 0 && (values.length - 1) % step !== 0 && last !== undefined) {
    if (out.length >= max) out.pop();
    out.push(last);
  }
  return out;
}

/** Scores of a fold's test rows: classification or regression, plus the ML backtest. */
export function foldScores(
  data: TrainingData,
  test: Int32Array,
  outputs: Float64Array,
  backtest: { sharpe: number; totalReturn: number } | null,
): { scores: Scores; confusion: number[][]; roc: FoldReport['roc'] } {
  const y = labelsOf(data, test);
  const classes = data.classes;
  const none = { accuracy: null, precision: null, recall: null, f1: null, logLoss: null, rocAuc: null };
  const bt = {
    backtestSharpe: backtest === null ? null : finiteOrNull(backtest.sharpe),
    backtestReturn: backtest === null ? null : finiteOrNull(backtest.totalReturn),
  };
  if (classes === 0) {
    let se = 0;
    let sy = 0;
    let sp = 0;
    for (let i = 0; i < y.length; i++) {
      se += ((outputs[i] ?? 0) - (y[i] ?? 0)) ** 2;
      sy += y[i] ?? 0;
      sp += outputs[i] ?? 0;
    }
    const n = y.length;
    const my = sy / n;
    const mp = sp / n;
    let cov = 0;
    let vy = 0;
    let vp = 0;
    for (let i = 0; i < n; i++) {
      const dy = (y[i] ?? 0) - my;
      const dp = (outputs[i] ?? 0) - mp;
      cov += dy * dp;
      vy += dy * dy;
      vp += dp * dp;
    }
    const scores: Scores = {
      ...none,
      mse: finiteOrNull(se / n),
      correlation: finiteOrNull(cov / Math.sqrt(vy * vp)),
      ...bt,
    };
    return { scores, confusion: [], roc: null };
  }
  const s = classificationScores(y, outputs, classes);
  const matrix = confusionMatrix(y, argmaxRows(outputs, classes), classes);
  const confusion = Array.from({ length: classes }, (_, a) =>
    Array.from(matrix.subarray(a * classes, (a + 1) * classes)),
  );
  const upClass = classes - 1;
  const upScore = Float64Array.from({ length: y.length }, (_, r) => outputs[r * classes + upClass] ?? 0);
  const curve = rocCurve(y, upScore, upClass);
  // A test fold with one class only has no ROC: its rates are NaN (no positives or no negatives).
  const roc =
    Number.isNaN(curve.fpr[curve.fpr.length - 1]) || Number.isNaN(curve.tpr[curve.tpr.length - 1])
      ? null
      : { fpr: thinned(curve.fpr, ROC_POINTS), tpr: thinned(curve.tpr, ROC_POINTS) };
  const scores: Scores = {
    accuracy: finiteOrNull(s.accuracy),
    precision: finiteOrNull(s.precision),
    recall: finiteOrNull(s.recall),
    f1: finiteOrNull(s.f1),
    logLoss: finiteOrNull(s.logLoss),
    rocAuc: finiteOrNull(s.rocAuc),
    mse: null,
    correlation: null,
    ...bt,
  };
  return { scores, confusion, roc };
}

function targetSpread(data: TrainingData, rows: Int32Array): number {
  if (data.classes !== 0 || rows.length === 0) return 1;
  let sum = 0;
  let squares = 0;
  for (const row of rows) {
    const v = data.y[row] ?? 0;
    sum += v;
    squares += v * v;
  }
  const mean = sum / rows.length;
  return Math.sqrt(Math.max(0, squares / rows.length - mean * mean));
}

/**
 * A network's training rows followed by synthetic minority windows (random copies or SMOTE
 * between same-class windows). A synthetic row's return target, which only the cnn-lstm's
 * return head reads, is the mean forward return of its class among the training rows.
 */
function oversampled(set: FitSet, data: TrainingData, params: ModelParams): FitSet {
  const perRow = set.rows === 0 ? 0 : set.x.length / set.rows;
  const all = Int32Array.from({ length: set.rows }, (_, i) => i);
  const method = params.oversample === 'smote' ? 'smote' : 'random';
  const grown = oversample(set.x, set.y, perRow, all, { method, classes: data.classes, seed: params.seed });
  const sums = new Float64Array(data.classes);
  const counts = new Float64Array(data.classes);
  for (let i = 0; i < set.rows; i++) {
    const c = set.y[i] ?? 0;
    const r = set.forwardReturn[i] ?? Number.NaN;
    if (!Number.isFinite(r)) continue;
    sums[c] = (sums[c] ?? 0) + r;
    counts[c] = (counts[c] ?? 0) + 1;
  }
  const forwardReturn = new Float64Array(grown.rows);
  forwardReturn.set(set.forwardReturn);
  for (let i = set.rows; i < grown.rows; i++) {
    const c = grown.y[i] ?? 0;
    forwardReturn[i] = (counts[c] ?? 0) > 0 ? (sums[c] ?? 0) / (counts[c] ?? 1) : 0;
  }
  // Synthetic rows have no time of their own; networks never read these (only stacking purges).
  const times = (values: Float64Array): Float64Array => {
    const out = new Float64Array(grown.rows).fill(Number.NaN);
    out.set(values);
    return out;
  };
  return {
    x: grown.x,
    y: grown.y,
    forwardReturn,
    ts: times(set.ts),
    labelEnd: times(set.labelEnd),
    rows: grown.rows,
  };
}

/** How a fit is resumed and checkpointed (networks only; tree learners ignore both). */
interface FitResume {
  /** The checkpoint this fit continues from, or null to start it afresh. */
  readonly from: CheckpointWire | null;
  readonly onCheckpoint: (artifact: ModelArtifact, epoch: number, curve: CheckpointWire['curve']) => void;
}

interface FittedRows {
  readonly model: TrainedModel;
  readonly stats: NormalizationStats;
  readonly curve: { trainLoss: (number | null)[]; validLoss: (number | null)[] };
}

/**
 * Normalisation and model fitted on `train` rows only. Boosting and networks hold out the
 * latest part of those rows: on validation folds always (its loss is the per-fold validation
 * curve and what the pruner compares), on the final fit only for early stopping (patience > 0).
 * Forests and stacking have no use for it.
 */
async function fitRows(
  request: TrainRequest,
  data: TrainingData,
  train: Int32Array,
  final: boolean,
  onProgress: (progress: TrainingProgress) => void,
  signal: { aborted: boolean },
  resume: FitResume | null = null,
): Promise<FittedRows> {
  const params = request.params;
  const net = isSequenceKind(params.kind);
  const stats = fitOnRows(data, train, request.normalization);
  const usesHoldout = 'patience' in params && (!final || params.patience > 0);
  const split = usesHoldout ? holdout(data, train) : { fit: train, valid: null };
  const set = (rows: Int32Array): FitSet => ({
    x: inputsOf(data, stats, rows, net),
    y: labelsOf(data, rows),
    forwardReturn: Float64Array.from(rows, (row) => data.forwardReturn[row] ?? Number.NaN),
    ts: Float64Array.from(rows, (row) => data.ts[row] ?? Number.NaN),
    labelEnd: Float64Array.from(rows, (row) => data.labelEnd[row] ?? Number.NaN),
    rows: rows.length,
  });
  const fitSet = set(split.fit);
  const from = net ? (resume?.from ?? null) : null;
  const curve = {
    trainLoss: from === null ? [] : from.curve.trainLoss.slice(0, from.epoch),
    validLoss: from === null ? [] : from.curve.validLoss.slice(0, from.epoch),
  };
  // Tree learners oversample inside (training-set.ts); networks get the grown rows from here.
  const trainSet =
    net && params.oversample !== 'none' && data.classes > 0 ? oversampled(fitSet, data, params) : fitSet;
  const network: Pick<NetworkTrainOptions, 'checkpoint' | 'resumeFrom'> =
    !net || resume === null
      ? {}
      : {
          checkpoint: (artifact, epoch) => {
            // The curve holds this epoch already: trainNetwork reports progress before it checkpoints.
            resume.onCheckpoint(artifact, epoch, {
              trainLoss: curve.trainLoss.slice(0, epoch),
              validLoss: curve.validLoss.slice(0, epoch),
            });
          },
          ...(from === null ? {} : { resumeFrom: { artifact: { ...from.artifact }, epoch: from.epoch } }),
        };
  const model = await fitModel(
    params,
    data,
    trainSet,
    split.valid === null ? null : set(split.valid),
    {
      signal,
      onProgress: (progress) => {
        curve.trainLoss.push(finiteOrNull(progress.trainLoss));
        curve.validLoss.push(finiteOrNull(progress.validLoss));
        onProgress(progress);
      },
    },
    network,
  );
  return { model, stats, curve };
}

async function backendFor(params: ModelParams): Promise<BackendInfo> {
  return isSequenceKind(params.kind) ? (tfBackend ??= selectBackend()) : TYPESCRIPT_CPU;
}
let tfBackend: Promise<BackendInfo> | null = null;

/**
 * The labelled rows of the posted matrix: one per row for tabular models, one window of
 * `params.window` rows (labelled by its last row, dropped if it holds a missing value) for
 * sequence models. Throws when nothing can be labelled.
 */
export function labelledData(request: TrainRequest): TrainingData {
  const wire = request.dataset;
  const matrix = {
    columns: wire.columns,
    ts: new Float64Array(wire.ts),
    values: new Float64Array(wire.values),
  };
  const prices = new Float64Array(wire.prices);
  const width = wire.columns.length;
  if (matrix.values.length !== matrix.ts.length * width || prices.length !== matrix.ts.length)
    throw new RangeError(`the matrix's ${matrix.ts.length} rows, values and prices disagree`);
  const params = request.params;
  const window = isSequenceKind(params.kind) && 'window' in params ? params.window : null;
  const marks = wire.marks ?? [];
  const sequences = window === null ? null : sequenceDataset(matrix, prices, wire.label, window, marks);
  const dataset = sequences ?? buildDataset(matrix, prices, wire.label, marks);
  const rows = dataset.ts.length;
  if (rows === 0)
    throw new RangeError(
      `no labelled rows: ${matrix.ts.length} feature rows, none with a price ${wire.label.horizon} rows ahead` +
        (window === null ? '' : ` and ${window} complete rows behind`),
    );
  return {
    columns: wire.columns,
    width,
    rows,
    classes: dataset.classes,
    ts: dataset.ts,
    labelEnd: dataset.labelEnd,
    x: dataset.x,
    y: dataset.y,
    forwardReturn: dataset.forwardReturn,
    windows: sequences === null ? null : sequences.windows,
    window: window ?? 1,
  };
}

/** The whole run: validation folds, then the final fit, messages out through `emit`. */
export async function train(
  request: TrainRequest,
  emit: Emit,
  signal: { aborted: boolean } = { aborted: false },
): Promise<void> {
  const started = performance.now();
  const data = labelledData(request);
  const backend = await backendFor(request.params);
  const folds = validationFolds(data, request.validation);
  const candles: CandleSeries | null =
    request.candles === null
      ? null
      : {
          length: new Float64Array(request.candles.openTime).length,
          barMs: request.candles.barMs,
          openTime: new Float64Array(request.candles.openTime),
          open: new Float64Array(request.candles.open),
          high: new Float64Array(request.candles.high),
          low: new Float64Array(request.candles.low),
          close: new Float64Array(request.candles.close),
          volume: new Float64Array(request.candles.volume),
        };
  const fits = folds.length + (request.finalFit ? 1 : 0);
  const foldsDone = request.resume?.foldsDone ?? 0;
  const checkpoint = request.resume?.checkpoint ?? null;
  if (foldsDone >= fits)
    throw new RangeError(
      `cannot resume after ${foldsDone} fits: the run has ${fits}, nothing is left to fit`,
    );
  if (checkpoint !== null && checkpoint.fold !== foldsDone)
    throw new RangeError(`the checkpoint is of fit ${checkpoint.fold}, the run resumes at fit ${foldsDone}`);
  /**
   * Checkpoints of fit `fold`, continuing from the stored one when it is that fit's. Only a
   * resumable run (one with `resume`) checkpoints: each costs a read-back of the weights.
   */
  const resumeOf = (fold: number): FitResume | null =>
    request.resume === undefined
      ? null
      : {
          from: checkpoint !== null && checkpoint.fold === fold ? checkpoint : null,
          onCheckpoint: (artifact, epoch, curve) => {
            const wire = { ...artifact };
            emit(
              { seq: 0, type: 'checkpoint', payload: { fold, epoch, curve, artifact: wire } },
              wire.format === 'tfjs' ? [wire.weightData] : [],
            );
          },
        };
  const progressOf = (fold: number) => (progress: TrainingProgress) => {
    emit({
      seq: 0,
      type: 'progress',
      payload: {
        fold,
        folds: fits,
        step: progress.step,
        steps: Math.max(1, progress.steps),
        unit: progress.unit,
        trainLoss: finiteOrNull(progress.trainLoss),
        validLoss: finiteOrNull(progress.validLoss),
        metrics: Object.fromEntries(Object.entries(progress.metrics).map(([k, v]) => [k, finiteOrNull(v)])),
      },
    });
  };

  for (const [index, fold] of folds.entries()) {
    if (index < foldsDone) continue;
    if (fold.train.length === 0)
      throw new RangeError(`fold ${index} has no training rows left after purging`);
    const fitted = await fitRows(
      request,
      data,
      fold.train,
      false,
      progressOf(index),
      signal,
      resumeOf(index),
    );
    const inputs = inputsOf(data, fitted.stats, fold.test, isSequenceKind(request.params.kind));
    const outputs = fitted.model.predict(inputs, fold.test.length);
    fitted.model.dispose();
    const testTs = Float64Array.from(fold.test, (row) => data.ts[row] ?? Number.NaN);
    const up = upProbability(outputs, data.classes, fold.test.length, targetSpread(data, fold.train));
    const backtest = candles === null ? null : foldBacktest(candles, testTs, up, request.costs);
    const { scores, confusion, roc } = foldScores(data, fold.test, outputs, backtest);
    emit({
      seq: 0,
      type: 'fold',
      payload: {
        fold: index,
        trainRows: fold.train.length,
        testRows: fold.test.length,
        purged: fold.purged,
        embargoed: fold.embargoed,
        testFrom: testTs[0] ?? 0,
        testTo: testTs[testTs.length - 1] ?? 0,
        scores,
        curve: fitted.curve,
        confusion,
        roc,
      },
    });
  }

  let artifact: ModelArtifact | null = null;
  let normalization: NormalizationStats | null = null;
  if (request.finalFit) {
    const all = Int32Array.from({ length: data.rows }, (_, i) => i);
    const fitted = await fitRows(
      request,
      data,
      all,
      true,
      progressOf(folds.length),
      signal,
      resumeOf(folds.length),
    );
    artifact = await fitted.model.save();
    fitted.model.dispose();
    normalization = fitted.stats;
  }
  emit(
    {
      seq: 0,
      type: 'trained',
      payload: {
        backend,
        trainingMs: performance.now() - started,
        normalization:
          normalization === null
            ? null
            : {
                ...normalization,
                columns: [...normalization.columns],
                center: [...normalization.center],
                scale: [...normalization.scale],
                count: [...normalization.count],
              },
        artifact: artifact === null ? null : { ...artifact },
      },
    },
    artifact?.format === 'tfjs' ? [artifact.weightData] : [],
  );
}

// Only a thread started as a training worker listens (the App passes TRAINING_WORKER_DATA);
// imported anywhere else (a test, another thread) this module only exports its functions.
const port = parentPort;
if (port !== null && isTrainingWorker(workerData)) {
  port.on('message', (raw: unknown) => {
    const fail = (error: unknown): void => {
      port.postMessage({
        seq: 0,
        type: 'failed',
        payload: { message: error instanceof Error ? error.message : String(error) },
      } satisfies FromTrainingWorker);
    };
    const parsed = toTrainingWorkerSchema.safeParse(raw);
    if (!parsed.success) {
      fail(new Error(`malformed request: ${parsed.error.message}`));
      return;
    }
    const message = parsed.data;
    const emit: Emit = (out, transfer = []) => {
      port.postMessage({ ...out, seq: message.seq }, transfer);
    };
    if (message.type === 'backend') {
      (tfBackend ??= selectBackend()).then((info) => {
        emit({
          seq: message.seq,
          type: 'backend',
          payload: { ...info, treeThreads: TYPESCRIPT_CPU.treeThreads },
        });
      }, fail);
      return;
    }
    train(message.payload, emit).catch(fail);
  });
}
