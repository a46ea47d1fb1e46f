// A backtest worker: reads the candles (candle mode) or the recorded trades and books (event
// mode) of a range from the workspace (its own read-only connection, which WAL lets run beside
// the writer) and runs one or many configurations over them. It lives in main/ beside the storage code it reads with, as
// main/features/matrix-worker.ts does, because worker/ may not import main/.
import Database from 'better-sqlite3';
import { parentPort } from 'node:worker_threads';
import { RecordedEvents } from '../features/recorded-events.js';
import { FundingStore } from '../storage/funding-store.js';
import { MarketStore } from '../storage/market-store.js';
import {
  toBacktestWorkerSchema,
  type BacktestWorkRequest,
  type FromBacktestWorker,
} from './backtest-protocol.js';
import {
  PACKED_WIDTH,
  packOutcome,
  packTrips,
  readSeries,
  runCandleConfiguration,
  type RunOutcome,
} from './candle-run.js';
import { replayFrom, runEventConfiguration } from './event-run.js';
import type { StrategyRef } from './param-grid.js';
import { isUserStrategyKind } from '../../shared/api/domains/backtests.js';
import { evaluateStrategy } from '../strategies/user-strategy.js';

const port = parentPort;
if (port === null) throw new Error('backtest-worker must run as a worker thread');
let outSeq = 0;

type Outgoing = FromBacktestWorker extends infer M ? (M extends unknown ? Omit<M, 'seq'> : never) : never;

function post(message: Outgoing, transfer: ArrayBuffer[] = []): void {
  port?.postMessage({ ...message, seq: outSeq++ }, transfer);
}

function run(request: BacktestWorkRequest): void {
  const db = new Database(request.databaseFile, {
    readonly: true,
    fileMustExist: true,
    ...(request.nativeBinding === null ? {} : { nativeBinding: request.nativeBinding }),
  });
  try {
    runOn(db, request);
  } finally {
    db.close();
  }
}

/** The request's strategy: a built-in by kind, or the user's file it carries, compiled. */
function strategyOf(request: BacktestWorkRequest): StrategyRef {
  if (request.userStrategy !== null) return evaluateStrategy(request.userStrategy);
  if (isUserStrategyKind(request.strategy))
    throw new Error(`${request.strategy}: the request carries no compiled strategy file`);
  return request.strategy;
}

/** Runs every configuration of the request over its data and posts progress and the results. */
function runOn(db: Database.Database, request: BacktestWorkRequest): void {
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
      const stream = replayFrom(
        (visit) => {
          recorded.replay(request.instrument, request.from, request.to, visit);
        },
        request.instrument,
        request.from,
      );
      // Every configuration streams the range from the database chunk by chunk, so memory
      // does not grow with the range: a sweep re-reads it per configuration instead of holding
      // one copy of every event (a month of trades is gigabytes as objects; re-decoding it from
      // packed chunks runs at tens of millions of trades a second, far below a run's own cost).
      const replay = stream;
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
  let detail: Extract<FromBacktestWorker, { type: 'results' }>['payload']['detail'] = null;
  const transfer: ArrayBuffer[] = [outcomes.buffer];
  request.configurations.forEach((params, k) => {
    const outcome = runOne(params);
    packOutcome(outcome.metrics, outcome.estimate, outcomes, k * PACKED_WIDTH);
    if (request.detail && k === 0) {
      const { curve } = outcome.result;
      // slice(): the curve views a larger growable buffer; send exactly its points.
      const copy = {
        ts: curve.ts.slice().buffer,
        equity: curve.equity.slice().buffer,
        position: curve.position.slice().buffer,
        trips: packTrips(outcome.result.trips).buffer,
      };
      detail = copy;
      transfer.push(copy.ts, copy.equity, copy.position, copy.trips);
    }
    post({ type: 'progress', payload: { done: k + 1 } });
  });
  post(
    {
      type: 'results',
      payload: {
        firstIndex: request.firstIndex,
        count,
        bars: steps,
        outcomes: outcomes.buffer,
        detail,
      },
    },
    transfer,
  );
}

port.on('message', (raw: unknown) => {
  const parsed = toBacktestWorkerSchema.safeParse(raw);
  if (!parsed.success) {
    post({
      type: 'failed',
      payload: { message: `backtest worker: malformed message: ${parsed.error.message}` },
    });
    return;
  }
  try {
    run(parsed.data.payload);
  } catch (error) {
    post({ type: 'failed', payload: { message: error instanceof Error ? error.message : String(error) } });
  }
});
