import { z } from 'zod';
import { accountRulesSchema } from '../../backtest/margin.js';
import { strategyKindsNeeding } from '../../backtest/strategies/registry.js';
import { TIMEFRAMES } from '../../domain/timeframes.js';
import type { CommandSpec } from '../spec.js';

/**
 * Stored backtest runs and parameter sweeps over recorded candles. Runs and sweeps are jobs
 * (progress and cancel through jobs.*); a finished one is stored and its id is the job result
 * `{ runId }`. Metrics that are undefined (a Sharpe ratio without variance, a profit factor
 * without losses) are null on the wire, never 0.
 */

/** Strategies that run over candles alone (the imbalance and ML strategies need books or a model). */
export const CANDLE_STRATEGY_KINDS = strategyKindsNeeding(['candles']);
/** Strategies an event-mode run (recorded trades + L2 books) can run: every candle one, on bars built from trades, and the book ones. */
export const EVENT_STRATEGY_KINDS = strategyKindsNeeding(['candles', 'book']);
export const BACKTEST_MODES = ['candle', 'event'] as const;

/** A strategy file of the workspace's `strategies/` folder is named `user:<file name without .ts>`. */
export const USER_STRATEGY_PREFIX = 'user:';
export const userStrategyKindSchema = z.templateLiteral([
  USER_STRATEGY_PREFIX,
  z.string().regex(/^[A-Za-z0-9][\w.-]*$/),
]);
export type UserStrategyKind = z.infer<typeof userStrategyKindSchema>;
export function isUserStrategyKind(kind: string): kind is UserStrategyKind {
  return userStrategyKindSchema.safeParse(kind).success;
}
/** A built-in that runs over recorded data, or a user's strategy file (it runs in both modes). */
export const strategyKindSchema = z
  .union([z.enum(EVENT_STRATEGY_KINDS), userStrategyKindSchema])
  .describe(`${EVENT_STRATEGY_KINDS.join(', ')}, or user:<name> for <workspace>/strategies/<name>.ts`);
export type BacktestMode = (typeof BACKTEST_MODES)[number];

const timestamp = z.number().int().nonnegative();
const maybeNumber = z.number().nullable();
const paramValue = z.union([z.number(), z.boolean(), z.string()]);

/**
 * How much a backtest trades (shared/trading/sized-strategy.ts, the same rules as paper and
 * live): the strategy's own `quantity` (`fixed`), a fraction of equity, all of it (its fee
 * paid) rounded down to the lot, or a volatility target measured on the last `lookback` bars.
 * Capped Kelly needs a model's probability and is offered where a model runs (paper, live).
 */
export const backtestSizingSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fixed') }),
  z.object({ kind: z.literal('fixed-fraction'), fraction: z.number().gt(0).max(10) }),
  z.object({ kind: z.literal('all-in') }),
  z.object({
    kind: z.literal('vol-target'),
    /** Target annualised volatility of the position (0.2 = 20%). */
    annualVol: z.number().gt(0).max(10),
    lookback: z.number().int().min(10).max(5_000).default(60),
    maxLeverage: z.number().positive().max(100).default(1),
  }),
]);
export type BacktestSizing = z.output<typeof backtestSizingSchema>;

/** Where an event run's order delays come from: the form's numbers, or the recorded feed's. */
export const LATENCY_MODELS = ['given', 'recorded'] as const;
export type LatencyModelKind = (typeof LATENCY_MODELS)[number];

