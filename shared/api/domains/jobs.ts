import { z } from 'zod';
import type { CommandSpec, TopicSpec } from '../spec.js';
import { backtestRunSchema } from './backtests.js';
import { backupFileSchema } from './backup.js';
import { emptyFeatureSchema, matrixInfoSchema } from './features.js';
import {
  backfillResultSchema,
  candleCheckSchema,
  exportResultSchema,
  importResultSchema,
  repairResultSchema,
  retentionResultSchema,
} from './history-results.js';

export const jobStateSchema = z.enum(['running', 'done', 'failed', 'cancelled']);
export type JobState = z.infer<typeof jobStateSchema>;

/** Whether a job has ended: it never leaves done, failed or cancelled, and a watch ends there. */
export function isTerminal(state: JobState): boolean {
  return state !== 'running';
}

const runId = z.number().int().positive();

/**
 * What every kind of job produces once done, by kind. A backtest's result carries the stored
 * run's summary row, so the window lists and opens it without asking the board or the run list.
 */
export const jobResultSchemas = {
  import: importResultSchema,
  /** Candles rebuilt for days an interrupted import or backfill left in the ledger. */
  repair: repairResultSchema,
  verify: candleCheckSchema,
  retention: retentionResultSchema,
  export: exportResultSchema,
  backfill: backfillResultSchema,
  backtest: z.object({ runId, bars: z.number().int().nonnegative(), run: backtestRunSchema }),
  'backtest-sweep': z.object({
    runId,
    bars: z.number().int().nonnegative(),
    /** Index of the best configuration among the sweep's rows, null when none ranks. */
    best: z.number().int().nonnegative().nullable(),
    deflatedSharpe: z.number().nullable(),
    run: backtestRunSchema,
  }),
  'backtest-walk-forward': z.object({
    runId,
    folds: z.number().int().nonnegative(),
    deflatedSharpe: z.number().nullable(),
    run: backtestRunSchema,
  }),
  'feature-matrix': z.object({
    matrix: matrixInfoSchema,
    /** Workers that produced the matrix (1 when the seam check sent it back to a single pass). */
    workers: z.number().int().nonnegative(),
    /** Seams between chunks checked equal; 0 for a single pass. */
    seamsVerified: z.number().int().nonnegative(),
    /** Columns equal at the seams within tolerance but not bit for bit. */
    inexactColumns: z.array(z.string()),
    /** Why the pool build fell back to a single pass, or null. */
    fallback: z.string().nullable(),
    /** Features that stay empty on the data there is (book and trade features on candles). */
    emptyFeatures: z.array(emptyFeatureSchema),
  }),
  'model-train': z.object({ modelId: z.number().int().positive() }),
  'model-search': z.object({
    searchId: z.number().int().positive(),
    bestModelId: z.number().int().positive().nullable(),
  }),
  backup: z.object({ file: backupFileSchema, removed: z.array(z.string()) }),
} as const;

export type JobKind = keyof typeof jobResultSchemas;
export const JOB_KINDS = Object.keys(jobResultSchemas) as JobKind[];
/** What a job of kind `K` produces once done. */
export type JobResult<K extends JobKind> = z.output<(typeof jobResultSchemas)[K]>;

const jobFields = {
  id: z.string(),
  title: z.string(),
  state: jobStateSchema,
  /** Work done so far, in `unit`s. */
  done: z.number().nonnegative(),
  /** Total work in `unit`s, or null while unknown (the bar is then indeterminate). */
  total: z.number().nonnegative().nullable(),
  unit: z.string(),
  /** What it is doing now, in words. */
  message: z.string(),
  /** Estimated milliseconds left, from the rate so far; null while unknown. */
  etaMs: z.number().nonnegative().nullable(),
  error: z.string().nullable(),
  startedAt: z.number().int().nonnegative(),
  finishedAt: z.number().int().nonnegative().nullable(),
};

function jobOfKind<K extends JobKind>(kind: K) {
  return z.object({
    ...jobFields,
    kind: z.literal(kind),
    /**
     * What the job produced, once done; null before and when it failed or was cancelled.
     * `z.nullable(schema)`, not `schema.nullable()`: a method called on the generic index
     * would widen to every kind's result, and the union would no longer tie result to kind.
     */
    result: z.nullable(jobResultSchemas[kind]),
  });
}

/**
 * A long-running piece of work (import, backfill, feature matrix, backtest, training...) as
 * the UI sees it: its kind names the shape of its result.
 */
export const jobSchema = z.discriminatedUnion('kind', [
  jobOfKind('import'),
  jobOfKind('repair'),
  jobOfKind('verify'),
  jobOfKind('retention'),
  jobOfKind('export'),
  jobOfKind('backfill'),
  jobOfKind('backtest'),
  jobOfKind('backtest-sweep'),
  jobOfKind('backtest-walk-forward'),
  jobOfKind('feature-matrix'),
  jobOfKind('model-train'),
  jobOfKind('model-search'),
  jobOfKind('backup'),
]);
export type Job = z.infer<typeof jobSchema>;
/** A job of one kind, its result typed. */
export type JobOf<K extends JobKind> = Extract<Job, { kind: K }>;

/** Narrows a job to one kind, so its result reads typed without a cast. */
export function isJobOfKind<K extends JobKind>(job: Job, kind: K): job is JobOf<K> {
  return job.kind === kind;
}

export const jobCommands = {
  'jobs.list': {
    summary: 'Recent jobs, newest first, running ones included.',
    request: z.object({ limit: z.number().int().positive().max(1000).default(100) }),
    response: z.array(jobSchema),
  },
  'jobs.cancel': {
    summary: 'Asks a running job to stop; it ends as cancelled and keeps what it committed.',
    request: z.object({ id: z.string().min(1) }),
    response: jobSchema,
  },
} as const satisfies Record<string, CommandSpec>;

export const jobTopics = {
  jobs: {
    summary: 'Every change of every job (progress at most 4 times a second per job).',
    params: z.object({}),
    payload: jobSchema,
  },
  'jobs.watch': {
    summary: 'One job: its current state first, then every change; the last event is its terminal state.',
    params: z.object({ id: z.string().min(1) }),
    payload: jobSchema,
  },
} as const satisfies Record<string, TopicSpec>;
