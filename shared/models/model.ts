import { z } from 'zod';

/**
 * The contract every model of the workstation keeps, whatever computes it (histogram GBDT and
 * random forest in TypeScript, TensorFlow.js networks, a stacking ensemble): how its labels are
 * defined, which hyper-parameters it takes, how it predicts and how it is stored. Trainers live
 * beside their model family (shared/models/trees, shared/models/nets); the training worker and
 * the registry only see what is in this file.
 *
 * Classes are always [down, flat, up] = [0, 1, 2]; a two-class label is [down, up] = [0, 1].
 */

export const CLASS_NAMES_3 = ['down', 'flat', 'up'] as const;
export const CLASS_NAMES_2 = ['down', 'up'] as const;

/** What a label is, in rows of the feature matrix (its sampling), never wall-clock guesses. */
export const labelSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    /** Return over the next `horizon` rows: up if > threshold, down if < -threshold, else flat. */
    kind: z.literal('fixed-horizon'),
    horizon: z.number().int().min(1).max(100_000),
    /** Fractional return (0.001 = 10 bps); 0 gives two classes, down (<= 0) and up. */
    threshold: z.number().min(0).max(1),
  }),
  z.strictObject({
    /**
     * López de Prado's triple barrier: up if the price first touches entry * (1 + upper * vol),
     * down if it first touches entry * (1 - lower * vol), flat if neither within `horizon` rows.
     * vol = std of one-row log returns over the previous `volWindow` rows (no look-ahead).
     */
    kind: z.literal('triple-barrier'),
    horizon: z.number().int().min(1).max(100_000),
    upper: z.number().positive().max(100),
    lower: z.number().positive().max(100),
    volWindow: z.number().int().min(2).max(100_000),
  }),
  z.strictObject({
    /** Regression target: log return over the next `horizon` rows. */
    kind: z.literal('forward-return'),
    horizon: z.number().int().min(1).max(100_000),
  }),
  z.strictObject({
    /**
     * The trader's own marks (annotations.* of the set's instrument): rows inside a range mark
     * labelled `up`, or the row a point mark labelled `up` falls in, are up; those of `down`
     * marks down; every other row flat, or down when `down` is null (two classes: marked or
     * not). A mark's label is decided at its end, so purging treats it as the row's label end
     * (shared/models/annotation-labels.ts). `horizon` rows are what the fold backtests hold.
     */
    kind: z.literal('annotations'),
    horizon: z.number().int().min(1).max(100_000),
    up: z.string().trim().min(1).max(64),
    down: z.string().trim().min(1).max(64).nullable(),
  }),
]);
export type LabelSpec = z.infer<typeof labelSpecSchema>;

/**
 * A labelled dataset over a feature matrix. Row i is known at `ts[i]` and its label is decided
 * at `labelEnd[i]` (>= ts[i]): purging drops training rows whose [ts, labelEnd] overlaps a test
 * window. Rows without a label (the last `horizon` rows, missing prices) are not in it.
 */
export interface Dataset {
  readonly columns: readonly string[];
  readonly ts: Float64Array;
  readonly labelEnd: Float64Array;
  /** Row-major [rows, columns]; NaN = missing. */
  readonly x: Float64Array;
  /** Class index per row (classification) or the target (regression), as float. */
  readonly y: Float64Array;
  /** 2 or 3 for classification, 0 for regression. */
  readonly classes: number;
  /** Forward log return of every row over the label horizon (for the ML backtest and regression heads). */
  readonly forwardReturn: Float64Array;
}

export const MODEL_KINDS = [
  'lstm',
  'bilstm-attention',
  'transformer',
  'cnn-lstm',
  'gbdt',
  'random-forest',
  'stacking',
] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];
/** Sequence models see [T, F] windows; tabular models one row. */
export const SEQUENCE_KINDS: readonly ModelKind[] = ['lstm', 'bilstm-attention', 'transformer', 'cnn-lstm'];
export const isSequenceKind = (kind: ModelKind): boolean => SEQUENCE_KINDS.includes(kind);

const common = {
  /** Class weights inversely proportional to class frequency in the training rows. */
  classWeights: z.boolean().default(true),
  /** Oversampling of the minority classes among TRAINING rows only (never validation). */
  oversample: z.enum(['none', 'random', 'smote']).default('none'),
  seed: z.number().int().nonnegative().default(1),
};

const netCommon = {
  ...common,
  window: z.number().int().min(1).max(512).default(32),
  epochs: z.number().int().min(1).max(10_000).default(30),
  batchSize: z.number().int().min(1).max(65_536).default(128),
  learningRate: z.number().positive().max(1).default(0.001),
  dropout: z.number().min(0).max(0.9).default(0.1),
  l2: z.number().min(0).max(1).default(0),
  /** Stop when validation loss has not improved for this many epochs (0 = never). */
  patience: z.number().int().min(0).max(1000).default(5),
  loss: z.enum(['crossentropy', 'focal']).default('crossentropy'),
  focalGamma: z.number().min(0).max(10).default(2),
};

