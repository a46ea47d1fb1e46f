import path from 'node:path';
import type { z } from 'zod';
import type {
  backtestCommands,
  BacktestMetricsWire,
  BacktestRunDetail,
  SweepSummary,
  WalkForwardSummary,
} from '../../shared/api/domains/backtests.js';
import { ApiError } from '../../shared/api/protocol.js';
import { probabilisticSharpeRatio } from '../../shared/backtest/honesty.js';
import type { Metrics } from '../../shared/backtest/metrics.js';
import type { CommandHandlers } from '../api/handlers.js';
import type { JobBoard } from '../jobs/job-board.js';
import type { SqliteDatabase } from '../storage/database.js';
import { ensureOwnerDir, writeOwnerFile } from '../storage/owner-only.js';
import { TIMEFRAME_MS } from '../../shared/domain/timeframes.js';
import { BacktestStore, type BacktestRunSummary } from './backtest-store.js';
import type { CandleRange, RunCosts } from './candle-run.js';
import {
  GridError,
  sweepConfigurations,
  type SkippedConfiguration,
  type StrategyRef,
  type SweepPlan,
} from './param-grid.js';
import type { LoadedStrategy, StrategyLibrary } from '../strategies/strategy-library.js';
import { renderRunCsv, renderRunHtml } from './report-export.js';
import { runSingle, runSweep, type BacktestPoolOptions, type SweepOutcome } from './sweep-pool.js';
import {
  runWalkForward,
  walkForwardUnits,
  walkForwardWindows,
  type WalkForwardOutcome,
} from './walk-forward.js';

export type BacktestCommandName = keyof typeof backtestCommands;

