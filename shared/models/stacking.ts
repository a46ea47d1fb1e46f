import { z } from 'zod';
import { fitLogistic, logisticProbabilities, type LogisticRegression } from './logistic.js';
import {
  ModelFormatError,
  modelParamsSchema,
  type ModelArtifact,
  type ModelParamsOf,
  type TrainedModel,
  type TrainOptions,
  type UncertainModel,
} from './model.js';
import { logLoss } from './scores.js';
import { purgedKFold, type PurgedFold } from './splits.js';
import { loadTreeModel } from './trees/artifact.js';
import { trainRandomForest } from './trees/forest.js';
import { trainGbdt } from './trees/gbdt.js';
import { abortError, checkTrainingSet, type TreeTrainingSet } from './trees/training-set.js';

/**
 * Stacking (Wolpert 1992) made honest for time series: every base learner is fitted on each
 * purged k-fold's training rows and predicts that fold's test rows, so each row gets an
 * OUT-OF-FOLD prediction from a model that never saw it nor any row whose label overlaps it.
 * The meta-learner (multinomial logistic regression on the base learners' class
 * probabilities) trains on those predictions only; in-fold predictions, which are flattered by
 * memorisation, would teach it to trust the most overfitted learner. Finally each base learner
 * is refitted on all training rows for inference.
 */

export type StackingParams = ModelParamsOf<'stacking'>;

/** Training rows with the times purging needs. */
export interface StackingTrainingSet extends TreeTrainingSet {
  readonly ts: Float64Array;
  readonly labelEnd: Float64Array;
}

/** Something that fits a tabular classifier; the trees by default, a spy in tests. */
export interface BaseLearner {
  readonly name: string;
  fit(train: TreeTrainingSet, options: TrainOptions): TrainedModel;
}

export function treeLearner(kind: 'gbdt' | 'random-forest', seed: number): BaseLearner {
  return {
    name: kind,
    fit: (train, options) =>
      kind === 'gbdt'
        ? trainGbdt(train, null, modelParamsSchema.parse({ kind, seed }) as ModelParamsOf<'gbdt'>, options)
        : trainRandomForest(
            train,
            null,
            modelParamsSchema.parse({ kind, seed }) as ModelParamsOf<'random-forest'>,
            options,
          ),
  };
}

/** Observers for tests and diagnostics. */
export interface StackingHooks {
  /** The exact matrix the meta-learner is fitted on, [rows, learners * classes]. */
  readonly onMetaFeatures?: (features: Float64Array, rows: number, width: number) => void;
}

/** Rows `rows` of a training set as their own set. */
export function subset(set: TreeTrainingSet, rows: Int32Array): TreeTrainingSet {
  const width = set.columns.length;
  const x = new Float64Array(rows.length * width);
  const y = new Float64Array(rows.length);
  const weights = set.weights === undefined ? undefined : new Float64Array(rows.length);
  rows.forEach((row, i) => {
    x.set(set.x.subarray(row * width, (row + 1) * width), i * width);
    y[i] = set.y[row] ?? Number.NaN;
    if (weights !== undefined) weights[i] = set.weights?.[row] ?? 1;
  });
  return {
    x,
    y,
    rows: rows.length,
    columns: set.columns,
    classes: set.classes,
    ...(weights === undefined ? {} : { weights }),
  };
}

/**
 * [rows, learners * classes] out-of-fold class probabilities: row i's block comes from the
 * models fitted on the fold where i is a test row. Rows in no test fold stay NaN.
 */
export function outOfFoldPredictions(
  train: StackingTrainingSet,
  learners: readonly BaseLearner[],
  folds: readonly PurgedFold[],
  options: TrainOptions = {},
): Float64Array {
  const classes = train.classes;
  const width = learners.length * classes;
  const out = new Float64Array(train.rows * width).fill(Number.NaN);
  folds.forEach((fold, f) => {
    if (options.signal?.aborted === true) throw abortError();
    const fitRows = subset(train, fold.train);
    const testRows = subset(train, fold.test);
    const losses: Record<string, number> = {};
    learners.forEach((learner, l) => {
      const model = learner.fit(fitRows, options.signal === undefined ? {} : { signal: options.signal });
      const probs = model.predict(testRows.x, testRows.rows);
      model.dispose();
      fold.test.forEach((row, i) => {
        for (let k = 0; k < classes; k++)
          out[row * width + l * classes + k] = probs[i * classes + k] ?? Number.NaN;
      });
      losses[`${learner.name}LogLoss`] = logLoss(testRows.y, probs, classes);
    });
    const values = Object.values(losses);
    options.onProgress?.({
      step: f + 1,
      steps: folds.length + 1,
      unit: 'fold',
      trainLoss: Number.NaN,
      validLoss: values.reduce((a, b) => a + b, 0) / values.length,
      metrics: losses,
    });
  });
  return out;
}

