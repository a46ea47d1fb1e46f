import { z } from 'zod';
import { labelSpecSchema, MODEL_KINDS, modelParamsSchema } from '../../models/model.js';
import type { CommandSpec, TopicSpec } from '../spec.js';

/**
 * Models: training with purged and embargoed validation, hyper-parameter search, the registry
 * with lineage, export/import, and live inference (primary and shadow) with monitoring.
 * Training and search are jobs (progress and cancel through jobs.*); per-epoch curves stream
 * on `models.training`. Undefined scores (an AUC with one class present) are null, never 0.
 */

const timestamp = z.number().int().nonnegative();
const maybeNumber = z.number().nullable();
const modelId = z.object({ id: z.number().int().positive() });
const startedJob = z.object({ jobId: z.string() });

export const BACKEND_NAMES = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;

/** The TensorFlow.js backend that loaded, and why the better ones did not. */
export const backendInfoSchema = z.object({
  name: z.enum(BACKEND_NAMES),
  version: z.string(),
  simd: z.boolean().nullable(),
  threads: z.boolean().nullable(),
  skipped: z.array(z.object({ name: z.enum(BACKEND_NAMES), reason: z.string() })),
  /** webgpu only: the adapter it runs on; software is a CPU implementation (tests, or opted in). */
  gpu: z.object({ name: z.string(), software: z.boolean() }).optional(),
  /** Threads the tree learners build histograms on (the training worker's and its helpers). */
  treeThreads: z.number().int().positive().optional(),
});
export type BackendInfo = z.infer<typeof backendInfoSchema>;

/** How rows are split for validation; the purge is always the label horizon. */
export const validationSpecSchema = z.object({
  scheme: z.enum(['walk-forward', 'k-fold']),
  folds: z.number().int().min(2).max(50).default(5),
  /** Rows dropped after each test fold before training may resume (k-fold) or between folds. */
  embargo: z.number().int().min(0).default(0),
  /** Walk-forward: every train window starts at the first row. */
  anchored: z.boolean().default(false),
});
export type ValidationSpec = z.infer<typeof validationSpecSchema>;

/** Where a model's data comes from: a stored feature set over a recorded range (the cached matrix). */
const dataSpec = z.object({
  featureSetId: z.string().min(1),
  from: timestamp,
  to: timestamp,
  label: labelSpecSchema,
  validation: validationSpecSchema.default({ scheme: 'walk-forward', folds: 5, embargo: 0, anchored: false }),
  /** Fitted on each fold's training rows only. */
  normalization: z.enum(['zscore', 'robust']).default('zscore'),
});

export const scoresSchema = z.object({
  accuracy: maybeNumber,
  precision: maybeNumber,
  recall: maybeNumber,
  f1: maybeNumber,
  logLoss: maybeNumber,
  rocAuc: maybeNumber,
  /** Regression models: mean squared error and the correlation of prediction and target. */
  mse: maybeNumber,
  correlation: maybeNumber,
  /** The ML-signal strategy backtested on the fold's test rows (net of fees), Sharpe and return. */
  backtestSharpe: maybeNumber,
  backtestReturn: maybeNumber,
});
export type Scores = z.infer<typeof scoresSchema>;

export const foldReportSchema = z.object({
  fold: z.number().int().nonnegative(),
  trainRows: z.number().int().nonnegative(),
  testRows: z.number().int().nonnegative(),
  /** Training rows removed by the purge and by the embargo. */
  purged: z.number().int().nonnegative(),
  embargoed: z.number().int().nonnegative(),
  testFrom: timestamp,
  testTo: timestamp,
  scores: scoresSchema,
  /** Per epoch (networks) or per tree (GBDT). */
  curve: z.object({ trainLoss: z.array(maybeNumber), validLoss: z.array(maybeNumber) }),
  /** [actual][predicted] counts on the test rows; empty for regression. */
  confusion: z.array(z.array(z.number().int().nonnegative())),
  /** ROC of the 'up' class on the test rows (thinned to at most 200 points). */
  roc: z.object({ fpr: z.array(z.number()), tpr: z.array(z.number()) }).nullable(),
});
export type FoldReport = z.infer<typeof foldReportSchema>;

