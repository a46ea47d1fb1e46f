import { Worker } from 'node:worker_threads';
import type { MarketEvent } from '../../shared/domain/market.js';
import type { BookFeatures, Signal } from '../../shared/domain/signal.js';
import { encodeEvents, type EncodedEvents } from '../../shared/market/event-codec.js';
import {
  fromFeatureWorkerSchema,
  type InferenceSkips,
  type LivePrediction,
  type LiveSet,
  type ModelLoad,
  type ToFeatureWorker,
} from '../../shared/worker/feature-worker-protocol.js';

export interface FeatureWorkerListener {
  onProcessed(events: number, features: readonly BookFeatures[], signals: readonly Signal[]): void;
  onError(message: string): void;
}

/** Rows a live feature set took in one batch, as views on the transferred buffers. */
export interface LiveVectors {
  readonly setId: string;
  readonly width: number;
  readonly ts: Float64Array;
  /** Row-major, `width` values a row; NaN = missing. */
  readonly values: Float64Array;
}

/** A model the worker restored: what it outputs and where it runs. */
export interface LoadedLiveModel {
  readonly modelId: number;
  readonly outputs: number;
  readonly window: number;
  readonly backend: string | null;
  /** How it predicts: 'plain forward pass', 'tfjs <backend>' or 'plain TypeScript'. */
  readonly path: string;
  readonly pathNote: string | null;
  readonly uncertainty: boolean;
}

/**
 * Hears the live models' predictions of a batch, right after the batch's rows went to the
 * vector listeners (a prediction's `row` indexes its set's rows of that same batch).
 */
export interface LivePredictionListener {
  onPredictions(predictions: readonly LivePrediction[], skipped: readonly InferenceSkips[]): void;
}

/** Hears the live feature sets' rows, and sets the worker could not start. */
export interface LiveVectorListener {
  onVectors(vectors: readonly LiveVectors[]): void;
  onSetFailed?(setId: string, message: string): void;
}

/**
 * The host's handle on the feature worker thread: sends event batches (transferred buffers),
 * hears back features and signals. `pending` counts batches in flight so callers can apply
 * back-pressure and benchmarks can wait for the pipeline to drain.
 */
export class FeatureWorker {
  private readonly worker: Worker;
  private seq = 0;
  private inFlight = 0;
  private drained: (() => void)[] = [];
  private exited = false;
  private readonly vectorListeners = new Set<LiveVectorListener>();
  private readonly predictionListeners = new Set<LivePredictionListener>();
  /** Loads awaiting the worker's answer, by the seq of their load_model message. */
  private readonly loads = new Map<
    number,
    { modelId: number; resolve: (model: LoadedLiveModel) => void; reject: (error: Error) => void }
  >();

  constructor(
    entry: URL,
    private readonly listener: FeatureWorkerListener,
  ) {
    this.worker = new Worker(entry);
    this.worker.on('message', (raw: unknown) => {
      const parsed = fromFeatureWorkerSchema.safeParse(raw);
      if (!parsed.success) {
        this.listener.onError(`feature worker sent a malformed message: ${parsed.error.message}`);
        return;
      }
      const message = parsed.data;
      switch (message.type) {
        case 'processed': {
          this.settle();
          this.listener.onProcessed(
            message.payload.events,
            message.payload.features,
            message.payload.signals,
          );
          if (message.payload.vectors.length === 0) return;
          const vectors = message.payload.vectors.map((rows) => ({
            setId: rows.setId,
            width: rows.width,
            ts: new Float64Array(rows.ts, 0, rows.count),
            values: new Float64Array(rows.values, 0, rows.count * rows.width),
          }));
          for (const listener of this.vectorListeners) listener.onVectors(vectors);
          const { predictions, skipped } = message.payload;
          if (predictions.length === 0 && skipped.length === 0) return;
          for (const listener of this.predictionListeners) listener.onPredictions(predictions, skipped);
          return;
        }
        case 'model_loaded': {
          const { request, ...loaded } = message.payload;
          this.loads.get(request)?.resolve(loaded);
          this.loads.delete(request);
          return;
        }
        case 'model_failed':
          this.loads.get(message.payload.request)?.reject(new Error(message.payload.message));
          this.loads.delete(message.payload.request);
          return;
        case 'failed':
          this.settle();
          this.listener.onError(message.payload.message);
          return;
        case 'set_failed':
          for (const listener of this.vectorListeners) {
            listener.onSetFailed?.(message.payload.setId, message.payload.message);
          }
          return;
        default:
          message satisfies never;
      }
    });
    this.worker.on('error', (error) => {
      this.listener.onError(`feature worker crashed: ${error.message}`);
    });
    this.worker.on('exit', () => {
      this.exited = true;
      this.inFlight = 0;
      this.releaseWaiters();
      for (const load of this.loads.values()) load.reject(new Error('the feature worker has stopped'));
      this.loads.clear();
    });
  }

