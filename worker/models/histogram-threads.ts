import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import {
  addHistogram,
  blockRowsOf,
  histogramSize,
  MAX_BLOCKS,
  type HistogramBuilder,
  type HistogramJob,
} from '../../shared/models/trees/histogram.js';
import {
  CONTROL_SLOTS,
  Slot,
  takeBlocks,
  type ArrayKind,
  type SharedArrayMessage,
} from './histogram-protocol.js';

type SharedView = Uint8Array | Float64Array | Int32Array;

/** Starting a thread takes well under a second; far longer means its entry failed to load. */
const START_TIMEOUT_MS = 20_000;
/** One node's histogram is milliseconds of work, even on a machine under heavy load. */
const JOB_TIMEOUT_MS = 60_000;

/**
 * A HistogramBuilder that splits every node of more than one row block over helper threads
 * (worker/tree-histograms.ts) and this thread. Training code stays synchronous: the caller
 * publishes a job in a shared control array, wakes the helpers with Atomics.notify, takes
 * blocks itself, then waits (Atomics.wait) until every block is built and adds the block
 * histograms in block order, exactly as SerialHistograms does in one thread.
 */
export class ThreadedHistograms implements HistogramBuilder {
  readonly threads: number;
  private readonly control = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * 4));
  private readonly helpers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private readonly ids = new WeakMap<ArrayBufferLike, number>();
  private nextId = 1;
  private features: Int32Array = new Int32Array(0);
  private blockHists: Float64Array = new Float64Array(0);
  private closed = false;
  private started = false;
  /** Why a helper thread failed, if one did (its error event, seen once this thread is free). */
  private failure: string | null = null;

  /** Starts `helpers` threads from the built helper entry (dist/worker/tree-histograms.js). */
  constructor(
    helpers: number,
    private readonly entry: URL,
    private readonly startTimeoutMs = START_TIMEOUT_MS,
  ) {
    if (!(Number.isInteger(helpers) && helpers >= 1))
      throw new RangeError(`histogram threads need at least one helper, got ${helpers}`);
    this.threads = helpers + 1;
    for (let i = 0; i < helpers; i++) {
      const channel = new MessageChannel();
      const worker = new Worker(entry, {
        workerData: { control: this.control.buffer, arrays: channel.port2 },
        transferList: [channel.port2],
      });
      // Idle helpers sleep in Atomics.wait; they must not keep the process alive.
      worker.unref();
      worker.on('error', (error) => {
        this.failure = error.message;
      });
      this.helpers.push(worker);
      this.ports.push(channel.port1);
    }
  }

  bytes(length: number): Uint8Array {
    return this.register(new Uint8Array(new SharedArrayBuffer(length)), 'bytes');
  }

  floats(length: number): Float64Array {
    return this.register(new Float64Array(new SharedArrayBuffer(length * 8)), 'floats');
  }

  ints(length: number): Int32Array {
    return this.register(new Int32Array(new SharedArrayBuffer(length * 4)), 'ints');
  }

  build(job: HistogramJob, out: Float64Array): void {
    if (this.closed) throw new Error('the histogram threads were closed');
    const size = histogramSize(job);
    const rows = job.end - job.start;
    const blockRows = blockRowsOf(rows);
    const blocks = Math.max(1, Math.ceil(rows / blockRows));
    if (this.features.length < job.features.length) this.features = this.ints(job.features.length);
    this.features.set(job.features);
    if (this.blockHists.length < MAX_BLOCKS * size) this.blockHists = this.floats(MAX_BLOCKS * size);
    const c = this.control;
    // A node of one block is not worth waking anyone for.
    const helping = blocks > 1;
    if (helping && !this.started) {
      this.waitFor(Slot.Ready, (n) => n >= this.helpers.length, this.startTimeoutMs, 'start');
      this.started = true;
    }
    // A helper that woke late may still be reading the last job: let it leave before rewriting.
    this.waitFor(Slot.Active, (n) => n === 0, JOB_TIMEOUT_MS, 'leave the last histogram');
    c[Slot.BinnedId] = this.idOf(job.binned, 'binned rows');
    c[Slot.BinnedOffset] = job.binned.byteOffset;
    c[Slot.Width] = job.width;
    c[Slot.ValuesId] = this.idOf(job.values, 'row values');
    c[Slot.ValuesOffset] = job.values.byteOffset / 8;
    c[Slot.Channels] = job.channels;
    c[Slot.SampleId] = this.idOf(job.sample, 'sample');
    c[Slot.SampleOffset] = job.sample.byteOffset / 4;
    c[Slot.Start] = job.start;
    c[Slot.End] = job.end;
    c[Slot.FeaturesId] = this.idOf(this.features, 'features');
    c[Slot.FeatureCount] = job.features.length;
    c[Slot.BinStride] = job.binStride;
    c[Slot.BlockRows] = blockRows;
    c[Slot.HistsId] = this.idOf(this.blockHists, 'block histograms');
    Atomics.store(c, Slot.NextBlock, 0);
    Atomics.store(c, Slot.Done, 0);
    if (helping) {
      const generation = Atomics.load(c, Slot.Generation) + 1;
      Atomics.store(c, Slot.OpenGen, generation);
      Atomics.store(c, Slot.Generation, generation);
      Atomics.notify(c, Slot.Generation);
    }
    const local = { ...job, features: this.features.subarray(0, job.features.length) };
    takeBlocks(c, local, this.blockHists);
    if (helping) {
      this.waitFor(Slot.Done, (n) => n >= blocks, JOB_TIMEOUT_MS, 'finish a histogram');
      Atomics.store(c, Slot.OpenGen, 0);
    }
    out.fill(0, 0, size);
    for (let b = 0; b < blocks; b++) addHistogram(out, this.blockHists, b * size, size);
  }

  release(view: Uint8Array | Float64Array | Int32Array): void {
    const id = this.ids.get(view.buffer);
    if (id === undefined) return;
    this.ids.delete(view.buffer);
    const message: SharedArrayMessage = { type: 'drop', id };
    for (const port of this.ports) port.postMessage(message);
  }

  /** Stops the helpers; the builder refuses work afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.control, Slot.Stop, 1);
    Atomics.add(this.control, Slot.Generation, 1);
    Atomics.notify(this.control, Slot.Generation);
    await Promise.all(this.helpers.map((worker) => worker.terminate()));
    for (const port of this.ports) port.close();
  }

  /**
   * Blocks until control[slot] is `reached`. A helper that died never counts itself in nor
   * finishes its block, so the wait is bounded and the error names the entry that failed.
   */
  private waitFor(slot: number, reached: (n: number) => boolean, timeoutMs: number, what: string): void {
    const deadline = performance.now() + timeoutMs;
    for (let n = Atomics.load(this.control, slot); !reached(n); n = Atomics.load(this.control, slot)) {
      const left = deadline - performance.now();
      if (left <= 0) {
        const reason = this.failure === null ? '' : `: ${this.failure}`;
        throw new Error(
          `histogram threads: helpers (${this.entry.href}) did not ${what} within ${timeoutMs / 1000} s${reason}`,
        );
      }
      Atomics.wait(this.control, slot, n, left);
    }
  }

  private register<T extends SharedView>(view: T, kind: ArrayKind): T {
    const id = this.nextId++;
    this.ids.set(view.buffer, id);
    const message: SharedArrayMessage = { type: 'add', id, kind, buffer: view.buffer as SharedArrayBuffer };
    // Queued before the job that uses it is published; helpers drain the queue on waking.
    for (const port of this.ports) port.postMessage(message);
    return view;
  }

  private idOf(view: SharedView, what: string): number {
    const id = this.ids.get(view.buffer);
    if (id === undefined)
      throw new Error(
        `histogram threads: the ${what} are not in memory from this builder's bytes/floats/ints`,
      );
    return id;
  }
}

/**
 * The builder for this machine: one thread per core (this one and cores - 1 helpers). Null on
 * one core (or `threads` 1): build in this thread.
 */
export function histogramThreadsFor(entry: URL, threads = availableParallelism()): ThreadedHistograms | null {
  const count = histogramThreadCount(entry, threads);
  return count > 1 ? new ThreadedHistograms(count - 1, entry) : null;
}

/** The threads histogramThreadsFor would build on, without starting any. */
export function histogramThreadCount(entry: URL, threads = availableParallelism()): number {
  // Run from sources (a unit test) there is no built helper: build in this thread.
  return threads > 1 && existsSync(fileURLToPath(entry)) ? threads : 1;
}