export const modelInfoSchema = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  kind: z.enum(MODEL_KINDS),
  createdAt: timestamp,
  instrument: z.string(),
  featureSetId: z.string(),
  featureSetHash: z.string(),
  from: timestamp,
  to: timestamp,
  label: labelSpecSchema,
  /** Hyper-parameters, every default filled in. */
  params: modelParamsSchema,
  validation: validationSpecSchema,
  /** Mean over the folds. */
  scores: scoresSchema,
  backend: z.enum(BACKEND_NAMES),
  trainingMs: z.number().nonnegative(),
  /** The workstation version that trained it. */
  codeVersion: z.string(),
  /** The search it came from, if any. */
  searchId: z.number().int().positive().nullable(),
  columns: z.array(z.string()),
});
export type ModelInfo = z.infer<typeof modelInfoSchema>;

export const modelDetailSchema = modelInfoSchema.extend({
  folds: z.array(foldReportSchema),
  /** Bytes of the stored artifact. */
  bytes: z.number().int().nonnegative(),
});
export type ModelDetail = z.infer<typeof modelDetailSchema>;

/** One dimension of a search space. */
export const searchDimensionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('int'), min: z.number().int(), max: z.number().int() }),
  z.object({ type: z.literal('float'), min: z.number(), max: z.number() }),
  z.object({ type: z.literal('log-float'), min: z.number().positive(), max: z.number().positive() }),
  z.object({
    type: z.literal('choice'),
    options: z.array(z.union([z.number(), z.string(), z.boolean()])).min(1),
  }),
]);

export const trialSchema = z.object({
  trial: z.number().int().nonnegative(),
  params: z.record(z.string(), z.unknown()),
  state: z.enum(['running', 'complete', 'pruned', 'failed']),
  /** The objective (mean validation log loss, lower is better); null until known. */
  value: maybeNumber,
  modelId: z.number().int().positive().nullable(),
  error: z.string().nullable(),
});

export const searchSchema = z.object({
  id: z.number().int().positive(),
  createdAt: timestamp,
  method: z.enum(['tpe', 'random']),
  kind: z.enum(MODEL_KINDS),
  trials: z.array(trialSchema),
  bestModelId: z.number().int().positive().nullable(),
});
export type SearchInfo = z.infer<typeof searchSchema>;

export const liveModelSchema = z.object({
  modelId: z.number().int().positive(),
  name: z.string(),
  role: z.enum(['primary', 'shadow']),
  instrument: z.string(),
  predictions: z.number().int().nonnegative(),
  latencyP50Ms: maybeNumber,
  latencyP99Ms: maybeNumber,
  /** How it predicts: 'plain forward pass', 'tfjs <backend>' or 'plain TypeScript'. */
  path: z.string(),
  /** Why a network predicts through tfjs and not the plain forward pass; null otherwise. */
  pathNote: z.string().nullable(),
  /** Rolling accuracy over the last matured labels; null until enough have matured. */
  liveAccuracy: maybeNumber,
  matured: z.number().int().nonnegative(),
  /** Largest PSI of the model's inputs against its training range. */
  drift: maybeNumber,
  alerts: z.array(z.string()),
});
export type LiveModel = z.infer<typeof liveModelSchema>;

export const predictionSchema = z.object({
  modelId: z.number().int().positive(),
  role: z.enum(['primary', 'shadow']),
  ts: timestamp,
  /** Class probabilities [down, (flat,) up] or [value] for regression. */
  output: z.array(z.number()),
  /** Probability of the predicted class. */
  confidence: z.number(),
  /** MC-dropout or ensemble spread; null when the model has none. */
  uncertainty: maybeNumber,
  latencyMs: z.number().nonnegative(),
});
export type Prediction = z.infer<typeof predictionSchema>;

export const trainingProgressSchema = z.object({
  jobId: z.string(),
  fold: z.number().int().nonnegative(),
  folds: z.number().int().positive(),
  step: z.number().int().nonnegative(),
  steps: z.number().int().positive(),
  unit: z.enum(['epoch', 'tree', 'fold']),
  trainLoss: maybeNumber,
  validLoss: maybeNumber,
  metrics: z.record(z.string(), maybeNumber),
  /** The trial within a search, else null. */
  trial: z.number().int().nonnegative().nullable(),
});
export type TrainingProgressWire = z.infer<typeof trainingProgressSchema>;

