import { z } from 'zod';
import { TIMEFRAMES } from '../../domain/timeframes.js';
import type { CommandSpec } from '../spec.js';

/**
 * Stored backtest runs and parameter sweeps over recorded candles. Runs and sweeps are jobs
 * (progress and cancel through jobs.*); a finished one is stored and its id is the job result
 * `{ runId }`. Metrics that are undefined (a Sharpe ratio without variance, a profit factor
 * without losses) are null on the wire, never 0.
 */

/** Strategies that run over candles alone (the imbalance and ML strategies need books or a model). */
export const CANDLE_STRATEGY_KINDS = ['sma-crossover', 'dual-momentum', 'bollinger-reversion'] as const;

const timestamp = z.number().int().nonnegative();
const maybeNumber = z.number().nullable();
const paramValue = z.union([z.number(), z.boolean(), z.string()]);

export const backtestCostsSchema = z.object({
  initialCash: z.number().positive().default(100_000),
  fees: z
    .object({ maker: z.number().min(-0.01).max(0.1), taker: z.number().min(-0.01).max(0.1) })
    .default({ maker: 0.0002, taker: 0.001 }),
  slippageBps: z.number().min(0).max(1000).default(0),
  candleFill: z.enum(['open', 'close']).default('open'),
  /** Annual, simple. */
  riskFreeRate: z.number().min(-1).max(1).default(0),
});

const dataRange = z
  .object({
    instrument: z.string().min(1),
    timeframe: z.enum(TIMEFRAMES),
    from: timestamp,
    to: timestamp,
    strategy: z.enum(CANDLE_STRATEGY_KINDS),
    costs: backtestCostsSchema.default({
      initialCash: 100_000,
      fees: { maker: 0.0002, taker: 0.001 },
      slippageBps: 0,
      candleFill: 'open',
      riskFreeRate: 0,
    }),
  })
  .refine((r) => r.to > r.from, { message: 'to must be after from' });

/** Metrics of a run (metrics.ts names), null where undefined. */
export const backtestMetricsSchema = z.record(z.string(), maybeNumber);
export type BacktestMetricsWire = z.infer<typeof backtestMetricsSchema>;

export const sweepRowSchema = z.object({
  index: z.number().int().nonnegative(),
  params: z.record(z.string(), z.unknown()),
  metrics: backtestMetricsSchema,
  /** Per-period Sharpe estimate, the one the deflated Sharpe ratio uses. */
  periodSharpe: maybeNumber,
});

export const sweepSummarySchema = z.object({
  trials: z.number().int().positive(),
  workers: z.number().int().positive(),
  best: z.number().int().nonnegative().nullable(),
  sharpeVariance: maybeNumber,
  /** DSR of the best configuration over the configurations tried; above 0.95 is significant at 5%. */
  deflatedSharpe: maybeNumber,
  rows: z.array(sweepRowSchema),
});
export type SweepSummary = z.infer<typeof sweepSummarySchema>;

export const backtestRunSchema = z.object({
  id: z.number().int().positive(),
  createdAt: timestamp,
  kind: z.enum(['single', 'sweep']),
  strategy: z.string(),
  /** Single: the parameters. Sweep: `{ grid, base }`. */
  params: z.record(z.string(), z.unknown()),
  instrument: z.string(),
  timeframe: z.enum(TIMEFRAMES),
  from: timestamp,
  to: timestamp,
  featureSetHash: z.string().nullable(),
  /** The run's metrics; for a sweep, those of its best configuration. */
  metrics: backtestMetricsSchema,
});
export type BacktestRunInfo = z.infer<typeof backtestRunSchema>;

export const roundTripSchema = z.object({
  direction: z.enum(['long', 'short']),
  entryTs: z.number(),
  exitTs: z.number(),
  holdingMs: z.number(),
  quantity: z.number(),
  entryPrice: z.number(),
  exitPrice: z.number(),
  pnl: z.number(),
  fees: z.number(),
  netPnl: z.number(),
  slippage: z.number(),
});

export const backtestRunDetailSchema = backtestRunSchema.extend({
  sweep: sweepSummarySchema.nullable(),
  /** Thinned to maxPoints (every k-th point, the last one kept); null for a sweep. */
  curve: z
    .object({ points: z.number().int().nonnegative(), ts: z.array(z.number()), equity: z.array(z.number()) })
    .nullable(),
  trades: z.array(roundTripSchema),
});
export type BacktestRunDetail = z.infer<typeof backtestRunDetailSchema>;

const startedJob = z.object({ jobId: z.string() });
const runId = z.object({ id: z.number().int().positive() });

export const backtestCommands = {
  'backtests.run': {
    summary: 'Starts one candle-mode backtest as a job; the job result is { runId } of the stored run.',
    request: dataRange.and(z.object({ params: z.record(z.string(), z.unknown()).default({}) })),
    response: startedJob,
  },
  'backtests.sweep': {
    summary: 'Starts a parameter sweep (cartesian grid) in a worker pool as a job; result { runId }.',
    request: dataRange.and(
      z.object({
        grid: z.record(z.string(), z.array(paramValue).min(1).max(1000)),
        base: z.record(z.string(), z.unknown()).default({}),
        workers: z.number().int().min(1).max(16).default(2),
      }),
    ),
    response: startedJob,
  },
  'backtests.list': {
    summary: 'Stored runs and sweeps, newest first, without curves.',
    request: z.object({ limit: z.number().int().positive().max(1000).default(100) }),
    response: z.array(backtestRunSchema),
  },
  'backtests.get': {
    summary: 'One stored run with its equity curve, round trips and, for a sweep, every configuration.',
    request: runId.extend({ maxPoints: z.number().int().min(10).max(1_000_000).default(4000) }),
    response: backtestRunDetailSchema,
  },
  'backtests.delete': {
    summary: 'Deletes a stored run.',
    request: runId,
    response: z.object({ deleted: z.boolean() }),
  },
} as const satisfies Record<string, CommandSpec>;
