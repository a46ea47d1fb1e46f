import { createRng, type Rng } from '../../market/rng.js';
import type { ModelArtifact, ModelParamsOf, TrainedModel, TrainOptions } from '../model.js';
import { binRows, fitBins } from './bins.js';
import { TREE_FORMAT, TREE_FORMAT_VERSION, treeToJson, type TreeModelJson } from './codec.js';
import { growTree, type SplitCriterion } from './grow.js';
import { SerialHistograms, type HistogramBuilder } from './histogram.js';
import { leafOf, type DecisionTree } from './tree.js';
import { abortError, checkTrainingSet, prepareRows, type TreeTrainingSet } from './training-set.js';

/**
 * Histogram gradient-boosted trees (Friedman's gradient boosting with XGBoost's second-order
 * leaf values -G / (H + l2) and LightGBM's binned histograms). Objectives: softmax with one
 * tree per class per round (3 classes), logistic (2 classes, one tree per round, output
 * [down, up]), squared error (regression). Row and column subsampling come from the seeded
 * stream, so the same data and params give the same trees.
 */

export type GbdtParams = ModelParamsOf<'gbdt'>;

/** LightGBM's min_sum_hessian_in_leaf: no leaf from rows the model is already sure about. */
const MIN_HESSIAN = 1e-3;
const MIN_PROBABILITY_HESSIAN = 1e-16;

function boostingCriterion(l2: number, learningRate: number): SplitCriterion {
  return {
    channels: 2,
    score: (sums, at) => {
      const g = sums[at] ?? 0;
      return (g * g) / ((sums[at + 1] ?? 0) + l2);
    },
    admissible: (sums, at) => (sums[at + 1] ?? 0) >= MIN_HESSIAN,
    leaf: (sums, at, out) => {
      const h = (sums[at + 1] ?? 0) + l2;
      out[0] = h > 0 ? (-(sums[at] ?? 0) / h) * learningRate : 0;
    },
  };
}

/** Raw scores -> outputs: softmax (3), [1 - p, p] with p = sigmoid (2), identity (regression). */
export function scoresToOutputs(
  raw: Float64Array,
  rawAt: number,
  classes: number,
  out: Float64Array,
  outAt: number,
): void {
  if (classes === 0) {
    out[outAt] = raw[rawAt] ?? 0;
  } else if (classes === 2) {
    const p = 1 / (1 + Math.exp(-(raw[rawAt] ?? 0)));
    out[outAt] = 1 - p;
    out[outAt + 1] = p;
  } else {
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < classes; k++) max = Math.max(max, raw[rawAt + k] ?? 0);
    let sum = 0;
    for (let k = 0; k < classes; k++) {
      const e = Math.exp((raw[rawAt + k] ?? 0) - max);
      out[outAt + k] = e;
      sum += e;
    }
    for (let k = 0; k < classes; k++) out[outAt + k] = (out[outAt + k] ?? 0) / sum;
  }
}

export interface GbdtState {
  readonly columns: readonly string[];
  readonly classes: number;
  readonly baseScore: Float64Array;
  /** Round-major: tree of round r for output k at r * treesPerRound + k. */
  readonly trees: readonly DecisionTree[];
  readonly params: GbdtParams;
}

export class GbdtModel implements TrainedModel {
  readonly kind = 'gbdt' as const;
  readonly window = 1;
  readonly outputs: number;
  readonly treesPerRound: number;
  private disposed = false;
  private readonly raw: Float64Array;

  constructor(readonly state: GbdtState) {
    this.outputs = state.classes === 0 ? 1 : state.classes;
    this.treesPerRound = state.baseScore.length;
    this.raw = new Float64Array(this.treesPerRound);
  }

  get columns(): readonly string[] {
    return this.state.columns;
  }

  /** Boosting rounds kept (after early stopping). */
  get rounds(): number {
    return this.state.trees.length / this.treesPerRound;
  }

