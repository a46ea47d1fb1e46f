import { z } from 'zod';
import {
  BACKTEST_MODES,
  backtestCostsSchema,
  backtestHonestySchema,
  strategyKindSchema,
} from '../../shared/api/domains/backtests.js';
import { TIMEFRAMES } from '../../shared/domain/timeframes.js';
import { compiledStrategySchema } from '../strategies/user-strategy.js';

/**
 * Messages between the sweep pool and a backtest worker: typed envelopes {seq, type, payload},
 * parsed on both ends. Numbers that may be NaN or Infinity (metrics) and bulk columns (curves,
 * round trips) travel as transferred ArrayBuffers of Float64, never as arrays of objects.
 */

export const backtestWorkRequestSchema = z.object({
  databaseFile: z.string().min(1),
  nativeBinding: z.string().nullable(),
  instrument: z.string().min(1),
  timeframe: z.enum(TIMEFRAMES),
  from: z.number().int(),
  to: z.number().int(),
  /** `candle`: stored candles; `event`: recorded trades and books (event-run.ts). */
  mode: z.enum(BACKTEST_MODES),
  strategy: strategyKindSchema,
  /** A user strategy's compiled file (null for a built-in): the worker runs this very version. */
  userStrategy: compiledStrategySchema.nullable(),
  costs: backtestCostsSchema,
  /** Seeds the sampled latency of event-mode runs. */
  seed: z.number().int(),
  /** Index of the first configuration in the whole sweep, so results carry global indices. */
  firstIndex: z.number().int().nonnegative(),
  configurations: z.array(z.record(z.string(), z.unknown())).min(1),
  /** Single runs send back the equity curve, the round trips and their honesty reading too. */
  detail: z.boolean(),
});
export type BacktestWorkRequest = z.infer<typeof backtestWorkRequestSchema>;

/**
 * The honesty reading of a curve the worker did not run itself: a walk-forward's test windows,
 * stitched on the main thread, are read here so the bootstrap never blocks the main thread.
 */
export const honestyWorkRequestSchema = z.object({
  /** Float64 equity points of the curve. */
  equity: z.instanceof(ArrayBuffer),
  /** Round trips packed as rows of TRIP_WIDTH Float64 (candle-run.ts). */
  trips: z.instanceof(ArrayBuffer),
  periodsPerYear: z.number().positive(),
  riskFreeRate: z.number(),
  initialCash: z.number().positive(),
});
export type HonestyWorkRequest = z.infer<typeof honestyWorkRequestSchema>;

export const toBacktestWorkerSchema = z.discriminatedUnion('type', [
  z.object({ seq: z.number().int(), type: z.literal('run'), payload: backtestWorkRequestSchema }),
  z.object({ seq: z.number().int(), type: z.literal('honesty'), payload: honestyWorkRequestSchema }),
]);
export type ToBacktestWorker = z.infer<typeof toBacktestWorkerSchema>;

export const fromBacktestWorkerSchema = z.discriminatedUnion('type', [
  z.object({
    seq: z.number().int(),
    type: z.literal('progress'),
    /** Configurations of this worker finished so far. */
    payload: z.object({ done: z.number().int().nonnegative() }),
  }),
  z.object({
    seq: z.number().int(),
    type: z.literal('results'),
    payload: z.object({
      firstIndex: z.number().int().nonnegative(),
      count: z.number().int().nonnegative(),
      /** Bars replayed (candle mode) or events replayed (event mode). */
      bars: z.number().int().nonnegative(),
      /** count rows of PACKED_WIDTH Float64 (candle-run.ts). */
      outcomes: z.instanceof(ArrayBuffer),
      /** With `detail`: the first configuration's curve, packed round trips and honesty reading. */
      detail: z
        .object({
          ts: z.instanceof(ArrayBuffer),
          equity: z.instanceof(ArrayBuffer),
          position: z.instanceof(ArrayBuffer),
          trips: z.instanceof(ArrayBuffer),
          honesty: backtestHonestySchema,
        })
        .nullable(),
    }),
  }),
  z.object({ seq: z.number().int(), type: z.literal('honesty'), payload: backtestHonestySchema }),
  z.object({ seq: z.number().int(), type: z.literal('failed'), payload: z.object({ message: z.string() }) }),
]);
export type FromBacktestWorker = z.infer<typeof fromBacktestWorkerSchema>;