export const backtestCostsSchema = z.object({
  initialCash: z.number().positive().default(100_000),
  fees: z
    .object({ maker: z.number().min(-0.01).max(0.1), taker: z.number().min(-0.01).max(0.1) })
    .default({ maker: 0.0002, taker: 0.001 }),
  slippageBps: z.number().min(0).max(1000).default(0),
  candleFill: z.enum(['open', 'close']).default('open'),
  /** Annual, simple. */
  riskFreeRate: z.number().min(-1).max(1).default(0),
  /**
   * Event mode only: order submit and cancel delays in ms (exchange time after our decision).
   * A constant, or samples of measured round trips the engine draws from (seeded). `model`
   * "recorded" ignores both and draws each delay from the feed's recorded delays (receive
   * minus exchange time) of the replayed range (shared/backtest/recorded-latency.ts); absent
   * or "given": submitMs and cancelMs.
   */
  latency: z
    .object({
      submitMs: z.union([z.number().min(0), z.array(z.number().min(0)).min(1).max(100_000)]),
      cancelMs: z.union([z.number().min(0), z.array(z.number().min(0)).min(1).max(100_000)]),
      model: z.enum(LATENCY_MODELS).optional(),
    })
    .default({ submitMs: 0, cancelMs: 0 }),
  /**
   * The account (shared/backtest/margin.ts): spot (shorts collateralised 1:1, or none) or a
   * perpetual with leverage and a maintenance margin. An order beyond buying power is reduced
   * to what it allows, or refused; both are counted in the metrics.
   */
  account: accountRulesSchema.default({ kind: 'spot', allowShort: true }),
  sizing: backtestSizingSchema.default({ kind: 'fixed' }),
  /** The instrument's amount step (sizes round down to it) and price tick; 0: none. */
  lot: z.number().min(0).default(0),
  tick: z.number().min(0).default(0),
});

const dataRange = z
  .object({
    instrument: z.string().min(1),
    timeframe: z.enum(TIMEFRAMES),
    from: timestamp,
    to: timestamp,
    /**
     * `candle`: stored candles of `timeframe`. `event`: recorded trades and L2 books replayed
     * in (ts, seq) order with book-walk and queue-position fills; bar strategies see bars of
     * `timeframe` built from the trades.
     */
    mode: z.enum(BACKTEST_MODES).default('candle'),
    strategy: strategyKindSchema,
    costs: backtestCostsSchema.default({
      initialCash: 100_000,
      fees: { maker: 0.0002, taker: 0.001 },
      slippageBps: 0,
      candleFill: 'open',
      riskFreeRate: 0,
      latency: { submitMs: 0, cancelMs: 0 },
      account: { kind: 'spot', allowShort: true },
      sizing: { kind: 'fixed' },
      lot: 0,
      tick: 0,
    }),
  })
  .refine((r) => r.to > r.from, { message: 'to must be after from' })
  .refine(
    (r) =>
      r.mode === 'event' ||
      isUserStrategyKind(r.strategy) ||
      (CANDLE_STRATEGY_KINDS as readonly string[]).includes(r.strategy),
    {
      message: 'this strategy needs recorded books: use mode "event"',
    },
  );

/** Metrics of a run (metrics.ts names), null where undefined. */
export const backtestMetricsSchema = z.record(z.string(), maybeNumber);
export type BacktestMetricsWire = z.infer<typeof backtestMetricsSchema>;

export const sweepRowSchema = z.object({
  index: z.number().int().nonnegative(),
  params: z.record(z.string(), z.unknown()),
  metrics: backtestMetricsSchema,
  /** Per-period Sharpe estimate, the one the deflated Sharpe ratio uses. */
  periodSharpe: maybeNumber,
  /** Probability that this configuration's true Sharpe is above 0 (PSR of its returns). */
  probabilisticSharpe: maybeNumber.default(null),
});

/** A grid combination the strategy refuses (e.g. fast >= slow): left out, with why. */
export const skippedConfigurationSchema = z.object({
  params: z.record(z.string(), z.unknown()),
  reason: z.string(),
});

export const sweepSummarySchema = z.object({
  trials: z.number().int().positive(),
  workers: z.number().int().positive(),
  /**
   * The configuration with the highest Sharpe among those not ruined; null when none has one.
   * A ruined run (equity reached zero) never ranks best.
   */
  best: z.number().int().nonnegative().nullable(),
  /** Combinations of the grid not run, with the reason (not trials). */
  skipped: z.array(skippedConfigurationSchema).default([]),
  sharpeVariance: maybeNumber,
  /** DSR of the best configuration over the configurations tried; above 0.95 is significant at 5%. */
  deflatedSharpe: maybeNumber,
  rows: z.array(sweepRowSchema),
});
export type SweepSummary = z.infer<typeof sweepSummarySchema>;

export const BACKTEST_RUN_KINDS = ['single', 'sweep', 'walk-forward'] as const;

