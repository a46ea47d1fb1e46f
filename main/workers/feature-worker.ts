import { Worker } from 'node:worker_threads';
import type { MarketEvent } from '../../shared/domain/market.js';
import type { BookFeatures, Signal } from '../../shared/domain/signal.js';
import { encodeEvents, type EncodedEvents } from '../../shared/market/event-codec.js';
import {
  fromFeatureWorkerSchema,
  type LiveSet,
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
          return;
        }
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
