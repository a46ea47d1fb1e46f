import { Worker } from 'node:worker_threads';
import type { BackendInfo, FoldReport } from '../../shared/api/domains/models.js';
import type { NormalizationStats } from '../../shared/features/pipeline/normalize.js';
import type { ModelArtifact } from '../../shared/models/model.js';
import {
  fromTrainingWorkerSchema,
  TRAINING_WORKER_DATA,
  type CheckpointWire,
  type FromTrainingWorker,
  type ToTrainingWorker,
  type TrainingStep,
  type TrainRequest,
} from '../../shared/models/training-protocol.js';

/** Why a training run ended early on purpose: the job was cancelled or the pruner stopped the trial. */
export class TrainingStopped extends Error {
  override readonly name = 'TrainingStopped';

  constructor(readonly reason: 'cancelled' | 'pruned') {
    super(reason);
  }
}

export interface TrainingHooks {
  readonly signal?: AbortSignal | undefined;
  /** Every epoch or tree; return 'stop' to end the run at once (pruning). */
  readonly onStep?: (step: TrainingStep) => 'stop' | undefined;
  readonly onFold?: (report: FoldReport) => void;
  /** A network improved its watched loss: the weights to resume the fit in progress from. */
  readonly onCheckpoint?: (checkpoint: CheckpointWire) => void;
}

export interface TrainingOutcome {
  readonly folds: readonly FoldReport[];
  readonly backend: BackendInfo;
  readonly trainingMs: number;
  readonly normalization: NormalizationStats | null;
  readonly artifact: ModelArtifact | null;
}

/** Where a run gets its thread, and what becomes of the thread after the run. */
export interface TrainingThreads {
  take(): Worker;
  /** `clean`: the run ended normally and the thread may serve another; else it is terminated. */
  give(worker: Worker, clean: boolean): void;
}

const startThread = (workerEntry: URL): Worker =>
  new Worker(workerEntry, { workerData: TRAINING_WORKER_DATA });

/** A fresh thread per run, terminated after it. */
export function freshThreads(workerEntry: URL): TrainingThreads {
  return {
    take: () => startThread(workerEntry),
    give: (worker) => {
      void worker.terminate();
    },
  };
}

/**
 * Threads kept between the trials of a search: loading a training worker (TensorFlow.js
 * included) costs about a second, more than a small tree trial. A thread whose run was
 * pruned, cancelled or failed is terminated, never reused; `close` ends the idle ones.
 */
export class TrainingThreadPool implements TrainingThreads {
  private readonly idle: Worker[] = [];
  private closed = false;

  constructor(private readonly workerEntry: URL) {}

  take(): Worker {
    return this.idle.pop() ?? startThread(this.workerEntry);
  }

  give(worker: Worker, clean: boolean): void {
    if (clean && !this.closed) this.idle.push(worker);
    else void worker.terminate();
  }

  close(): void {
    this.closed = true;
    for (const worker of this.idle.splice(0)) void worker.terminate();
  }
}

/**
 * Runs one request on a training worker thread: posts it with `transfer`red buffers, parses
 * every reply, and settles once. Cancel, a pruned trial, a crash or a malformed reply
 * terminate the thread, so no training outlives its job.
 */
function withWorker<T>(
  threads: TrainingThreads,
  message: ToTrainingWorker,
  transfer: readonly ArrayBuffer[],
  signal: AbortSignal | undefined,
  onReply: (reply: FromTrainingWorker) => { done: T } | { stop: Error } | null,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new TrainingStopped('cancelled'));
      return;
    }
    const worker = threads.take();
    let settled = false;
    const finish = (error: Error | null, value?: T): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      threads.give(worker, error === null);
      if (error === null) resolve(value as T);
      else reject(error);
    };
    const onAbort = (): void => {
      finish(new TrainingStopped('cancelled'));
    };
    const onMessage = (raw: unknown): void => {
      const parsed = fromTrainingWorkerSchema.safeParse(raw);
      if (!parsed.success) {
        finish(new Error(`training worker sent a malformed message: ${parsed.error.message}`));
        return;
      }
      if (parsed.data.type === 'failed') {
        finish(new Error(parsed.data.payload.message));
        return;
      }
      let outcome: ReturnType<typeof onReply>;
      try {
        outcome = onReply(parsed.data);
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (outcome === null) return;
      if ('stop' in outcome) finish(outcome.stop);
      else finish(null, outcome.done);
    };
    const onError = (error: Error): void => {
      finish(new Error(`training worker crashed: ${error.message}`));
    };
    const onExit = (code: number): void => {
      finish(new Error(`training worker exited (code ${code}) before it answered`));
    };
    signal?.addEventListener('abort', onAbort);
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(message, [...transfer]);
  });
}

/** Trains one model on a worker thread: per-fold validation, then (if asked) the final fit. */
export function runTraining(
  threads: TrainingThreads,
  request: TrainRequest,
  transfer: readonly ArrayBuffer[],
  hooks: TrainingHooks = {},
): Promise<TrainingOutcome> {
  const folds: FoldReport[] = [];
  return withWorker<TrainingOutcome>(
    threads,
    { seq: 0, type: 'train', payload: request },
    transfer,
    hooks.signal,
    (reply) => {
      switch (reply.type) {
        case 'progress':
          return hooks.onStep?.(reply.payload) === 'stop' ? { stop: new TrainingStopped('pruned') } : null;
        case 'fold':
          folds.push(reply.payload);
          hooks.onFold?.(reply.payload);
          return null;
        case 'checkpoint':
          hooks.onCheckpoint?.(reply.payload);
          return null;
        case 'trained': {
          const { artifact, ...rest } = reply.payload;
          return { done: { ...rest, folds, artifact: artifact === null ? null : { ...artifact } } };
        }
        case 'backend':
        case 'failed':
          return { stop: new Error(`training worker answered '${reply.type}' to a training request`) };
        default: {
          const never: never = reply;
          return { stop: new Error(`unknown reply ${JSON.stringify(never)}`) };
        }
      }
    },
  );
}

/** Asks a fresh worker which TensorFlow.js backend loads here, best first. */
export function probeBackend(workerEntry: URL): Promise<BackendInfo> {
  return withWorker<BackendInfo>(
    freshThreads(workerEntry),
    { seq: 0, type: 'backend', payload: {} },
    [],
    undefined,
    (reply) =>
      reply.type === 'backend'
        ? { done: reply.payload }
        : { stop: new Error(`training worker answered '${reply.type}' to a backend probe`) },
  );
}