  predict(x: Float64Array, rows: number, out = new Float64Array(rows * this.outputs)): Float64Array {
    if (this.disposed) throw new Error('gbdt model was disposed');
    const width = this.state.columns.length;
    if (x.length < rows * width) throw new RangeError(`${x.length} values for ${rows} rows x ${width}`);
    const { trees, baseScore, classes } = this.state;
    const perRound = this.treesPerRound;
    for (let r = 0; r < rows; r++) {
      this.raw.set(baseScore);
      for (let t = 0; t < trees.length; t++) {
        const tree = trees[t];
        if (tree === undefined) continue;
        const k = t % perRound;
        this.raw[k] = (this.raw[k] ?? 0) + (tree.value[leafOf(tree, x, r * width)] ?? 0);
      }
      scoresToOutputs(this.raw, 0, classes, out, r * this.outputs);
    }
    return out;
  }

  save(): Promise<ModelArtifact> {
    const doc: TreeModelJson = {
      format: TREE_FORMAT,
      version: TREE_FORMAT_VERSION,
      kind: 'gbdt',
      columns: [...this.state.columns],
      classes: this.state.classes as 0 | 2 | 3,
      baseScore: Array.from(this.state.baseScore),
      treesPerRound: this.treesPerRound,
      params: { ...this.state.params },
      trees: this.state.trees.map(treeToJson),
    };
    return Promise.resolve({ format: 'json', kind: 'gbdt', json: JSON.stringify(doc) });
  }

  dispose(): void {
    this.disposed = true;
  }
}

/** Mean loss of raw scores: log loss (classes) or squared error; weighted when weights given. */
function meanLoss(
  raw: Float64Array,
  /** Softmax of `raw` when already computed (3 classes), else null. */
  known: Float64Array | null,
  y: Float64Array,
  rows: number,
  classes: number,
  weights: Float64Array | null,
): number {
  const perRound = classes === 3 ? 3 : 1;
  const probs = new Float64Array(Math.max(1, classes));
  let sum = 0;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const w = weights === null ? 1 : (weights[r] ?? 1);
    const label = y[r] ?? 0;
    let loss: number;
    if (classes === 0) {
      const d = (raw[r] ?? 0) - label;
      loss = d * d;
    } else if (known !== null) {
      loss = -Math.log(Math.max(1e-15, known[r * perRound + label] ?? 0));
    } else {
      scoresToOutputs(raw, r * perRound, classes, probs, 0);
      loss = -Math.log(Math.max(1e-15, probs[label] ?? 0));
    }
    sum += w * loss;
    total += w;
  }
  return total > 0 ? sum / total : Number.NaN;
}

function accuracyOf(raw: Float64Array, y: Float64Array, rows: number, classes: number): number {
  if (classes === 0) return Number.NaN;
  let hits = 0;
  for (let r = 0; r < rows; r++) {
    let predicted: number;
    if (classes === 2) predicted = (raw[r] ?? 0) > 0 ? 1 : 0;
    else {
      predicted = 0;
      for (let k = 1; k < 3; k++) if ((raw[r * 3 + k] ?? 0) > (raw[r * 3 + predicted] ?? 0)) predicted = k;
    }
    if (predicted === y[r]) hits++;
  }
  return hits / rows;
}

function initialScores(y: Float64Array, weights: Float64Array, rows: number, classes: number): Float64Array {
  if (classes === 0) {
    let sum = 0;
    let total = 0;
    for (let r = 0; r < rows; r++) {
      sum += (weights[r] ?? 1) * (y[r] ?? 0);
      total += weights[r] ?? 1;
    }
    return Float64Array.of(total > 0 ? sum / total : 0);
  }
  const share = new Float64Array(classes);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const label = y[r] ?? 0;
    share[label] = (share[label] ?? 0) + (weights[r] ?? 1);
    total += weights[r] ?? 1;
  }
  // Clamped so a class absent from training starts very unlikely rather than at -Infinity.
  const p = (k: number): number => Math.min(1 - 1e-6, Math.max(1e-6, (share[k] ?? 0) / total));
  if (classes === 2) return Float64Array.of(Math.log(p(1) / (1 - p(1))));
  return Float64Array.from({ length: classes }, (_, k) => Math.log(p(k)));
}