export const modelParamsSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('lstm'),
    units: z.number().int().min(1).max(1024).default(32),
    ...netCommon,
  }),
  z.strictObject({
    kind: z.literal('bilstm-attention'),
    units: z.number().int().min(1).max(1024).default(32),
    ...netCommon,
  }),
  z.strictObject({
    kind: z.literal('transformer'),
    modelDim: z.number().int().min(4).max(1024).default(32),
    heads: z.number().int().min(1).max(32).default(4),
    layers: z.number().int().min(1).max(12).default(2),
    ffDim: z.number().int().min(4).max(4096).default(64),
    ...netCommon,
  }),
  z.strictObject({
    kind: z.literal('cnn-lstm'),
    filters: z.number().int().min(1).max(512).default(16),
    kernel: z.number().int().min(1).max(64).default(3),
    units: z.number().int().min(1).max(1024).default(32),
    /** Weight of the return-regression head's loss beside the direction head's. */
    regressionWeight: z.number().min(0).max(100).default(0.5),
    ...netCommon,
  }),
  z.strictObject({
    kind: z.literal('gbdt'),
    trees: z.number().int().min(1).max(10_000).default(100),
    depth: z.number().int().min(1).max(16).default(6),
    /** Depth-wise splits every node of a level; leaf-wise splits the best-gain leaf until `leaves`. */
    growth: z.enum(['depth-wise', 'leaf-wise']).default('depth-wise'),
    /** Most leaves per tree when growing leaf-wise (depth still caps it). */
    leaves: z.number().int().min(2).max(65_536).default(31),
    learningRate: z.number().positive().max(1).default(0.1),
    bins: z.number().int().min(2).max(255).default(64),
    minLeaf: z.number().int().min(1).default(20),
    l2: z.number().min(0).default(1),
    rowSample: z.number().gt(0).max(1).default(1),
    colSample: z.number().gt(0).max(1).default(1),
    /** Stop when validation loss has not improved for this many trees (0 = never). */
    patience: z.number().int().min(0).default(10),
    ...common,
  }),
  z.strictObject({
    kind: z.literal('random-forest'),
    trees: z.number().int().min(1).max(10_000).default(100),
    depth: z.number().int().min(1).max(32).default(8),
    bins: z.number().int().min(2).max(255).default(64),
    minLeaf: z.number().int().min(1).default(5),
    /** Features tried per split, as a fraction of all (sqrt(F)/F when null). */
    colSample: z.number().gt(0).max(1).nullable().default(null),
    rowSample: z.number().gt(0).max(1).default(1),
    ...common,
  }),
  z.strictObject({
    kind: z.literal('stacking'),
    /** Base learners; the meta-learner (logistic regression) sees only their out-of-fold predictions. */
    base: z
      .array(z.enum(['gbdt', 'random-forest']))
      .min(1)
      .max(8)
      .default(['gbdt', 'random-forest']),
    folds: z.number().int().min(2).max(20).default(5),
    ...common,
  }),
]);
export type ModelParams = z.infer<typeof modelParamsSchema>;
export type ModelParamsOf<K extends ModelKind> = Extract<ModelParams, { kind: K }>;

/**
 * A trained model as the worker uses it. `predict` is synchronous so live inference costs one
 * call per row; it writes `rows * outputs` numbers (class probabilities, or the regression
 * value) into `out`. Sequence models read `rows` windows of [window, width] row-major.
 */
export interface TrainedModel {
  readonly kind: ModelKind;
  /** Feature columns in the order `predict` expects them. */
  readonly columns: readonly string[];
  /** Rows per input: 1 for tabular models, the window length for sequence models. */
  readonly window: number;
  /** 2 or 3 class probabilities, or 1 for regression. */
  readonly outputs: number;
  predict(x: Float64Array, rows: number, out?: Float64Array): Float64Array;
  /** The stored form (see ModelArtifact). */
  save(): Promise<ModelArtifact>;
  /** Frees what it holds (tensors); predicting afterwards throws. */
  dispose(): void;
}

/** Models that can say how unsure they are (MC dropout, ensemble spread). */
export interface UncertainModel extends TrainedModel {
  /** Per row: the std across `samples` stochastic passes (or ensemble members) of the top class probability. */
  uncertainty(x: Float64Array, rows: number, samples: number): Float64Array;
}

/** Networks with attention expose the weights behind one prediction. */
export interface AttentiveModel extends TrainedModel {
  /** [heads, window, window] (transformer, per layer stacked) or [window] (attention pooling). */
  attention(x: Float64Array): { readonly shape: readonly number[]; readonly weights: Float32Array };
}

/**
 * The stored form of a model, independent of where it is kept (SQLite blob, exported folder).
 * `tfjs`: TensorFlow.js layers format (model.json topology + weights manifest, one binary
 * weights buffer); `json`: a plain JSON document (trees, ensembles), with any nested artifacts.
 */
export type ModelArtifact =
  | {
      readonly format: 'tfjs';
      readonly kind: ModelKind;
      readonly modelTopology: unknown;
      readonly weightSpecs: unknown;
      readonly weightData: ArrayBuffer;
      /** Extra state the network needs besides its layers (e.g. the output layout). */
      readonly meta: Record<string, unknown>;
    }
  | { readonly format: 'json'; readonly kind: ModelKind; readonly json: string };

/** A model file that cannot be read: the message names what is wrong. */
export class ModelFormatError extends Error {
  override readonly name = 'ModelFormatError';
}

/** Progress of a training run, per epoch (networks) or per tree / fold (trees). */
export interface TrainingProgress {
  readonly step: number;
  readonly steps: number;
  readonly unit: 'epoch' | 'tree' | 'fold';
  readonly trainLoss: number;
  /** NaN when there is no validation set. */
  readonly validLoss: number;
  /** Extra curves (accuracy, AUC ...), NaN where unknown. */
  readonly metrics: Readonly<Record<string, number>>;
}

export interface TrainOptions {
  /** Checked between steps (an AbortSignal fits; shared/ has no DOM or Node types). */
  readonly signal?: { readonly aborted: boolean };
  readonly onProgress?: (progress: TrainingProgress) => void;
}