export class StackingModel implements UncertainModel {
  readonly kind = 'stacking' as const;
  readonly window = 1;
  readonly outputs: number;
  private disposed = false;

  constructor(
    readonly columns: readonly string[],
    readonly bases: readonly { readonly name: string; readonly model: TrainedModel }[],
    readonly meta: LogisticRegression,
    readonly params: StackingParams,
  ) {
    this.outputs = meta.classes;
  }

  /** [rows, learners * classes]: what the meta-learner reads. */
  baseProbabilities(x: Float64Array, rows: number): Float64Array {
    if (this.disposed) throw new Error('stacking model was disposed');
    const classes = this.outputs;
    const width = this.bases.length * classes;
    const out = new Float64Array(rows * width);
    const probs = new Float64Array(rows * classes);
    this.bases.forEach(({ model }, l) => {
      model.predict(x, rows, probs);
      for (let r = 0; r < rows; r++)
        for (let k = 0; k < classes; k++) out[r * width + l * classes + k] = probs[r * classes + k] ?? 0;
    });
    return out;
  }

  predict(x: Float64Array, rows: number, out = new Float64Array(rows * this.outputs)): Float64Array {
    return logisticProbabilities(this.meta, this.baseProbabilities(x, rows), rows, out);
  }

  /** Population std, across the first `samples` base learners, of their probability of the stacked top class. */
  uncertainty(x: Float64Array, rows: number, samples: number): Float64Array {
    const classes = this.outputs;
    const learners = Math.max(1, Math.min(samples, this.bases.length));
    const width = this.bases.length * classes;
    const base = this.baseProbabilities(x, rows);
    const stacked = logisticProbabilities(this.meta, base, rows);
    const out = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      let top = 0;
      for (let k = 1; k < classes; k++)
        if ((stacked[r * classes + k] ?? 0) > (stacked[r * classes + top] ?? 0)) top = k;
      let mean = 0;
      for (let l = 0; l < learners; l++) mean += (base[r * width + l * classes + top] ?? 0) / learners;
      let squares = 0;
      for (let l = 0; l < learners; l++) squares += ((base[r * width + l * classes + top] ?? 0) - mean) ** 2;
      out[r] = Math.sqrt(squares / learners);
    }
    return out;
  }

  async save(): Promise<ModelArtifact> {
    const bases: StackingJson['bases'] = [];
    for (const { name, model } of this.bases) {
      const artifact = await model.save();
      if (artifact.format !== 'json' || (artifact.kind !== 'gbdt' && artifact.kind !== 'random-forest')) {
        throw new Error(
          `stacking stores json tree learners; ${name} saved a ${artifact.format} ${artifact.kind}`,
        );
      }
      bases.push({ name, kind: artifact.kind, json: artifact.json });
    }
    const doc: StackingJson = {
      format: STACKING_FORMAT,
      version: 1,
      columns: [...this.columns],
      params: { ...this.params },
      meta: {
        features: this.meta.features,
        classes: this.meta.classes === 2 ? 2 : 3,
        weights: Array.from(this.meta.weights),
      },
      bases,
    };
    return { format: 'json', kind: 'stacking', json: JSON.stringify(doc) };
  }

  dispose(): void {
    this.disposed = true;
    for (const { model } of this.bases) model.dispose();
  }
}

const STACKING_FORMAT = 'stacking-model';

const stackingSchema = z.strictObject({
  format: z.literal(STACKING_FORMAT),
  version: z.literal(1),
  columns: z.array(z.string()),
  params: z.record(z.string(), z.unknown()),
  meta: z.strictObject({
    features: z.number().int().min(1),
    classes: z.union([z.literal(2), z.literal(3)]),
    weights: z.array(z.number()),
  }),
  bases: z
    .array(z.strictObject({ name: z.string(), kind: z.enum(['gbdt', 'random-forest']), json: z.string() }))
    .min(1),
});
type StackingJson = z.infer<typeof stackingSchema>;