/** One walk-forward fold: parameters chosen on the train window, judged on the test window. */
export const walkForwardFoldSchema = z.object({
  trainFrom: timestamp,
  trainTo: timestamp,
  testFrom: timestamp,
  testTo: timestamp,
  /**
   * The configuration with the best in-sample Sharpe among those not ruined, its index among the
   * valid configurations; null when every one was ruined in-sample: the fold then stays flat.
   */
  bestIndex: z.number().int().nonnegative().nullable(),
  bestParams: z.record(z.string(), z.unknown()),
  inSampleSharpe: maybeNumber,
  outOfSample: backtestMetricsSchema,
});

export const walkForwardSummarySchema = z.object({
  trials: z.number().int().positive(),
  /** Combinations of the grid not run, with the reason (not trials). */
  skipped: z.array(skippedConfigurationSchema).default([]),
  folds: z.array(walkForwardFoldSchema),
  /** Metrics of the stitched out-of-sample equity curve (the run's curve). */
  outOfSample: backtestMetricsSchema,
  /** In-sample Sharpe averaged over folds minus out-of-sample Sharpe: how much the search flattered. */
  sharpeDecay: maybeNumber,
  /** DSR of the stitched out-of-sample returns over the configurations tried per fold. */
  deflatedSharpe: maybeNumber,
});
export type WalkForwardSummary = z.infer<typeof walkForwardSummarySchema>;

/**
 * The statistical reading of one equity curve and its trades (shared/backtest/honesty.ts):
 * null where there are too few observations.
 */
export const backtestHonestySchema = z.object({
  /** Probability that the true Sharpe is above 0 (PSR). */
  probabilisticSharpe: maybeNumber,
  /** Block-bootstrap 95% interval of the annualised Sharpe. */
  sharpeInterval: z.object({ lower: maybeNumber, upper: maybeNumber }),
  /** Monte Carlo over the trades (1000 runs, seeded): sorted samples for a histogram. */
  monteCarlo: z
    .object({
      runs: z.number().int().positive(),
      /** Max drawdown fraction per reshuffled order of the trades, ascending. */
      maxDrawdown: z.array(z.number()),
      /** Final PnL per resample of the trades with replacement, ascending. */
      finalPnl: z.array(z.number()),
    })
    .nullable(),
});
export type BacktestHonesty = z.infer<typeof backtestHonestySchema>;

export const backtestRunSchema = z.object({
  id: z.number().int().positive(),
  createdAt: timestamp,
  kind: z.enum(BACKTEST_RUN_KINDS),
  mode: z.enum(BACKTEST_MODES),
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
  /** The costs and latency the run used. */
  costs: backtestCostsSchema,
  sweep: sweepSummarySchema.nullable(),
  walkForward: walkForwardSummarySchema.nullable(),
  /** Null for a sweep (it has no single curve) or a run without enough data. */
  honesty: backtestHonestySchema.nullable(),
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
  'backtests.walkForward': {
    summary:
      'Starts a walk-forward evaluation as a job: per rolling fold, sweeps the grid on the train window and runs the best configuration on the next test window; result { runId }.',
    request: dataRange.and(
      z.object({
        grid: z.record(z.string(), z.array(paramValue).min(1).max(1000)),
        base: z.record(z.string(), z.unknown()).default({}),
        /** Window lengths in bars of `timeframe` (event mode: in bars built from trades). */
        trainBars: z.number().int().min(10),
        testBars: z.number().int().min(1),
        /** Anchored: every train window starts at `from`. */
        anchored: z.boolean().default(false),
        workers: z.number().int().min(1).max(16).default(2),
      }),
    ),
    response: startedJob,
  },
  'backtests.export': {
    summary:
      'Writes a stored run as CSV (trades, equity, metrics) or a self-contained HTML report (inline SVG plots, no scripts, no network) into <data folder>/exports and returns it.',
    request: runId.extend({ format: z.enum(['csv', 'html']) }),
    response: z.object({
      fileName: z.string(),
      /** Where the host wrote the file. */
      path: z.string(),
      mimeType: z.string(),
      /** The file itself, so the window can offer it as a download. */
      content: z.string(),
    }),
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
