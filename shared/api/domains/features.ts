import { z } from 'zod';
import { TIMEFRAMES } from '../../domain/timeframes.js';
import { SAMPLINGS } from '../../features/feature-set.js';
import type { CommandSpec, TopicSpec } from '../spec.js';

/**
 * Feature sets, live feature vectors, cached matrices over recorded ranges, normalisation and
 * drift. Missing values are NaN inside the App and null on the wire (feature.ts), never 0.
 */

const timestamp = z.number().int().nonnegative();
const maybeNumber = z.number().nullable();

/** One parameter of a catalogue entry, as a form draws it. */
export const featureParamSchema = z.object({
  name: z.string(),
  /** `json` for structured parameters (the feature a rolling statistic wraps). */
  type: z.enum(['integer', 'number', 'boolean', 'enum', 'string', 'json']),
  default: z.unknown(),
  options: z.array(z.string()).nullable(),
  min: maybeNumber,
  max: maybeNumber,
});
export type FeatureParam = z.infer<typeof featureParamSchema>;

export const catalogueEntrySchema = z.object({
  kind: z.string(),
  title: z.string(),
  family: z.string(),
  /** One line, shown beside the feature in the picker. */
  definition: z.string(),
  inputs: z.array(z.string()),
  /** Output names with the default parameters. */
  outputs: z.array(z.string()),
  params: z.array(featureParamSchema),
});
export type CatalogueEntry = z.infer<typeof catalogueEntrySchema>;

export const featureSpecWireSchema = z.object({
  kind: z.string().min(1),
  params: z.record(z.string(), z.unknown()),
});

export const samplingSchema = z.enum(SAMPLINGS);

export const featureSetInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  instrument: z.string(),
  sampling: samplingSchema,
  /** Canonical specs: every parameter present. */
  features: z.array(featureSpecWireSchema),
  /** Stable hash of instrument, sampling and features: what models and caches record. */
  hash: z.string(),
  columns: z.array(z.string()),
  createdAt: timestamp,
});
export type FeatureSetInfo = z.infer<typeof featureSetInfoSchema>;

export const matrixInfoSchema = z.object({
  id: z.number().int(),
  setHash: z.string(),
  instrument: z.string(),
  from: timestamp,
  to: timestamp,
  columns: z.array(z.string()),
  rows: z.number().int().nonnegative(),
  events: z.number().int().nonnegative(),
  builtAt: timestamp,
});
export type MatrixInfo = z.infer<typeof matrixInfoSchema>;

/** A feature whose columns stay empty on the set's data, and why. */
export const emptyFeatureSchema = z.object({
  feature: z.string(),
  columns: z.array(z.string()),
  reason: z.string(),
});
export type EmptyFeatureInfo = z.infer<typeof emptyFeatureSchema>;

/** What a set's instrument has to compute it from. */
export const setDataSchema = z.object({
  /** 'events': recorded trades and book; 'candles': stored bars only (a candle-only instrument). */
  source: z.enum(['events', 'candles']),
  /** The bars a candle-only instrument is computed from (its finest stored timeframe), else null. */
  timeframe: z.enum(TIMEFRAMES).nullable(),
  /** Why the set cannot be built on this data as it is (its sampling), or null. */
  problem: z.string().nullable(),
  emptyFeatures: z.array(emptyFeatureSchema),
});
export type SetData = z.infer<typeof setDataSchema>;

export const featureSeriesSchema = z.object({
  column: z.string(),
  /** Rows drawn (every k-th row when the matrix has more than maxPoints). */
  ts: z.array(z.number()),
  values: z.array(maybeNumber),
  /** Over every row of the column, missing values left out. */
  histogram: z.object({ edges: z.array(z.number()), counts: z.array(z.number().int().nonnegative()) }),
  stats: z.object({
    rows: z.number().int().nonnegative(),
    missing: z.number().int().nonnegative(),
    mean: maybeNumber,
    std: maybeNumber,
    min: maybeNumber,
    max: maybeNumber,
  }),
});
export type FeatureSeries = z.infer<typeof featureSeriesSchema>;

export const normalizationSchema = z.object({
  method: z.enum(['zscore', 'robust']),
  columns: z.array(z.string()),
  center: z.array(maybeNumber),
  scale: z.array(maybeNumber),
  count: z.array(z.number().int().nonnegative()),
  trainFrom: z.number(),
  trainTo: z.number(),
});

