// What a backtest worker does with a request, apart from the thread it runs on: the worker entry
// (backtest-worker.ts) feeds it messages from its port, and the CLI runs a single configuration
// through it in its own process (no window to keep responsive, and starting a thread costs more
// than a 45k-bar run). Both get the same replies, so a run stores the same numbers either way.
import Database from 'better-sqlite3';
import type { BacktestHonesty } from '../../shared/api/domains/backtests.js';
import { isUserStrategyKind } from '../../shared/api/domains/backtests.js';
import { RecordedEvents } from '../features/recorded-events.js';
import { FundingStore } from '../storage/funding-store.js';
import { MarketStore } from '../storage/market-store.js';
import { evaluateStrategy } from '../strategies/user-strategy.js';
import type { BacktestWorkRequest, FromBacktestWorker, HonestyWorkRequest } from './backtest-protocol.js';
import {
  PACKED_WIDTH,
  packOutcome,
  packTrips,
  periodsPerYear,
  readSeries,
  runCandleConfiguration,
  unpackTrips,
  type RunOutcome,
} from './candle-run.js';
import { recordedLatencyOf, replayFrom, runEventConfiguration } from './event-run.js';
import type { StrategyRef } from './param-grid.js';
import { runHonesty } from './run-honesty.js';

/** A reply before its envelope sequence number is stamped on. */
export type BacktestWorkReply = FromBacktestWorker extends infer M
  ? M extends unknown
    ? Omit<M, 'seq'>
    : never
  : never;

/** Where replies go: a worker's port (transferring the buffers), or the caller in-process. */
export type SendReply = (reply: BacktestWorkReply, transfer: ArrayBuffer[]) => void;

/** Runs a request over its own read-only connection to the workspace and sends progress and results. */
export function runBacktestWork(request: BacktestWorkRequest, send: SendReply): void {
  const db = new Database(request.databaseFile, {
    readonly: true,
    fileMustExist: true,
    ...(request.nativeBinding === null ? {} : { nativeBinding: request.nativeBinding }),
  });
  try {
    runOn(db, request, send);
  } finally {
    db.close();
  }
}

/** The honesty reading of a curve and its packed round trips (a walk-forward's stitched windows). */
export function honestyWork(request: HonestyWorkRequest): BacktestHonesty {
  return runHonesty(new Float64Array(request.equity), unpackTrips(new Float64Array(request.trips)), {
    periodsPerYear: request.periodsPerYear,
    riskFreeRate: request.riskFreeRate,
    initialCash: request.initialCash,
  });
}

/** The request's strategy: a built-in by kind, or the user's file it carries, compiled. */
function strategyOf(request: BacktestWorkRequest): StrategyRef {
  if (request.userStrategy !== null) return evaluateStrategy(request.userStrategy);
  if (isUserStrategyKind(request.strategy))
    throw new Error(`${request.strategy}: the request carries no compiled strategy file`);
  return request.strategy;
}

type ResultsDetail = Extract<FromBacktestWorker, { type: 'results' }>['payload']['detail'];

/** Runs every configuration of the request over its data and sends progress and the results. */
function runOn(db: Database.Database, request: BacktestWorkRequest, send: SendReply): void {
  const { costs, timeframe } = request;
  const strategy = strategyOf(request);
  let runOne: (params: Record<string, unknown>) => RunOutcome;
  let steps: number;
  switch (request.mode) {
    case 'candle': {
      const series = readSeries(new MarketStore(db), request);
      steps = series.length;
      runOne = (params) => runCandleConfiguration(series, strategy, params, costs, timeframe);
      break;
    }
    case 'event': {
      const recorded = new RecordedEvents(db);
      // Every configuration streams the range from the database chunk by chunk, so memory
      // does not grow with the range: a sweep re-reads it per configuration instead of holding
      // one copy of every event (a month of trades is gigabytes as objects; re-decoding it from
      // packed chunks runs at tens of millions of trades a second, far below a run's own cost).
      const replay = replayFrom(
        (visit) => {
          recorded.replay(request.instrument, request.from, request.to, visit);
        },
        request.instrument,
        request.from,
      );
      // One extra pass, once for all configurations: they share the range, so its delays.
      const recordedLatency =
        costs.latency.model === 'recorded'
          ? recordedLatencyOf(
              replay,
              request.seed,
              `${request.instrument} ${new Date(request.from).toISOString()}..${new Date(request.to).toISOString()}`,
            )
          : null;
      const funding = new FundingStore(db).schedule(request.instrument, request.from, request.to);
      steps = 0;
      runOne = (params) => {
        const outcome = runEventConfiguration(
          replay,
          strategy,
          params,
          costs,
          timeframe,
          request.seed,
          recordedLatency,
          funding,
        );
        steps = outcome.result.steps;
        if (steps === 0) throw new Error(`no recorded trades or books of ${request.instrument} in the range`);
        return outcome;
      };
      break;
    }
    default:
      return request.mode satisfies never;
  }
  const count = request.configurations.length;
  const outcomes = new Float64Array(count * PACKED_WIDTH);
  let detail: ResultsDetail = null;
  const transfer: ArrayBuffer[] = [outcomes.buffer];
  request.configurations.forEach((params, k) => {
    const outcome = runOne(params);
    packOutcome(outcome.metrics, outcome.estimate, outcomes, k * PACKED_WIDTH);
    if (request.detail && k === 0) {
      const { curve, trips } = outcome.result;
      // Read here, in the worker: the bootstrap and Monte Carlo are a run's heaviest statistics.
      const honesty = runHonesty(curve.equity, trips, {
        periodsPerYear: periodsPerYear(timeframe),
        riskFreeRate: costs.riskFreeRate,
        initialCash: costs.initialCash,
      });
      // slice(): the curve views a larger growable buffer; send exactly its points.
      const copy = {
        ts: curve.ts.slice().buffer,
        equity: curve.equity.slice().buffer,
        position: curve.position.slice().buffer,
        trips: packTrips(trips).buffer,
        honesty,
      };
      detail = copy;
      transfer.push(copy.ts, copy.equity, copy.position, copy.trips);
    }
    send({ type: 'progress', payload: { done: k + 1 } }, []);
  });
  send(
    {
      type: 'results',
      payload: { firstIndex: request.firstIndex, count, bars: steps, outcomes: outcomes.buffer, detail },
    },
    transfer,
  );
}
