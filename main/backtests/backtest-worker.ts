// A backtest worker: reads the candles of a range from the workspace (its own read-only
// connection, which WAL lets run beside the writer) and runs one or many candle-mode
// configurations over them. It lives in main/ beside the storage code it reads with, as
// main/features/matrix-worker.ts does, because worker/ may not import main/.
import Database from 'better-sqlite3';
import { parentPort } from 'node:worker_threads';
import { MarketStore } from '../storage/market-store.js';
import {
  toBacktestWorkerSchema,
  type BacktestWorkRequest,
  type FromBacktestWorker,
} from './backtest-protocol.js';
import { PACKED_WIDTH, packOutcome, packTrips, readSeries, runCandleConfiguration } from './candle-run.js';

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
  let series;
  try {
    series = readSeries(new MarketStore(db), request);
  } finally {
    db.close();
  }
  const count = request.configurations.length;
  const outcomes = new Float64Array(count * PACKED_WIDTH);
  let detail: Extract<FromBacktestWorker, { type: 'results' }>['payload']['detail'] = null;
  const transfer: ArrayBuffer[] = [outcomes.buffer];
  request.configurations.forEach((params, k) => {
    const outcome = runCandleConfiguration(
      series,
      request.strategy,
      params,
      request.costs,
      request.timeframe,
    );
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
        bars: series.length,
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
