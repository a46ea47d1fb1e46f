import { z } from 'zod';
import { backtestCostsSchema } from '../api/domains/backtests.js';
import { backendInfoSchema, foldReportSchema, validationSpecSchema } from '../api/domains/models.js';
import { labelSpecSchema, MODEL_KINDS, modelParamsSchema } from './model.js';

/**
 * Messages between the App and a training worker (worker/training.ts): typed envelopes
 * {seq, type, payload}, parsed on both ends. The dataset, the candles of its range and the
 * trained weights travel as transferred ArrayBuffers (Float64 unless said otherwise), never as
 * arrays of numbers. Numbers that may be undefined (a loss before the first epoch, an AUC with
 * one class present) are null on the wire, never NaN.
 */

const buffer = z.instanceof(ArrayBuffer);
const maybeNumber = z.number().nullable();

/**
 * What a model learns from: the feature matrix over the range, the price of every row and the
 * label spec. The worker labels it (rows, or windows for sequence models) so that neither the
 * labelling nor the [rows, window, features] copy of the windows runs on the App's main thread.
 */
export const datasetWireSchema = z.object({
  columns: z.array(z.string()).min(1),
  /** Row times, ms UTC, ascending. */
  ts: buffer,
  /** Row-major [rows, columns]; NaN = missing. */
  values: buffer,
  /** Price at each row (NaN where unknown: that row gets no label). */
  prices: buffer,
  label: labelSpecSchema,
  /** The trader's marks over the range, for the "annotations" label kind (absent or empty for the others). */
  marks: z
    .array(
      z.object({
        kind: z.enum(['point', 'range']),
        from: z.number().int().nonnegative(),
        to: z.number().int().nonnegative(),
        label: z.string(),
      }),
    )
    .optional(),
});
export type DatasetWire = z.infer<typeof datasetWireSchema>;

/** The candles of the sampling timeframe over the dataset's range, for the per-fold ML backtest. */
export const candlesWireSchema = z.object({
  barMs: z.number().positive(),
  openTime: buffer,
  open: buffer,
  high: buffer,
  low: buffer,
  close: buffer,
  volume: buffer,
});
export type CandlesWire = z.infer<typeof candlesWireSchema>;

/** The loss curve of one fit so far, per epoch or tree (null where a loss was not finite). */
export const fitCurveSchema = z.object({
  trainLoss: z.array(maybeNumber),
  validLoss: z.array(maybeNumber),
});

/**
 * The latest checkpoint of the fit in progress: a network's weights at its best epoch so far
 * (1-based `epoch`), with the curve up to that epoch so the fold's report shows the whole fit.
 */
export const checkpointWireSchema = z.object({
  fold: z.number().int().nonnegative(),
  epoch: z.number().int().positive(),
  curve: fitCurveSchema,
  artifact: z.lazy(() => artifactWireSchema),
});
export type CheckpointWire = z.infer<typeof checkpointWireSchema>;

export const trainRequestSchema = z.object({
  params: modelParamsSchema,
  validation: validationSpecSchema,
  normalization: z.enum(['zscore', 'robust']),
  dataset: datasetWireSchema,
  /** Null when the range has no candles: the fold backtests are then null. */
  candles: candlesWireSchema.nullable(),
  costs: backtestCostsSchema,
  /** After validation, fit once more on every row and send the artifact (a pruned trial never gets there). */
  finalFit: z.boolean(),
  /**
   * Resuming a stopped run: the first `foldsDone` fits are skipped (the App kept their reports);
   * a checkpoint of fit `foldsDone` continues from its epoch + 1. Present (foldsDone 0, no
   * checkpoint) on a fresh run that should keep checkpoints; absent, none are sent (search trials).
   */
  resume: z
    .object({
      foldsDone: z.number().int().nonnegative(),
      checkpoint: checkpointWireSchema.nullable(),
    })
    .optional(),
});
export type TrainRequest = z.infer<typeof trainRequestSchema>;

export const toTrainingWorkerSchema = z.discriminatedUnion('type', [
  z.object({ seq: z.number().int(), type: z.literal('train'), payload: trainRequestSchema }),
  /** Select the best backend that loads and report it (models.backend). */
  z.object({ seq: z.number().int(), type: z.literal('backend'), payload: z.object({}) }),
]);
export type ToTrainingWorker = z.infer<typeof toTrainingWorkerSchema>;

/** The stored form of a model (shared/models/model.ts `ModelArtifact`) on the wire. */
export const artifactWireSchema = z.discriminatedUnion('format', [
  z.object({
    format: z.literal('tfjs'),
    kind: z.enum(MODEL_KINDS),
    modelTopology: z.unknown(),
    weightSpecs: z.unknown(),
    weightData: buffer,
    meta: z.record(z.string(), z.unknown()),
  }),
  z.object({ format: z.literal('json'), kind: z.enum(MODEL_KINDS), json: z.string() }),
]);

export const normalizationWireSchema = z.object({
  method: z.enum(['zscore', 'robust']),
  columns: z.array(z.string()),
  center: z.array(z.number().nullable()),
  scale: z.array(z.number().nullable()),
  count: z.array(z.number().int().nonnegative()),
  trainFrom: z.number(),
  trainTo: z.number(),
});

export const trainingStepSchema = z.object({
  /** The fit: validation folds 0..n-1, then n for the final fit on all rows (when asked). */
  fold: z.number().int().nonnegative(),
  /** Fits in the run: validation folds, plus one for the final fit. */
  folds: z.number().int().positive(),
  step: z.number().int().nonnegative(),
  steps: z.number().int().positive(),
  unit: z.enum(['epoch', 'tree', 'fold']),
  trainLoss: maybeNumber,
  validLoss: maybeNumber,
  metrics: z.record(z.string(), maybeNumber),
});
export type TrainingStep = z.infer<typeof trainingStepSchema>;

export const fromTrainingWorkerSchema = z.discriminatedUnion('type', [
  z.object({ seq: z.number().int(), type: z.literal('progress'), payload: trainingStepSchema }),
  z.object({ seq: z.number().int(), type: z.literal('fold'), payload: foldReportSchema }),
  /** A network's fit improved its watched loss: the weights to resume from (weightData transferred). */
  z.object({ seq: z.number().int(), type: z.literal('checkpoint'), payload: checkpointWireSchema }),
  z.object({
    seq: z.number().int(),
    type: z.literal('trained'),
    payload: z.object({
      backend: backendInfoSchema,
      /** Wall time of validation and the final fit. */
      trainingMs: z.number().nonnegative(),
      /** Fitted on every training row of the final fit; null without a final fit. */
      normalization: normalizationWireSchema.nullable(),
      artifact: artifactWireSchema.nullable(),
    }),
  }),
  z.object({ seq: z.number().int(), type: z.literal('backend'), payload: backendInfoSchema }),
  z.object({ seq: z.number().int(), type: z.literal('failed'), payload: z.object({ message: z.string() }) }),
]);
export type FromTrainingWorker = z.infer<typeof fromTrainingWorkerSchema>;

/** The workerData a training worker is started with: the thread listens only when it has it. */
export const TRAINING_WORKER_DATA = { role: 'training-worker' } as const;

export function isTrainingWorker(data: unknown): boolean {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as { role?: unknown }).role === TRAINING_WORKER_DATA.role
  );
}