/** Softmax of every row of 3-class raw scores into `out`. */
function softmaxRows(raw: Float64Array, rows: number, out: Float64Array): void {
  for (let r = 0; r < rows; r++) scoresToOutputs(raw, r * 3, 3, out, r * 3);
}

/**
 * Fills [gradient, hessian] * weight of every row for output k. `probs` holds the softmax of
 * the round's starting scores (3 classes), computed once per round for all three trees.
 */
function fillGradients(
  raw: Float64Array,
  probs: Float64Array,
  y: Float64Array,
  weights: Float64Array,
  rows: number,
  classes: number,
  k: number,
  out: Float64Array,
): void {
  for (let r = 0; r < rows; r++) {
    const w = weights[r] ?? 1;
    const label = y[r] ?? 0;
    let g: number;
    let h: number;
    if (classes === 0) {
      g = (raw[r] ?? 0) - label;
      h = 1;
    } else if (classes === 2) {
      const p = 1 / (1 + Math.exp(-(raw[r] ?? 0)));
      g = p - label;
      h = Math.max(MIN_PROBABILITY_HESSIAN, p * (1 - p));
    } else {
      const p = probs[r * 3 + k] ?? 0;
      g = p - (label === k ? 1 : 0);
      h = Math.max(MIN_PROBABILITY_HESSIAN, p * (1 - p));
    }
    out[r * 2] = g * w;
    out[r * 2 + 1] = h * w;
  }
}

function sampleRows(rows: number, fraction: number, weights: Float64Array, rng: Rng): Int32Array {
  const kept = new Int32Array(rows);
  let n = 0;
  for (let r = 0; r < rows; r++) {
    if ((weights[r] ?? 0) <= 0) continue;
    if (fraction >= 1 || rng.next() < fraction) kept[n++] = r;
  }
  return kept.subarray(0, n);
}

/** ceil(fraction * width) distinct features, ascending. */
export function sampleFeatures(width: number, fraction: number, rng: Rng): Int32Array {
  const all = Int32Array.from({ length: width }, (_, i) => i);
  const k = Math.max(1, Math.min(width, Math.ceil(fraction * width)));
  if (k === width) return all;
  for (let i = 0; i < k; i++) {
    const j = rng.int(i, width);
    const swap = all[i] ?? 0;
    all[i] = all[j] ?? 0;
    all[j] = swap;
  }
  return all.subarray(0, k).sort();
}

export interface GbdtTrainOptions extends TrainOptions {
  /** Where node histograms are built (default: this thread); the trees do not depend on it. */
  readonly histograms?: HistogramBuilder;
}