/** Restores a saved stacking ensemble and its nested base learners. */
export function loadStackingModel(artifact: ModelArtifact): StackingModel {
  if (artifact.format !== 'json' || artifact.kind !== 'stacking') {
    throw new ModelFormatError(`expected a json stacking artifact, got ${artifact.format} ${artifact.kind}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(artifact.json);
  } catch (error) {
    throw new ModelFormatError(
      `stacking model is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const parsed = stackingSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ModelFormatError(
      `stacking model is malformed at "${issue?.path.join('.') ?? ''}": ${issue?.message ?? ''}`,
    );
  }
  const doc = parsed.data;
  const params = modelParamsSchema.safeParse({ ...doc.params, kind: 'stacking' });
  if (!params.success)
    throw new ModelFormatError(
      `stacking hyper-parameters are invalid: ${params.error.issues[0]?.message ?? ''}`,
    );
  const { features, classes, weights } = doc.meta;
  if (
    features !== doc.bases.length * classes ||
    weights.length !== classes * (features + 1) ||
    !weights.every(Number.isFinite)
  ) {
    throw new ModelFormatError(
      `stacking meta-learner does not fit ${doc.bases.length} base learners x ${classes} classes`,
    );
  }
  const bases = doc.bases.map(({ name, kind, json }, i) => {
    try {
      const model = loadTreeModel({ format: 'json', kind, json });
      if (model.outputs !== classes || model.columns.length !== doc.columns.length)
        throw new ModelFormatError(`has ${model.outputs} outputs over ${model.columns.length} columns`);
      return { name, model };
    } catch (error) {
      if (error instanceof ModelFormatError)
        throw new ModelFormatError(`stacking base learner ${i} (${name}): ${error.message}`);
      throw error;
    }
  });
  return new StackingModel(
    doc.columns,
    bases,
    { features, classes, weights: Float64Array.from(weights) },
    params.data as StackingParams,
  );
}

/**
 * Fits the ensemble: out-of-fold predictions over purged k-fold (embargo 1% of rows, as López
 * de Prado suggests), the meta-learner on them, then each base learner on all rows. `valid`
 * only feeds the progress report.
 */
export function trainStacking(
  train: StackingTrainingSet,
  valid: TreeTrainingSet | null,
  params: StackingParams,
  options: TrainOptions = {},
  learners: readonly BaseLearner[] = params.base.map((kind, i) => treeLearner(kind, params.seed + i)),
  hooks: StackingHooks = {},
): StackingModel {
  checkTrainingSet(train, 'training set');
  if (train.classes < 2)
    throw new RangeError('stacking combines classifiers: the label needs 2 or 3 classes');
  const folds = purgedKFold(train, { folds: params.folds, embargo: { rows: Math.ceil(train.rows * 0.01) } });
  const oof = outOfFoldPredictions(train, learners, folds, options);
  const width = learners.length * train.classes;
  const covered: number[] = [];
  for (let r = 0; r < train.rows; r++) if (!Number.isNaN(oof[r * width])) covered.push(r);
  const metaRows = Int32Array.from(covered);
  const metaX = new Float64Array(metaRows.length * width);
  const metaY = new Float64Array(metaRows.length);
  metaRows.forEach((row, i) => {
    metaX.set(oof.subarray(row * width, (row + 1) * width), i * width);
    metaY[i] = train.y[row] ?? 0;
  });
  hooks.onMetaFeatures?.(metaX, metaRows.length, width);
  const meta = fitLogistic(metaX, metaRows.length, width, metaY, train.classes, { l2: 1e-4 });
  if (options.signal?.aborted === true) throw abortError();
  const bases = learners.map((learner) => ({
    name: learner.name,
    model: learner.fit(train, options.signal === undefined ? {} : { signal: options.signal }),
  }));
  const model = new StackingModel(train.columns, bases, meta, params);
  const metaProbs = logisticProbabilities(meta, metaX, metaRows.length);
  options.onProgress?.({
    step: folds.length + 1,
    steps: folds.length + 1,
    unit: 'fold',
    trainLoss: logLoss(metaY, metaProbs, train.classes),
    validLoss:
      valid === null ? Number.NaN : logLoss(valid.y, model.predict(valid.x, valid.rows), train.classes),
    metrics: {},
  });
  return model;
}
