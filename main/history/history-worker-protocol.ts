import { z } from 'zod';
import {
  candleCheckSchema,
  columnMappingSchema,
  importFormatSchema,
} from '../../shared/api/domains/history.js';
import { importResultSchema, repairResultSchema } from '../../shared/api/domains/history-results.js';
import { timeframeSchema } from '../../shared/api/schemas.js';

/**
 * Messages between the App and a history worker (main/history/history-worker.ts): typed
 * envelopes {seq, type, payload}, parsed on both ends. One worker does one piece of work (an
 * import, a candle repair or a candle check) and exits.
 */

export const importRequestSchema = z.object({
  path: z.string().min(1),
  instrument: z.string().min(1),
  format: importFormatSchema.optional(),
  mapping: columnMappingSchema.optional(),
  timeframe: timeframeSchema.optional(),
});

export const historyWorkSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('import'), request: importRequestSchema }),
  /** Rebuild the candles of every day the ledger marks (left by an import that was stopped). */
  z.object({ kind: z.literal('repair') }),
  z.object({
    kind: z.literal('verify'),
    instrument: z.string().min(1),
    from: z.number().int().nonnegative(),
    to: z.number().int().nonnegative(),
  }),
]);
export type HistoryWork = z.infer<typeof historyWorkSchema>;

/** What each kind of work ends with. */
export interface HistoryWorkResults {
  import: z.infer<typeof importResultSchema>;
  repair: z.infer<typeof repairResultSchema>;
  verify: z.infer<typeof candleCheckSchema>;
}

export const toHistoryWorkerSchema = z.discriminatedUnion('type', [
  z.object({
    seq: z.number().int(),
    type: z.literal('run'),
    payload: z.object({
      databaseFile: z.string().min(1),
      nativeBinding: z.string().nullable(),
      work: historyWorkSchema,
    }),
  }),
  /** Stop at the next transaction boundary; what is committed stays (and is resumable). */
  z.object({ seq: z.number().int(), type: z.literal('cancel'), payload: z.object({}) }),
]);
export type ToHistoryWorker = z.infer<typeof toHistoryWorkerSchema>;

export const historyPhaseSchema = z.enum(['checking', 'writing', 'candles', 'verifying']);
export type HistoryPhase = z.infer<typeof historyPhaseSchema>;

export const fromHistoryWorkerSchema = z.discriminatedUnion('type', [
  z.object({
    seq: z.number().int(),
    type: z.literal('progress'),
    payload: z.object({
      phase: historyPhaseSchema,
      done: z.number().nonnegative(),
      total: z.number().nonnegative(),
    }),
  }),
  z.object({
    seq: z.number().int(),
    type: z.literal('done'),
    // Most fields first: zod drops unknown keys, so {days, bars} would also accept a check.
    payload: z.union([candleCheckSchema, importResultSchema, repairResultSchema]),
  }),
  z.object({
    seq: z.number().int(),
    type: z.literal('failed'),
    /** `refused`: the file was refused (ImportError), its message names file and line. */
    payload: z.object({ message: z.string(), refused: z.boolean() }),
  }),
]);
export type FromHistoryWorker = z.infer<typeof fromHistoryWorkerSchema>;
