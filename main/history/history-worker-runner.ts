import { Worker } from 'node:worker_threads';
import {
  fromHistoryWorkerSchema,
  type HistoryPhase,
  type HistoryWork,
  type HistoryWorkResults,
  type ToHistoryWorker,
} from './history-worker-protocol.js';

/** Where the history worker is and which workspace it writes. */
export interface HistoryWorkerOptions {
  /** The built worker script (dist/main/history/history-worker.js). */
  readonly entry: URL;
  readonly databaseFile: string;
  readonly nativeBinding?: string | undefined;
}

/** A file the worker refused (bad row, truncated...): its message names file and line. */
export class RefusedFileError extends Error {
  override readonly name = 'RefusedFileError';
}

/**
 * The V8 heap a history worker may grow to. An import holds one batch and one chunk of the
 * file, a few MB whatever the file's size; the cap turns a leak into a failed job instead of
 * a host that runs out of memory.
 */
const WORKER_HEAP_MB = 192;

/**
 * Runs one piece of history work in its own worker thread and resolves with its result. The
 * App's main thread only relays progress; `signal` asks the worker to stop at its next
 * transaction boundary (what it committed stays, and the ledger keeps it repairable).
 */
export function runHistoryWorker<K extends HistoryWork['kind']>(
  options: HistoryWorkerOptions,
  work: Extract<HistoryWork, { kind: K }>,
  onProgress: (phase: HistoryPhase, done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<HistoryWorkResults[K]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(options.entry, {
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    let seq = 0;
    let settled = false;
    const send = (message: Omit<ToHistoryWorker, 'seq'>): void => {
      worker.postMessage({ ...message, seq: seq++ });
    };
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', cancel);
      outcome();
    };
    const cancel = (): void => {
      send({ type: 'cancel', payload: {} });
    };
    worker.on('message', (raw: unknown) => {
      const message = fromHistoryWorkerSchema.safeParse(raw);
      if (!message.success) {
        finish(() => {
          reject(new Error(`history worker sent a malformed message: ${message.error.message}`));
        });
        void worker.terminate();
        return;
      }
      const data = message.data;
      switch (data.type) {
        case 'progress':
          onProgress(data.payload.phase, data.payload.done, data.payload.total);
          return;
        case 'done':
          // The payload was parsed as one of the three results; the work's kind says which.
          finish(() => {
            resolve(data.payload as HistoryWorkResults[K]);
          });
          return;
        case 'failed':
          finish(() => {
            reject(
              data.payload.refused
                ? new RefusedFileError(data.payload.message)
                : new Error(data.payload.message),
            );
          });
          return;
        default:
          data satisfies never;
      }
    });
    worker.on('error', (error) => {
      finish(() => {
        reject(new Error(`history worker failed: ${error.message}`));
      });
    });
    worker.on('exit', (code) => {
      finish(() => {
        reject(new Error(`history worker exited (code ${code}) before it finished`));
      });
    });
    signal?.addEventListener('abort', cancel);
    if (signal?.aborted === true) cancel();
    send({
      type: 'run',
      payload: {
        databaseFile: options.databaseFile,
        nativeBinding: options.nativeBinding ?? null,
        work,
      },
    });
  });
}
