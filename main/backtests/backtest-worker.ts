// A backtest worker: reads the candles (candle mode) or the recorded trades and books (event
// mode) of a range from the workspace (its own read-only connection, which WAL lets run beside
// the writer), runs one or many configurations over them, and reads the honesty statistics of a
// run (backtest-work.ts). It lives in main/ beside the storage code it reads with, as
// main/features/matrix-worker.ts does, because worker/ may not import main/.
import { parentPort } from 'node:worker_threads';
import { toBacktestWorkerSchema } from './backtest-protocol.js';
import { honestyWork, runBacktestWork, type BacktestWorkReply } from './backtest-work.js';

const port = parentPort;
if (port === null) throw new Error('backtest-worker must run as a worker thread');
let outSeq = 0;

function post(message: BacktestWorkReply, transfer: ArrayBuffer[] = []): void {
  port?.postMessage({ ...message, seq: outSeq++ }, transfer);
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
    const message = parsed.data;
    switch (message.type) {
      case 'run':
        runBacktestWork(message.payload, post);
        break;
      case 'honesty':
        post({ type: 'honesty', payload: honestyWork(message.payload) });
        break;
      default:
        message satisfies never;
    }
  } catch (error) {
    post({ type: 'failed', payload: { message: error instanceof Error ? error.message : String(error) } });
  }
});
