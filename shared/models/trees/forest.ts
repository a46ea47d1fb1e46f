import { createRng } from '../../market/rng.js';
import type { ModelArtifact, ModelParamsOf, TrainOptions, UncertainModel } from '../model.js';
import { binRows, fitBins } from './bins.js';
import { TREE_FORMAT, TREE_FORMAT_VERSION, treeToJson, type TreeModelJson } from './codec.js';
import { growTree, type SplitCriterion } from './grow.js';
import { leafOf, type DecisionTree } from './tree.js';
import { abortError, checkTrainingSet, prepareRows, type TreeTrainingSet } from './training-set.js';

/**
 * Breiman's random forest on the same binned histograms as the boosted trees: each tree sees a
 * bootstrap of the rows (drawn with replacement, a row drawn twice counts twice) and a fresh
 * draw of features at every split; splits maximise the fall in Gini impurity (classes) or in
 * variance (regression). A prediction is the mean over trees of the leaf class shares, and the
 * spread of the trees is the forest's own uncertainty.
 */

export type ForestParams = ModelParamsOf<'random-forest'>;

/** Gini: with class weight sums c_k and W = sum c_k, impurity * W = W - sum c_k^2 / W. */
function giniCriterion(classes: number): SplitCriterion {
  return {
    channels: classes,
    score: (sums, at) => {
      let total = 0;
      let squares = 0;
      for (let k = 0; k < classes; k++) {
        const c = sums[at + k] ?? 0;
        total += c;
        squares += c * c;
      }
      return total > 0 ? squares / total : 0;
    },
    admissible: (sums, at) => {
      let total = 0;
      for (let k = 0; k < classes; k++) total += sums[at + k] ?? 0;
      return total > 0;
    },
    leaf: (sums, at, out) => {
      let total = 0;
      for (let k = 0; k < classes; k++) total += sums[at + k] ?? 0;
      for (let k = 0; k < classes; k++) out[k] = total > 0 ? (sums[at + k] ?? 0) / total : 1 / classes;
    },
  };
}

/** Variance: channels [w * y, w]; S^2 / W grows as the split explains more of the target. */
const varianceCriterion: SplitCriterion = {
  channels: 2,
  score: (sums, at) => {
    const w = sums[at + 1] ?? 0;
    return w > 0 ? (sums[at] ?? 0) ** 2 / w : 0;
  },
  admissible: (sums, at) => (sums[at + 1] ?? 0) > 0,
  leaf: (sums, at, out) => {
    const w = sums[at + 1] ?? 0;
    out[0] = w > 0 ? (sums[at] ?? 0) / w : 0;
  },
};

export interface ForestState {
  readonly columns: readonly string[];
  readonly classes: number;
  readonly trees: readonly DecisionTree[];
  readonly params: ForestParams;
}

export class ForestModel implements UncertainModel {
  readonly kind = 'random-forest' as const;
  readonly window = 1;
  readonly outputs: number;
  private disposed = false;

  constructor(readonly state: ForestState) {
    this.outputs = state.classes === 0 ? 1 : state.classes;
  }

  get columns(): readonly string[] {
    return this.state.columns;
  }

  predict(x: Float64Array, rows: number, out = new Float64Array(rows * this.outputs)): Float64Array {
    this.check(x, rows);
    const width = this.state.columns.length;
    const outputs = this.outputs;
    const trees = this.state.trees;
    out.fill(0, 0, rows * outputs);
    for (let r = 0; r < rows; r++) {
      for (const tree of trees) {
        const leaf = leafOf(tree, x, r * width) * outputs;
        for (let k = 0; k < outputs; k++)
          out[r * outputs + k] = (out[r * outputs + k] ?? 0) + (tree.value[leaf + k] ?? 0);
      }
      for (let k = 0; k < outputs; k++) out[r * outputs + k] = (out[r * outputs + k] ?? 0) / trees.length;
    }
    return out;
  }

  /**
   * Per row: the population std, over the first `samples` trees (all when more), of the
   * probability each gives the class their mean ranks first (regression: of the predictions).
   */
  uncertainty(x: Float64Array, rows: number, samples: number): Float64Array {
    this.check(x, rows);
    const width = this.state.columns.length;
    const outputs = this.outputs;
    const members = this.state.trees.slice(0, Math.max(1, Math.min(samples, this.state.trees.length)));
    const mean = new Float64Array(outputs);
    const out = new Float64Array(rows);
    const leaves = new Int32Array(members.length);
    for (let r = 0; r < rows; r++) {
      mean.fill(0);
      members.forEach((tree, m) => {
        const leaf = leafOf(tree, x, r * width) * outputs;
        leaves[m] = leaf;
        for (let k = 0; k < outputs; k++)
          mean[k] = (mean[k] ?? 0) + (tree.value[leaf + k] ?? 0) / members.length;
      });
      let top = 0;
      for (let k = 1; k < outputs; k++) if ((mean[k] ?? 0) > (mean[top] ?? 0)) top = k;
      let squares = 0;
      members.forEach((tree, m) => {
        const d = (tree.value[(leaves[m] ?? 0) + top] ?? 0) - (mean[top] ?? 0);
        squares += d * d;
      });
      out[r] = Math.sqrt(squares / members.length);
    }
    return out;
  }

