import { z } from 'zod';
import { bookFeaturesSchema, signalSchema } from '../api/schemas.js';
import { MODEL_KINDS } from '../models/model.js';

/**
 * Typed envelopes `{seq, type, payload}` between the host and the feature worker.
 * Both sides parse what they receive; the event buffer is transferred, not copied.
 */

const encodedEventsSchema = z.object({
  buffer: z.instanceof(ArrayBuffer),
  count: z.number().int().nonnegative(),
  instruments: z.array(z.string()),
  tradeIds: z.array(z.string()),
});

/** A feature set the worker runs live: the stored id and the set as data (feature-set.ts). */
const liveSetSchema = z.object({
  id: z.string().min(1),
  set: z.object({
    name: z.string(),
    instrument: z.string(),
    features: z.array(z.object({ kind: z.string(), params: z.record(z.string(), z.unknown()) })),
    sampling: z.enum(['event', '1s', '1m', '5m', '30m']),
  }),
});
export type LiveSet = z.infer<typeof liveSetSchema>;

/** Rows one live set took during a batch: Float64 timestamps and row-major values, transferred. */
const liveRowsSchema = z.object({
  setId: z.string(),
  count: z.number().int().nonnegative(),
  width: z.number().int().nonnegative(),
  ts: z.instanceof(ArrayBuffer),
  values: z.instanceof(ArrayBuffer),
});
export type LiveRows = z.infer<typeof liveRowsSchema>;

const modelRoleSchema = z.enum(['primary', 'shadow']);

/** A ModelArtifact (shared/models/model.ts) as it crosses the thread: the weights are transferred. */
const modelArtifactSchema = z.discriminatedUnion('format', [
  z.object({
    format: z.literal('tfjs'),
    kind: z.enum(MODEL_KINDS),
    modelTopology: z.unknown(),
    weightSpecs: z.unknown(),
    weightData: z.instanceof(ArrayBuffer),
    meta: z.record(z.string(), z.unknown()),
  }),
  z.object({ format: z.literal('json'), kind: z.enum(MODEL_KINDS), json: z.string() }),
]);

/** NormalizationStats (shared/features/pipeline/normalize.ts) fitted on the model's training rows. */
const normalizationSchema = z.object({
  method: z.enum(['zscore', 'robust']),
  columns: z.array(z.string()),
  center: z.array(z.number().nullable()),
  scale: z.array(z.number().nullable()),
  count: z.array(z.number().int().nonnegative()),
  trainFrom: z.number(),
  trainTo: z.number(),
});

/** What the worker needs to run one model on a live set's rows. */
const modelLoadSchema = z.object({
  modelId: z.number().int().positive(),
  role: modelRoleSchema,
  setId: z.string().min(1),
  /** The live set's columns, in the order its rows carry them (the model picks its own by name). */
  columns: z.array(z.string()),
  artifact: modelArtifactSchema,
  /** null: the model takes raw feature values. */
  normalization: normalizationSchema.nullable(),
  /** Rows per input (1 for tabular models); checked against the restored model. */
  window: z.number().int().positive(),
});
export type ModelLoad = z.infer<typeof modelLoadSchema>;

/** One prediction on one live row; `row` is the row's index among this batch's rows of its set. */
const livePredictionSchema = z.object({
  modelId: z.number().int().positive(),
  role: modelRoleSchema,
  setId: z.string(),
  row: z.number().int().nonnegative(),
  ts: z.number(),
  output: z.array(z.number()),
  confidence: z.number(),
  uncertainty: z.number().nullable(),
  latencyMs: z.number().nonnegative(),
});
export type LivePrediction = z.infer<typeof livePredictionSchema>;

/** Rows a model did not predict in a batch, and why. */
const inferenceSkipsSchema = z.object({
  modelId: z.number().int().positive(),
  /** A model input was missing (NaN): warm-up, a data gap, a column it cannot scale. */
  missing: z.number().int().nonnegative(),
  /** More rows came in one batch than are worth predicting one by one: only the newest were. */
  backlog: z.number().int().nonnegative(),
});
export type InferenceSkips = z.infer<typeof inferenceSkipsSchema>;

export const toFeatureWorkerSchema = z.discriminatedUnion('type', [
  z.object({ seq: z.number().int(), type: z.literal('events'), payload: encodedEventsSchema }),
  /**
   * The sets to run from now on. A set already running keeps its state (same id and hash);
   * a new one starts empty and warms up on the live stream.
   */
  z.object({
    seq: z.number().int(),
    type: z.literal('sets'),
    payload: z.object({ sets: z.array(liveSetSchema) }),
  }),
  /** Restores a model and runs it on its set's rows from the next batch on; answered by model_loaded or model_failed. */
  z.object({ seq: z.number().int(), type: z.literal('load_model'), payload: modelLoadSchema }),
  z.object({
    seq: z.number().int(),
    type: z.literal('unload_model'),
    payload: z.object({ modelId: z.number().int().positive() }),
  }),
  z.object({ seq: z.number().int(), type: z.literal('stop'), payload: z.object({}) }),
]);
export type ToFeatureWorker = z.infer<typeof toFeatureWorkerSchema>;

export const fromFeatureWorkerSchema = z.discriminatedUnion('type', [
  /** Sent once per processed batch: latest features per instrument touched, and signals fired. */
  z.object({
    seq: z.number().int(),
    type: z.literal('processed'),
    payload: z.object({
      events: z.number().int().nonnegative(),
      features: z.array(bookFeaturesSchema),
      signals: z.array(signalSchema),
      /** Rows of the live feature sets taken in this batch (only sets that took any). */
      vectors: z.array(liveRowsSchema),
      /** The loaded models' predictions on those rows, in row order per model. */
      predictions: z.array(livePredictionSchema),
      /** Per model that saw rows: rows it did not predict. */
      skipped: z.array(inferenceSkipsSchema),
    }),
  }),
  z.object({
    seq: z.number().int(),
    type: z.literal('model_loaded'),
    payload: z.object({
      /** The seq of the load_model message it answers. */
      request: z.number().int(),
      modelId: z.number().int().positive(),
      outputs: z.number().int().positive(),
      window: z.number().int().positive(),
      /** The TensorFlow.js backend it predicts on; null for models in plain TypeScript (trees). */
      backend: z.string().nullable(),
      /** How it predicts: 'plain forward pass', 'tfjs <backend>' or 'plain TypeScript'. */
      path: z.string(),
      /** Why a network predicts through tfjs and not the plain forward pass; null otherwise. */
      pathNote: z.string().nullable(),
      /** It gives an uncertainty (MC dropout or ensemble spread). */
      uncertainty: z.boolean(),
    }),
  }),
  /** A model could not be restored (a corrupt artifact, columns the set lacks): the worker runs on. */
  z.object({
    seq: z.number().int(),
    type: z.literal('model_failed'),
    payload: z.object({
      request: z.number().int(),
      modelId: z.number().int().positive(),
      message: z.string(),
    }),
  }),
  z.object({ seq: z.number().int(), type: z.literal('failed'), payload: z.object({ message: z.string() }) }),
  /** A set could not be started (its features do not compile in this build); the others run. */
  z.object({
    seq: z.number().int(),
    type: z.literal('set_failed'),
    payload: z.object({ setId: z.string(), message: z.string() }),
  }),
]);
export type FromFeatureWorker = z.infer<typeof fromFeatureWorkerSchema>;