export const modelCommands = {
  'models.backend': {
    summary:
      'The TensorFlow.js backend the workers loaded (best first: CUDA, native, wasm, cpu) and why others were skipped.',
    request: z.object({}),
    response: backendInfoSchema,
  },
  'models.train': {
    summary:
      'Trains one model with purged, embargoed validation as a job, then on all rows; result { modelId }.',
    request: dataSpec.extend({ name: z.string().min(1).max(200), params: modelParamsSchema }),
    response: startedJob,
  },
  'models.search': {
    summary:
      'Hyper-parameter search (TPE or random, median pruning) with trials in parallel workers; result { searchId, bestModelId }.',
    request: dataSpec.extend({
      name: z.string().min(1).max(200),
      /** Fixed hyper-parameters (kind included); the space overrides the ones it names. */
      params: modelParamsSchema,
      space: z.record(z.string(), searchDimensionSchema),
      method: z.enum(['tpe', 'random']).default('tpe'),
      trials: z.number().int().min(1).max(1000).default(20),
      workers: z.number().int().min(1).max(16).default(2),
      prune: z.boolean().default(true),
    }),
    response: startedJob,
  },
  'models.checkpoints': {
    summary:
      'Training jobs that stopped (cancelled, failed, App closed) with a checkpoint to resume from, newest first.',
    request: z.object({}),
    response: z.array(
      z.object({
        jobId: z.string(),
        name: z.string(),
        kind: z.enum(MODEL_KINDS),
        /** Folds finished and stored (the final fit on all rows counts as the last fold). */
        foldsDone: z.number().int().nonnegative(),
        folds: z.number().int().positive(),
        /** The last epoch (networks) or tree (GBDT) checkpointed in the fold in progress; null if none yet. */
        step: z.number().int().nonnegative().nullable(),
        savedAt: timestamp,
      }),
    ),
  },
  'models.resume': {
    summary:
      'Resumes a stopped training job as a new job: finished folds are kept, the fold in progress continues from its last checkpoint; result { modelId }.',
    request: z.object({ jobId: z.string().min(1) }),
    response: startedJob,
  },
  'models.searches.get': {
    summary: 'A search with every trial (params, state, value, model).',
    request: modelId,
    response: searchSchema,
  },
  'models.list': {
    summary: 'Registered models, newest first; `query` matches name, kind, instrument or feature-set hash.',
    request: z.object({
      query: z.string().default(''),
      limit: z.number().int().positive().max(1000).default(200),
    }),
    response: z.array(modelInfoSchema),
  },
  'models.get': {
    summary: 'One model with its lineage and per-fold reports (curves, confusion matrix, ROC).',
    request: modelId,
    response: modelDetailSchema,
  },
  'models.delete': {
    summary: 'Deletes a model (stopping it first if it runs live).',
    request: modelId,
    response: z.object({ deleted: z.boolean() }),
  },
  'models.export': {
    summary:
      'Writes <data folder>/exports/model-<id>/ (TensorFlow.js model.json + weights.bin, or model.json for trees, and card.json).',
    request: modelId,
    response: z.object({ path: z.string(), files: z.array(z.string()) }),
  },
  'models.import': {
    summary:
      'Registers a model from a folder written by models.export (card.json checked against the artifact).',
    request: z.object({ path: z.string().min(1) }),
    response: modelInfoSchema,
  },
  'models.live.start': {
    summary: "Runs a model live in the feature worker on its feature set's live rows, as primary or shadow.",
    request: modelId.extend({ role: z.enum(['primary', 'shadow']).default('primary') }),
    response: liveModelSchema,
  },
  'models.live.stop': {
    summary: 'Stops a live model.',
    request: modelId,
    response: z.object({ stopped: z.boolean() }),
  },
  'models.live.list': {
    summary: 'Live models with latency, rolling accuracy, drift and alerts.',
    request: z.object({}),
    response: z.array(liveModelSchema),
  },
  'models.live.configure': {
    summary: 'Monitoring thresholds and the optional retrain trigger.',
    request: z.object({
      minAccuracy: z.number().min(0).max(1).default(0.45),
      maxPsi: z.number().positive().default(0.25),
      window: z.number().int().min(10).max(100_000).default(500),
      retrainOnAlert: z.boolean().default(false),
    }),
    response: z.object({ ok: z.literal(true) }),
  },
} as const satisfies Record<string, CommandSpec>;

export const modelTopics = {
  'models.training': {
    summary: 'Per-epoch (per-tree) losses and metrics of running trainings and search trials.',
    params: z.object({}),
    payload: trainingProgressSchema,
  },
  'models.predictions': {
    summary:
      'Live predictions of the models running on an instrument, batched (at most 10 batches a second).',
    params: z.object({ instrument: z.string().min(1) }),
    payload: z.array(predictionSchema),
  },
  'models.live': {
    summary: 'The live models list, once a second while any runs.',
    params: z.object({}),
    payload: z.array(liveModelSchema),
  },
} as const satisfies Record<string, TopicSpec>;
