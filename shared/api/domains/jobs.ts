import { z } from 'zod';
import type { CommandSpec, TopicSpec } from '../spec.js';

export const jobStateSchema = z.enum(['running', 'done', 'failed', 'cancelled']);
export type JobState = z.infer<typeof jobStateSchema>;

/** A long-running piece of work (import, backfill, feature matrix, training...) as the UI sees it. */
export const jobSchema = z.object({
  id: z.string(),
  kind: z.string(),
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
  /** What the job produced (its own JSON shape per kind), once done. */
  result: z.unknown(),
  startedAt: z.number().int().nonnegative(),
  finishedAt: z.number().int().nonnegative().nullable(),
});
export type Job = z.infer<typeof jobSchema>;

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
} as const satisfies Record<string, TopicSpec>;