export const featureDriftSchema = z.object({
  column: z.string(),
  psi: maybeNumber,
  ks: maybeNumber,
  referenceCount: z.number().int().nonnegative(),
  liveCount: z.number().int().nonnegative(),
  drifting: z.boolean(),
});

export const driftReportSchema = z.object({
  setId: z.string(),
  matrixId: z.number().int(),
  /** Live rows compared (the most recent ones the App keeps for the set). */
  liveRows: z.number().int().nonnegative(),
  thresholds: z.object({ psi: z.number(), ks: z.number(), minRows: z.number().int() }),
  features: z.array(featureDriftSchema),
  /** True when any feature crosses a threshold; the status bar then names it. */
  alert: z.boolean(),
  at: timestamp,
});
export type DriftReport = z.infer<typeof driftReportSchema>;

export const liveFeatureRowsSchema = z.object({
  setId: z.string(),
  columns: z.array(z.string()),
  rows: z.array(z.object({ ts: z.number(), values: z.array(maybeNumber) })),
});
export type LiveFeatureRows = z.infer<typeof liveFeatureRowsSchema>;

const setId = z.object({ setId: z.string().min(1) });

export const featureCommands = {
  'features.catalogue': {
    summary: 'Every feature on offer: title, one-line definition, parameters with defaults for a form.',
    request: z.object({}),
    response: z.array(catalogueEntrySchema),
  },
  'features.sets.list': {
    summary: 'Saved feature sets, oldest first, with their hash and columns.',
    request: z.object({}),
    response: z.array(featureSetInfoSchema),
  },
  'features.sets.save': {
    summary: 'Checks a feature set against the catalogue, saves it and starts it live.',
    request: z.object({
      name: z.string().min(1).max(200),
      instrument: z.string().min(1),
      features: z.array(featureSpecWireSchema).min(1).max(64),
      sampling: samplingSchema.default('1s'),
    }),
    response: featureSetInfoSchema,
  },
  'features.sets.delete': {
    summary: 'Deletes a saved set and stops it live; its cached matrices stay.',
    request: setId,
    response: z.object({ deleted: z.boolean() }),
  },
  'features.sets.data': {
    summary:
      "What a set's instrument offers: recorded events or candles only, and which features stay empty there and why.",
    request: setId,
    response: setDataSchema,
  },
  'features.range': {
    summary:
      'First and last recorded event time of an instrument (of its bars when it has only candles), or null.',
    request: z.object({ instrument: z.string().min(1) }),
    response: z.object({ from: timestamp, to: timestamp }).nullable(),
  },
  'features.matrix.build': {
    summary: 'The matrix of a set over [from, to): from the cache, or built as a job in a worker pool.',
    request: setId.extend({
      from: timestamp,
      to: timestamp,
      workers: z.number().int().min(1).max(16).default(2),
    }),
    response: z.object({ jobId: z.string().nullable(), matrix: matrixInfoSchema.nullable() }),
  },
  'features.matrix.list': {
    summary: 'Cached matrices of a set, newest first.',
    request: setId,
    response: z.array(matrixInfoSchema),
  },
  'features.matrix.series': {
    summary: 'One column of a cached matrix over time (thinned to maxPoints) and its histogram.',
    request: z.object({
      matrixId: z.number().int(),
      column: z.string().min(1),
      maxPoints: z.number().int().min(10).max(100_000).default(4000),
      bins: z.number().int().min(2).max(200).default(40),
    }),
    response: featureSeriesSchema,
  },
  'features.normalization.fit': {
    summary: 'Fits z-score or robust statistics on a training range of a matrix only, and stores them.',
    request: z.object({
      matrixId: z.number().int(),
      method: z.enum(['zscore', 'robust']),
      trainFrom: timestamp,
      trainTo: timestamp,
    }),
    response: normalizationSchema,
  },
  'features.drift': {
    summary: 'PSI and KS per feature between a cached matrix and the live window; keeps watching it.',
    request: setId.extend({ matrixId: z.number().int() }),
    response: driftReportSchema,
  },
} as const satisfies Record<string, CommandSpec>;

export const featureTopics = {
  'features.live': {
    summary: 'Rows a live feature set took, batched (at most 4 batches a second).',
    params: setId,
    payload: liveFeatureRowsSchema,
  },
} as const satisfies Record<string, TopicSpec>;
