// The history worker: imports a file, repairs marked candles or checks a range's candles, off
// the App's main thread, on its own write connection. It lives in main/ beside the storage
// code it writes with (BulkStore, the candle ledger), as main/features/matrix-worker.ts does,
// because worker/ may not import main/ and this worker writes, so the read-only storage reader
// that worker/ may use would not do. SQLite keeps one writer at a time: this connection takes
// the lock for one bounded transaction (IMPORT_CHUNK_ROWS rows, or one day of candles) at a
// time and yields between them, so the live recorder's flushes (another connection, waiting
// in busy_timeout) get in between.
import { parentPort } from 'node:worker_threads';
import { openDatabase } from '../storage/database.js';
import { BulkStore } from './bulk-store.js';
import { CandleLedger, repairCandles } from './candle-ledger.js';
import { ImportError } from './file-import.js';
import {
  toHistoryWorkerSchema,
  type FromHistoryWorker,
  type HistoryPhase,
  type HistoryWork,
} from './history-worker-protocol.js';
import { importFile } from './import-file.js';
import { verifyCandles } from './verify-candles.js';

const port = parentPort;
if (port === null) throw new Error('history-worker must run as a worker thread');
let outSeq = 0;
const stop = new AbortController();

type Outgoing = FromHistoryWorker extends infer M ? (M extends unknown ? Omit<M, 'seq'> : never) : never;

function post(message: Outgoing): void {
  port?.postMessage({ ...message, seq: outSeq++ });
}

/** At most ~10 progress messages a second: the App redraws a bar, not every batch. */
function progress(): (phase: HistoryPhase, done: number, total: number) => void {
  let last = 0;
  return (phase, done, total) => {
    const now = performance.now();
    if (now - last < 100 && done < total) return;
    last = now;
    post({ type: 'progress', payload: { phase, done, total } });
  };
}

async function run(databaseFile: string, nativeBinding: string | null, work: HistoryWork): Promise<void> {
  const db = openDatabase(databaseFile, nativeBinding === null ? {} : { nativeBinding });
  const report = progress();
  try {
    switch (work.kind) {
      case 'import': {
        const result = await importFile(db, work.request, report, stop.signal);
        post({ type: 'done', payload: result });
        return;
      }
      case 'repair': {
        const result = await repairCandles(
          new CandleLedger(db, new BulkStore(db)),
          undefined,
          (done, total) => {
            report('candles', done, total);
          },
        );
        post({ type: 'done', payload: result });
        return;
      }
      case 'verify': {
        const result = await verifyCandles(
          db,
          work,
          (done, total) => {
            report('verifying', done, total);
          },
          stop.signal,
        );
        post({ type: 'done', payload: result });
        return;
      }
      default:
        work satisfies never;
    }
  } finally {
    db.close();
  }
}

port.on('message', (raw: unknown) => {
  const message = toHistoryWorkerSchema.parse(raw);
  switch (message.type) {
    case 'cancel':
      stop.abort();
      return;
    case 'run': {
      const { databaseFile, nativeBinding, work } = message.payload;
      run(databaseFile, nativeBinding, work).then(
        () => {
          port.close();
        },
        (error: unknown) => {
          post({
            type: 'failed',
            payload: {
              message: error instanceof Error ? error.message : String(error),
              refused: error instanceof ImportError,
            },
          });
          port.close();
        },
      );
      return;
    }
    default:
      message satisfies never;
  }
});