  save(): Promise<ModelArtifact> {
    const doc: TreeModelJson = {
      format: TREE_FORMAT,
      version: TREE_FORMAT_VERSION,
      kind: 'random-forest',
      columns: [...this.state.columns],
      classes: this.state.classes as 0 | 2 | 3,
      baseScore: [],
      treesPerRound: 1,
      params: { ...this.state.params },
      trees: this.state.trees.map(treeToJson),
    };
    return Promise.resolve({ format: 'json', kind: 'random-forest', json: JSON.stringify(doc) });
  }

  dispose(): void {
    this.disposed = true;
  }

  private check(x: Float64Array, rows: number): void {
    if (this.disposed) throw new Error('random forest was disposed');
    const width = this.state.columns.length;
    if (x.length < rows * width) throw new RangeError(`${x.length} values for ${rows} rows x ${width}`);
  }
}

/** Features tried per split: colSample of them, or sqrt(F) (Breiman's default) when null. */
export function featuresPerSplit(width: number, colSample: number | null): number {
  const k = colSample === null ? Math.floor(Math.sqrt(width)) : Math.round(colSample * width);
  return Math.max(1, Math.min(width, k));
}

export function trainRandomForest(
  train: TreeTrainingSet,
  valid: TreeTrainingSet | null,
  params: ForestParams,
  options: TrainOptions = {},
): ForestModel {
  checkTrainingSet(train, 'training set');
  if (valid !== null) checkTrainingSet(valid, 'validation set');
  const rng = createRng(params.seed);
  const { x, y, rows, weights } = prepareRows(train, params);
  const width = train.columns.length;
  const classes = train.classes;
  const outputs = classes === 0 ? 1 : classes;
  const bins = fitBins(x, rows, width, params.bins);
  const binned = binRows(bins, x, rows, width);
  const criterion = classes === 0 ? varianceCriterion : giniCriterion(classes);
  const channels = criterion.channels;
  const values = new Float64Array(rows * channels);
  const draws = new Int32Array(rows);
  const allFeatures = Int32Array.from({ length: width }, (_, i) => i);
  const perSplit = featuresPerSplit(width, params.colSample);
  const drawn = Math.max(1, Math.round(params.rowSample * rows));
  const trees: DecisionTree[] = [];
  const validSum = valid === null ? null : new Float64Array(valid.rows * outputs);
  for (let t = 0; t < params.trees; t++) {
    if (options.signal?.aborted === true) throw abortError();
    draws.fill(0);
    for (let i = 0; i < drawn; i++) {
      const r = rng.int(0, rows);
      draws[r] = (draws[r] ?? 0) + 1;
    }
    const sample: number[] = [];
    values.fill(0);
    for (let r = 0; r < rows; r++) {
      const w = (draws[r] ?? 0) * (weights[r] ?? 1);
      if (w <= 0) continue;
      sample.push(r);
      if (classes === 0) {
        values[r * 2] = w * (y[r] ?? 0);
        values[r * 2 + 1] = w;
      } else values[r * channels + (y[r] ?? 0)] = w;
    }
    const tree = growTree(
      { binned, width, bins, values, sample: Int32Array.from(sample) },
      criterion,
      {
        depth: params.depth,
        growth: 'depth-wise',
        leaves: Number.MAX_SAFE_INTEGER,
        minLeaf: params.minLeaf,
        features: allFeatures,
        featuresPerSplit: perSplit,
        rng,
      },
      outputs,
    ).tree.freeze();
    trees.push(tree);
    let validLoss = Number.NaN;
    if (valid !== null && validSum !== null) {
      let loss = 0;
      for (let r = 0; r < valid.rows; r++) {
        const leaf = leafOf(tree, valid.x, r * width) * outputs;
        for (let k = 0; k < outputs; k++)
          validSum[r * outputs + k] = (validSum[r * outputs + k] ?? 0) + (tree.value[leaf + k] ?? 0);
        const label = valid.y[r] ?? 0;
        if (classes === 0) loss += ((validSum[r] ?? 0) / trees.length - label) ** 2;
        else loss -= Math.log(Math.max(1e-15, (validSum[r * outputs + label] ?? 0) / trees.length));
      }
      validLoss = loss / valid.rows;
    }
    options.onProgress?.({
      step: t + 1,
      steps: params.trees,
      unit: 'tree',
      trainLoss: Number.NaN,
      validLoss,
      metrics: {},
    });
  }
  return new ForestModel({ columns: train.columns, classes, trees, params });
}