  get pending(): number {
    return this.inFlight;
  }

  send(events: readonly MarketEvent[]): void {
    if (events.length === 0) return;
    this.sendEncoded(encodeEvents(events));
  }

  /** Sends a batch already encoded (its buffer is transferred: the caller loses it). */
  sendEncoded(payload: EncodedEvents): void {
    if (payload.count === 0 || this.exited) return;
    const message: ToFeatureWorker = { seq: this.seq++, type: 'events', payload };
    this.inFlight++;
    this.worker.postMessage(message, [payload.buffer]);
  }

  /** Runs these feature sets live from now on (sets already running keep their state). */
  configureSets(sets: readonly LiveSet[]): void {
    if (this.exited) return;
    const message: ToFeatureWorker = { seq: this.seq++, type: 'sets', payload: { sets: [...sets] } };
    this.worker.postMessage(message);
  }

  /**
   * Restores a model in the worker and runs it on its set's rows from the next batch on.
   * Resolves when it is ready; rejects with the worker's reason (a corrupt artifact, columns
   * the set lacks). A tfjs artifact's weights buffer is transferred: the caller loses it.
   */
  loadModel(load: ModelLoad): Promise<LoadedLiveModel> {
    if (this.exited) return Promise.reject(new Error('the feature worker has stopped'));
    this.dropLoads(load.modelId, `model ${load.modelId} was loaded again`);
    return new Promise<LoadedLiveModel>((resolve, reject) => {
      const seq = this.seq++;
      this.loads.set(seq, { modelId: load.modelId, resolve, reject });
      const message: ToFeatureWorker = { seq, type: 'load_model', payload: load };
      this.worker.postMessage(message, load.artifact.format === 'tfjs' ? [load.artifact.weightData] : []);
    });
  }

  /** Stops a model in the worker (and any load of it still under way). */
  unloadModel(modelId: number): void {
    this.dropLoads(modelId, `model ${modelId} was stopped while loading`);
    if (this.exited) return;
    const message: ToFeatureWorker = { seq: this.seq++, type: 'unload_model', payload: { modelId } };
    this.worker.postMessage(message);
  }

  /** Follows the live models' predictions; returns how to stop. */
  subscribePredictions(listener: LivePredictionListener): () => void {
    this.predictionListeners.add(listener);
    return () => this.predictionListeners.delete(listener);
  }

  /** Follows the live sets' rows; returns how to stop. */
  subscribeVectors(listener: LiveVectorListener): () => void {
    this.vectorListeners.add(listener);
    return () => this.vectorListeners.delete(listener);
  }

  /** Resolves when every batch sent so far has been processed. */
  whenDrained(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    await this.whenDrained();
    const exited = new Promise<void>((resolve) =>
      this.worker.once('exit', () => {
        resolve();
      }),
    );
    this.worker.postMessage({ seq: this.seq++, type: 'stop', payload: {} } satisfies ToFeatureWorker);
    await exited;
  }

  private dropLoads(modelId: number, reason: string): void {
    for (const [seq, load] of this.loads) {
      if (load.modelId !== modelId) continue;
      load.reject(new Error(reason));
      this.loads.delete(seq);
    }
  }

  private settle(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.inFlight === 0) this.releaseWaiters();
  }

  private releaseWaiters(): void {
    const waiters = this.drained;
    this.drained = [];
    for (const resolve of waiters) resolve();
  }
}