export interface BacktestServiceDeps {
  readonly db: SqliteDatabase;
  readonly jobs: JobBoard;
  readonly clock: () => number;
  readonly databaseFile: string;
  /** The built feature worker script; the backtest worker is built beside it (main/scripts/build.mjs). */
  readonly featureWorkerEntry: URL;
  readonly nativeBinding?: string | undefined;
  /** The user's strategy files (<data folder>/strategies), compiled afresh for every run. */
  readonly strategies: StrategyLibrary;
  /** Runs a single backtest in this process (the CLI); the App leaves it out: always a worker. */
  readonly runSingleInProcess?: BacktestPoolOptions['runInProcess'];
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

/**
 * The wire form of a finished sweep: every configuration in order with its PSR (from the same
 * per-period estimate as the DSR, so a sweep of 45k bars has one), the best, its DSR, and the
 * grid combinations skipped.
 */
export function sweepToWire(
  outcome: SweepOutcome,
  skipped: readonly SkippedConfiguration[] = [],
): SweepSummary {
  return {
    trials: outcome.rows.length,
    workers: outcome.workers,
    best: outcome.best,
    skipped: [...skipped],
    sharpeVariance: finiteOrNull(outcome.sharpeVariance),
    deflatedSharpe: finiteOrNull(outcome.deflatedSharpe),
    rows: outcome.rows.map((row) => ({
      index: row.index,
      params: row.params,
      metrics: metricsToWire(row.metrics),
      periodSharpe: finiteOrNull(row.estimate.sharpe),
      probabilisticSharpe: finiteOrNull(probabilisticSharpeRatio(row.estimate)),
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

/** The wire form of a finished walk-forward evaluation. */
export function walkForwardToWire(
  outcome: WalkForwardOutcome,
  skipped: readonly SkippedConfiguration[] = [],
): WalkForwardSummary {
  return {
    trials: outcome.trials,
    skipped: [...skipped],
    folds: outcome.folds.map((fold) => ({
      trainFrom: fold.trainFrom,
      trainTo: fold.trainTo,
      testFrom: fold.testFrom,
      testTo: fold.testTo,
      bestIndex: fold.bestIndex,
      bestParams: fold.bestParams,
      inSampleSharpe: finiteOrNull(fold.inSampleSharpe),
      outOfSample: metricsToWire(fold.outOfSample),
    })),
    outOfSample: metricsToWire(outcome.outOfSample),
    sharpeDecay: finiteOrNull(outcome.sharpeDecay),
    deflatedSharpe: finiteOrNull(outcome.deflatedSharpe),
  };
}

/** `yyyymmdd-hhmmss` of a UTC time, for export file names that sort by time. */
export function fileStamp(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-01-05T12:34:56.789Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

type RangeRequest = z.output<(typeof backtestCommands)['backtests.walkForward']['request']>;
type DataRange = Pick<
  RangeRequest,
  'instrument' | 'timeframe' | 'from' | 'to' | 'mode' | 'strategy' | 'costs'
>;

/**
 * Backtests in the App: single runs, sweeps and walk-forward evaluations, over recorded candles
 * or recorded trades and books, run as jobs; the engine runs in worker threads, never on the
 * main thread. A finished run is stored with its statistical honesty, computed once in the
 * worker beside the run (run-honesty.ts: a few hundred ms for a year of 1m bars). Stored runs
 * are listed, read back, exported and deleted.
 */
export function backtestHandlers(deps: BacktestServiceDeps): Pick<CommandHandlers, BacktestCommandName> {
  const { db, jobs, clock } = deps;
  const store = new BacktestStore(db);
  const instrumentExists = db.prepare<[string], number>('SELECT 1 FROM instruments WHERE id = ?').pluck();
  const barOpenTimes = db
    .prepare<[string, string, number, number], number>(
      `SELECT open_time FROM candles WHERE instrument = (SELECT key FROM instruments WHERE id = ?)
         AND timeframe = ? AND open_time >= ? AND open_time < ? ORDER BY open_time`,
    )
    .pluck();
  const pool = {
    // Built beside the feature worker: dist/worker/features.js -> dist/main/backtests/backtest-worker.js.
    workerEntry: new URL('../main/backtests/backtest-worker.js', deps.featureWorkerEntry),
    databaseFile: deps.databaseFile,
    ...(deps.nativeBinding === undefined ? {} : { nativeBinding: deps.nativeBinding }),
  };
  const exportsDir = path.join(path.dirname(deps.databaseFile), 'exports');

  const rangeOf = (request: DataRange): CandleRange => {
    if (instrumentExists.get(request.instrument) === undefined)
      throw new ApiError('not_found', `unknown instrument '${request.instrument}'`);
    return {
      instrument: request.instrument,
      timeframe: request.timeframe,
      from: request.from,
      to: request.to,
    };
  };
  const configurationsOf = (
    strategy: StrategyRef,
    grid: RangeRequest['grid'],
    base: RangeRequest['base'],
  ): SweepPlan => {
    try {
      return sweepConfigurations(strategy, grid, base);
    } catch (error) {
      if (error instanceof GridError) throw new ApiError('bad_request', error.message);
      throw error;
    }
  };
  const label = (request: DataRange, range: CandleRange): string =>
    `${request.strategy} on ${range.instrument} ${range.timeframe}${request.mode === 'event' ? ' (events)' : ''}`;

  // A job's result carries the run it stored, so the window lists and opens it without asking.
  const storedRun = (id: number): BacktestRunSummary => {
    const run = store.summary(id);
    if (run === null) throw new Error(`backtest run ${id} was not found right after it was stored`);
    return run;
  };

  const detailOf = (id: number, maxPoints: number): BacktestRunDetail => {
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
  };

  return {
    'backtests.run': async (request) => {
      const range = rangeOf(request);
      const { definition, compiled } = await deps.strategies.load(request.strategy);
      const parsed = definition.params.safeParse(request.params);
      if (!parsed.success)
        throw new ApiError(
          'bad_request',
          `invalid parameters for ${request.strategy}: ${parsed.error.message}`,
        );
      const params = parsed.data as Record<string, unknown>;
      const costs: RunCosts = request.costs;
      const { job } = jobs.start(
        { kind: 'backtest', title: `Backtest ${label(request, range)}`, unit: 'configurations', total: 1 },
        async (context) => {
          const outcome = await runSingle(
            {
              range,
              mode: request.mode,
              strategy: request.strategy,
              userStrategy: compiled,
              costs,
              params,
            },
            {
              ...pool,
              ...(deps.runSingleInProcess === undefined ? {} : { runInProcess: deps.runSingleInProcess }),
              signal: context.signal,
              onProgress: (done, total) => {
                context.progress(done, total);
              },
            },
          );
          const runId = store.insert({
            createdAt: clock(),
            kind: 'single',
            mode: request.mode,
            strategy: request.strategy,
            params,
            ...range,
            featureSetHash: null,
            metrics: metricsToWire(outcome.metrics),
            costs,
            sweep: null,
            walkForward: null,
            honesty: outcome.honesty,
            curve: outcome.curve,
            trips: outcome.trips,
          });
          return { runId, bars: outcome.bars, run: storedRun(runId) };
        },
      );
      return { jobId: job.id };
    },
    'backtests.sweep': async (request) => {
      const range = rangeOf(request);
      const { definition, compiled } = await deps.strategies.load(request.strategy);
      const { configurations, skipped } = configurationsOf(definition, request.grid, request.base);
      const costs: RunCosts = request.costs;
      const { job } = jobs.start(
        {
          kind: 'backtest-sweep',
          title: `Sweep ${configurations.length} configurations of ${label(request, range)}`,
          unit: 'configurations',
          total: configurations.length,
        },
        async (context) => {
          const outcome = await runSweep(
            {
              range,
              mode: request.mode,
              strategy: request.strategy,
              userStrategy: compiled,
              costs,
              configurations,
              workers: request.workers,
            },
            {
              ...pool,
              signal: context.signal,
              onProgress: (done, total) => {
                context.progress(done, total);
              },
            },
          );
          const sweep = sweepToWire(outcome, skipped);
          const best = outcome.best === null ? null : outcome.rows[outcome.best];
          const bestRow = outcome.best === null ? undefined : sweep.rows[outcome.best];
          const runId = store.insert({
            createdAt: clock(),
            kind: 'sweep',
            mode: request.mode,
            strategy: request.strategy,
            params: { grid: request.grid, base: request.base },
            ...range,
            featureSetHash: null,
            metrics: best === undefined || best === null ? {} : metricsToWire(best.metrics),
            costs,
            sweep,
            walkForward: null,
            // The best configuration's PSR; a sweep keeps no curve to bootstrap or trades to reshuffle.
            honesty:
              bestRow === undefined
                ? null
                : {
                    probabilisticSharpe: bestRow.probabilisticSharpe,
                    sharpeInterval: { lower: null, upper: null },
                    monteCarlo: null,
                  },
            curve: null,
            trips: [],
          });
          return {
            runId,
            bars: outcome.bars,
            best: outcome.best,
            deflatedSharpe: sweep.deflatedSharpe,
            run: storedRun(runId),
          };
        },
      );
      return { jobId: job.id };
    },
    'backtests.walkForward': async (request) => {
      const range = rangeOf(request);
      const { definition, compiled }: LoadedStrategy = await deps.strategies.load(request.strategy);
      const { configurations, skipped } = configurationsOf(definition, request.grid, request.base);
      const costs: RunCosts = request.costs;
      // Candle mode cuts the folds at the stored bars; event mode at the bar grid of `timeframe`
      // over the range (the bars its strategies see are built from trades on that grid).
      const barMs = TIMEFRAME_MS[range.timeframe];
      let openTimes: Float64Array;
      if (request.mode === 'candle') {
        openTimes = Float64Array.from(
          barOpenTimes.all(range.instrument, range.timeframe, range.from, range.to),
        );
      } else {
        const first = Math.ceil(range.from / barMs) * barMs;
        openTimes = Float64Array.from(
          { length: Math.max(0, Math.ceil((range.to - first) / barMs)) },
          (_, i) => first + i * barMs,
        );
      }
      const spec = {
        range,
        mode: request.mode,
        strategy: request.strategy,
        userStrategy: compiled,
        costs,
        configurations,
        workers: request.workers,
        barOpenTimes: openTimes,
        trainBars: request.trainBars,
        testBars: request.testBars,
        anchored: request.anchored,
      };
      let folds: number;
      try {
        folds = walkForwardWindows(spec).length;
      } catch (error) {
        throw new ApiError('bad_request', error instanceof Error ? error.message : String(error));
      }
      if (folds === 0)
        throw new ApiError(
          'bad_request',
          `${openTimes.length} bars hold no fold of ${request.trainBars} train + ${request.testBars} test bars`,
        );
      const { job } = jobs.start(
        {
          kind: 'backtest-walk-forward',
          title: `Walk-forward ${folds} folds x ${configurations.length} configurations of ${label(request, range)}`,
          unit: 'fold-configurations',
          total: walkForwardUnits(folds, configurations.length),
        },
        async (context) => {
          const outcome = await runWalkForward(spec, {
            ...pool,
            signal: context.signal,
            onProgress: (done, total) => {
              context.progress(done, total);
            },
          });
          const walkForward = walkForwardToWire(outcome, skipped);
          const runId = store.insert({
            createdAt: clock(),
            kind: 'walk-forward',
            mode: request.mode,
            strategy: request.strategy,
            params: {
              grid: request.grid,
              base: request.base,
              trainBars: request.trainBars,
              testBars: request.testBars,
              anchored: request.anchored,
            },
            ...range,
            featureSetHash: null,
            metrics: walkForward.outOfSample,
            costs,
            sweep: null,
            walkForward,
            honesty: outcome.honesty,
            curve: outcome.curve,
            trips: outcome.trips,
          });
          return { runId, folds, deflatedSharpe: walkForward.deflatedSharpe, run: storedRun(runId) };
        },
      );
      return { jobId: job.id };
    },
    'backtests.export': ({ id, format }) => {
      // Full resolution: the report is the record of the run, not a screen's worth of it.
      const detail = detailOf(id, 1_000_000);
      const content = format === 'csv' ? renderRunCsv(detail) : renderRunHtml(detail);
      const fileName = `backtest-${id}-${fileStamp(clock())}.${format}`;
      const file = path.join(exportsDir, fileName);
      ensureOwnerDir(exportsDir);
      writeOwnerFile(file, content);
      return {
        fileName,
        path: file,
        mimeType: format === 'csv' ? 'text/csv; charset=utf-8' : 'text/html; charset=utf-8',
        content,
      };
    },
    'backtests.list': ({ limit }) => store.list(limit),
    'backtests.get': ({ id, maxPoints }) => detailOf(id, maxPoints),
    'backtests.delete': ({ id }) => ({ deleted: store.delete(id) }),
  };
}
