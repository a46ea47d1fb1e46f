import type { z } from 'zod';
import type {
  backtestCommands,
  BacktestMetricsWire,
  SweepSummary,
} from '../../shared/api/domains/backtests.js';
import { ApiError } from '../../shared/api/protocol.js';
import type { Metrics } from '../../shared/backtest/metrics.js';
import type { CommandHandlers } from '../host/api-handlers.js';
import type { JobBoard } from '../jobs/job-board.js';
import type { SqliteDatabase } from '../storage/database.js';
import { BacktestStore } from './backtest-store.js';
import type { CandleRange, CandleRunCosts } from './candle-run.js';
import { candleStrategy, GridError, sweepConfigurations } from './param-grid.js';
import { runSingle, runSweep, type SweepOutcome } from './sweep-pool.js';

export type BacktestCommandName = keyof typeof backtestCommands;

export interface BacktestServiceDeps {
  readonly db: SqliteDatabase;
  readonly jobs: JobBoard;
  readonly clock: () => number;
  readonly databaseFile: string;
  /** The built feature worker script; the backtest worker is built beside it (main/scripts/build.mjs). */
  readonly featureWorkerEntry: URL;
  readonly nativeBinding?: string | undefined;
}

/** Metrics on the wire: undefined values (NaN, Infinity) become null, never 0. */
export function metricsToWire(metrics: Metrics): BacktestMetricsWire {
  return Object.fromEntries(
    Object.entries(metrics).map(([key, value]: [string, number]) => [
      key,
      Number.isFinite(value) ? value : null,
    ]),
  );
}

const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

/** The wire form of a finished sweep: every configuration in order, the best and its DSR. */
export function sweepToWire(outcome: SweepOutcome): SweepSummary {
  return {
    trials: outcome.rows.length,
    workers: outcome.workers,
    best: outcome.best,
    sharpeVariance: finiteOrNull(outcome.sharpeVariance),
    deflatedSharpe: finiteOrNull(outcome.deflatedSharpe),
    rows: outcome.rows.map((row) => ({
      index: row.index,
      params: row.params,
      metrics: metricsToWire(row.metrics),
      periodSharpe: finiteOrNull(row.estimate.sharpe),
    })),
  };
}

/** Every k-th point and the last, at most `maxPoints` (k = ceil(n / maxPoints)). */
function thin(values: Float64Array, maxPoints: number): number[] {
  const n = values.length;
  const step = Math.max(1, Math.ceil(n / maxPoints));
  const out: number[] = [];
  for (let i = 0; i < n; i += step) out.push(values[i] ?? Number.NaN);
  if (n > 0 && (n - 1) % step !== 0) {
    if (out.length >= maxPoints) out.pop();
    out.push(values[n - 1] ?? Number.NaN);
  }
  return out;
}

type RangeRequest = Omit<z.output<(typeof backtestCommands)['backtests.run']['request']>, 'params'>;

/**
 * Backtests in the App: single runs and sweeps over recorded candles run as jobs in worker
 * threads (never on the main thread) and are stored when they finish; stored runs are listed,
 * read back and deleted.
 */
export function backtestHandlers(deps: BacktestServiceDeps): Pick<CommandHandlers, BacktestCommandName> {
  const { db, jobs, clock } = deps;
  const store = new BacktestStore(db);
  const instrumentExists = db.prepare<[string], number>('SELECT 1 FROM instruments WHERE id = ?').pluck();
  const pool = {
    // Built beside the feature worker: dist/worker/features.js -> dist/main/backtests/backtest-worker.js.
    workerEntry: new URL('../main/backtests/backtest-worker.js', deps.featureWorkerEntry),
    databaseFile: deps.databaseFile,
    ...(deps.nativeBinding === undefined ? {} : { nativeBinding: deps.nativeBinding }),
  };

  const rangeOf = (request: RangeRequest): CandleRange => {
    if (instrumentExists.get(request.instrument) === undefined)
      throw new ApiError('not_found', `unknown instrument '${request.instrument}'`);
    return {
      instrument: request.instrument,
      timeframe: request.timeframe,
      from: request.from,
      to: request.to,
    };
  };
  const costsOf = (request: RangeRequest): CandleRunCosts => ({
    ...request.costs,
    fees: { ...request.costs.fees },
  });

  return {
    'backtests.run': (request) => {
      const range = rangeOf(request);
      const parsed = candleStrategy(request.strategy).params.safeParse(request.params);
      if (!parsed.success)
        throw new ApiError(
          'bad_request',
          `invalid parameters for ${request.strategy}: ${parsed.error.message}`,
        );
      const params = parsed.data as Record<string, unknown>;
      const costs = costsOf(request);
      const { job } = jobs.start(
        {
          kind: 'backtest',
          title: `Backtest ${request.strategy} on ${range.instrument} ${range.timeframe}`,
          unit: 'configurations',
          total: 1,
        },
        async (context) => {
          const outcome = await runSingle(
            { range, strategy: request.strategy, costs, params },
            {
              ...pool,
              signal: context.signal,
              onProgress: (done, total) => {
                context.progress(done, total);
              },
            },
          );
          const runId = store.insert({
            createdAt: clock(),
            kind: 'single',
            strategy: request.strategy,
            params,
            ...range,
            featureSetHash: null,
            metrics: metricsToWire(outcome.metrics),
            sweep: null,
            curve: outcome.curve,
            trips: outcome.trips,
          });
          return { runId, bars: outcome.bars };
        },
      );
      return { jobId: job.id };
    },
    'backtests.sweep': (request) => {
      const range = rangeOf(request);
      let configurations: Record<string, unknown>[];
      try {
        configurations = sweepConfigurations(request.strategy, request.grid, request.base);
      } catch (error) {
        if (error instanceof GridError) throw new ApiError('bad_request', error.message);
        throw error;
      }
      const costs = costsOf(request);
      const { job } = jobs.start(
        {
          kind: 'backtest-sweep',
          title: `Sweep ${request.strategy} (${configurations.length} configurations) on ${range.instrument} ${range.timeframe}`,
          unit: 'configurations',
          total: configurations.length,
        },
        async (context) => {
          const outcome = await runSweep(
            { range, strategy: request.strategy, costs, configurations, workers: request.workers },
            {
              ...pool,
              signal: context.signal,
              onProgress: (done, total) => {
                context.progress(done, total);
              },
            },
          );
          const sweep = sweepToWire(outcome);
          const best = outcome.best === null ? null : outcome.rows[outcome.best];
          const runId = store.insert({
            createdAt: clock(),
            kind: 'sweep',
            strategy: request.strategy,
            params: { grid: request.grid, base: request.base },
            ...range,
            featureSetHash: null,
            metrics: best === undefined || best === null ? {} : metricsToWire(best.metrics),
            sweep,
            curve: null,
            trips: [],
          });
          return { runId, bars: outcome.bars, best: outcome.best, deflatedSharpe: sweep.deflatedSharpe };
        },
      );
      return { jobId: job.id };
    },
    'backtests.list': ({ limit }) => store.list(limit),
    'backtests.get': ({ id, maxPoints }) => {
      const run = store.get(id);
      if (run === null) throw new ApiError('not_found', `no backtest run ${id}`);
      const { curve, trips, ...rest } = run;
      return {
        ...rest,
        curve:
          curve === null
            ? null
            : {
                points: curve.ts.length,
                ts: thin(curve.ts, maxPoints),
                equity: thin(curve.equity, maxPoints),
              },
        trades: [...trips],
      };
    },
    'backtests.delete': ({ id }) => ({ deleted: store.delete(id) }),
  };
}
