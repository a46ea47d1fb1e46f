import { Worker } from 'node:worker_threads';
import type { z } from 'zod';

/** What one reply of a chunk's worker means: its result, a failure that ends the pool, or progress (null). */
export type ChunkOutcome<R> = { readonly result: R } | { readonly failure: string } | null;

export interface WorkerChunksOptions<C, M, R> {
  readonly workerEntry: URL;
  /** One worker thread runs each chunk. */
  readonly chunks: readonly C[];
  readonly signal?: AbortSignal | undefined;
  /** How errors name the worker, e.g. 'matrix worker'. */
  readonly workerName: string;
  /** The error the pool rejects with when the signal aborts. */
  readonly cancelled: () => Error;
  /** Schema of the worker's replies: nothing from a worker is used unparsed. */
  readonly reply: z.ZodType<M>;
  /** The envelope that starts chunk `index`. */
  readonly start: (chunk: C, index: number) => unknown;
  /** Handles one parsed reply of chunk `index`. */
  readonly onReply: (message: M, index: number) => ChunkOutcome<R>;
}

/**
 * Runs each chunk in its own worker thread and resolves with their results in chunk order.
 * The pool settles once: the first failure, crash, malformed reply or abort ends it and
 * terminates every worker, so no thread outlives a cancelled or failed job.
 */
export function runWorkerChunks<C, M, R>(options: WorkerChunksOptions<C, M, R>): Promise<R[]> {
  const { chunks, signal, workerName } = options;
  const results: (R | undefined)[] = chunks.map(() => undefined);
  const workers: Worker[] = [];
  return new Promise<R[]>((resolve, reject) => {
    let settled = false;
    let remaining = chunks.length;
    const finish = (error: Error | null): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      for (const worker of workers) void worker.terminate();
      if (error === null) resolve(results.map((r) => r as R));
      else reject(error);
    };
    const onAbort = (): void => {
      finish(options.cancelled());
    };
    if (signal?.aborted === true) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort);
    if (remaining === 0) {
      finish(null);
      return;
    }
    chunks.forEach((chunk, index) => {
      const worker = new Worker(options.workerEntry);
      workers.push(worker);
      worker.on('message', (raw: unknown) => {
        const parsed = options.reply.safeParse(raw);
        if (!parsed.success) {
          finish(new Error(`${workerName} sent a malformed message: ${parsed.error.message}`));
          return;
        }
        const outcome = options.onReply(parsed.data, index);
        if (outcome === null) return;
        if ('failure' in outcome) {
          finish(new Error(outcome.failure));
          return;
        }
        results[index] = outcome.result;
        void worker.terminate();
        if (--remaining === 0) finish(null);
      });
      worker.on('error', (error) => {
        finish(new Error(`${workerName} crashed: ${error.message}`));
      });
      worker.postMessage(options.start(chunk, index));
    });
  });
}