export function trainGbdt(
  train: TreeTrainingSet,
  valid: TreeTrainingSet | null,
  params: GbdtParams,
  options: GbdtTrainOptions = {},
): GbdtModel {
  checkTrainingSet(train, 'training set');
  if (valid !== null) {
    checkTrainingSet(valid, 'validation set');
    if (valid.columns.length !== train.columns.length || valid.classes !== train.classes) {
      throw new RangeError('validation set has other columns or classes than the training set');
    }
  }
  const rng = createRng(params.seed);
  const prepared = prepareRows(train, params);
  const { x, y, rows, weights } = prepared;
  const width = train.columns.length;
  const classes = train.classes;
  const perRound = classes === 3 ? 3 : 1;
  const bins = fitBins(x, rows, width, params.bins);
  const histograms = options.histograms ?? new SerialHistograms();
  // The arrays the histogram threads read: binned rows, gradients and each tree's rows.
  const binned = histograms.bytes(rows * width);
  binned.set(binRows(bins, x, rows, width));
  const treeRowsBuffer = histograms.ints(rows);
  const baseScore = initialScores(y, weights, rows, classes);
  const raw = new Float64Array(rows * perRound);
  for (let r = 0; r < rows; r++) raw.set(baseScore, r * perRound);
  const validRaw = valid === null ? null : new Float64Array(valid.rows * perRound);
  if (valid !== null && validRaw !== null)
    for (let r = 0; r < valid.rows; r++) validRaw.set(baseScore, r * perRound);
  const criterion = boostingCriterion(params.l2, params.learningRate);
  const gradients = histograms.floats(rows * 2);
  const probs = new Float64Array(perRound > 1 ? rows * perRound : 0);
  if (perRound > 1) softmaxRows(raw, rows, probs);
  const trees: DecisionTree[] = [];
  let bestLoss = Number.POSITIVE_INFINITY;
  let bestRounds = 0;
  try {
    for (let round = 0; round < params.trees; round++) {
      if (options.signal?.aborted === true) throw abortError();
      const sample = sampleRows(rows, params.rowSample, weights, rng);
      const everyRow = sample.length === rows;
      const inSample = everyRow ? null : new Uint8Array(rows);
      if (inSample !== null) for (const r of sample) inSample[r] = 1;
      // Gradients of every output come from the scores before this round (`probs`), as in softmax boosting.
      for (let k = 0; k < perRound; k++) {
        fillGradients(raw, probs, y, weights, rows, classes, k, gradients);
        const treeRows = treeRowsBuffer.subarray(0, sample.length);
        treeRows.set(sample);
        const { tree: builder, leaves } = growTree(
          { binned, width, bins, values: gradients, sample: treeRows, histograms },
          criterion,
          {
            depth: params.depth,
            growth: params.growth,
            leaves: params.leaves,
            minLeaf: params.minLeaf,
            features: sampleFeatures(width, params.colSample, rng),
            featuresPerSplit: null,
            rng,
          },
          1,
        );
        // The rows the tree grew on sit in its leaves' ranges; only rows left out walk the tree.
        for (const leaf of leaves) {
          const value = builder.leafValue(leaf.id);
          for (let i = leaf.start; i < leaf.end; i++) {
            const at = (treeRows[i] ?? 0) * perRound + k;
            raw[at] = (raw[at] ?? 0) + value;
          }
        }
        if (inSample !== null) {
          for (let r = 0; r < rows; r++) {
            if (inSample[r] === 1) continue;
            const at = r * perRound + k;
            raw[at] = (raw[at] ?? 0) + builder.leafValue(builder.leafOfBinned(binned, width, r, bins.bins));
          }
        }
        const tree = builder.freeze();
        trees.push(tree);
        if (valid !== null && validRaw !== null) {
          for (let r = 0; r < valid.rows; r++) {
            const at = r * perRound + k;
            validRaw[at] = (validRaw[at] ?? 0) + (tree.value[leafOf(tree, valid.x, r * width)] ?? 0);
          }
        }
      }
      if (perRound > 1) softmaxRows(raw, rows, probs);
      const trainLoss = meanLoss(raw, perRound > 1 ? probs : null, y, rows, classes, weights);
      const validLoss =
        valid === null || validRaw === null
          ? Number.NaN
          : meanLoss(validRaw, null, valid.y, valid.rows, classes, null);
      options.onProgress?.({
        step: round + 1,
        steps: params.trees,
        unit: 'tree',
        trainLoss,
        validLoss,
        metrics: {
          trainAccuracy: accuracyOf(raw, y, rows, classes),
          validAccuracy:
            valid === null || validRaw === null
              ? Number.NaN
              : accuracyOf(validRaw, valid.y, valid.rows, classes),
        },
      });
      if (valid === null || params.patience === 0) continue;
      if (validLoss < bestLoss) {
        bestLoss = validLoss;
        bestRounds = round + 1;
      } else if (round + 1 - bestRounds >= params.patience) {
        break;
      }
    }
  } finally {
    // Helper threads hold the shared arrays until told; a long-lived worker trains many models.
    histograms.release(binned);
    histograms.release(gradients);
    histograms.release(treeRowsBuffer);
  }
  // Keep the rounds up to the best validation loss; later ones only fitted noise.
  if (valid !== null && params.patience > 0 && bestRounds > 0) trees.length = bestRounds * perRound;
  return new GbdtModel({ columns: train.columns, classes, baseScore, trees, params });
}
