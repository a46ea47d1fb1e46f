import { Worker } from 'node:worker_threads';
import type { MarketEvent } from '../../shared/domain/market.js';
import type { BookFeatures, Signal } from '../../shared/domain/signal.js';
import { encodeEvents } from '../../shared/market/event-codec.js';
import {
  fromFeatureWorkerSchema,
  type ToFeatureWorker,
} from '../../shared/worker/feature-worker-protocol.js';

export interface FeatureWorkerListener {
  onProcessed(events: number, features: readonly BookFeatures[], signals: readonly Signal[]): void;
  onError(message: string): void;
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
      this.settle();
      switch (message.type) {
        case 'processed':
          this.listener.onProcessed(
            message.payload.events,
            message.payload.features,
            message.payload.signals,
          );
          return;
        case 'failed':
          this.listener.onError(message.payload.message);
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
    if (events.length === 0 || this.exited) return;
    const payload = encodeEvents(events);
    const message: ToFeatureWorker = { seq: this.seq++, type: 'events', payload };
    this.inFlight++;
    this.worker.postMessage(message, [payload.buffer]);
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
