import { addRows, histogramSize, type HistogramJob } from '../../shared/models/trees/histogram.js';

/**
 * The shared control array between a ThreadedHistograms and its helper threads: the job is
 * published as integers (arrays by the id they were registered under), blocks are claimed
 * with Atomics.add on NextBlock and counted into Done when built. The builder waits for the
 * blocks, never for a helper that woke too late to take one (on a loaded machine a helper may
 * get no CPU for a while), so a helper enters a job only while OpenGen names the generation
 * it woke for, and counts itself in Active while it reads the job: the builder writes the
 * next job only when Active is 0.
 */
export const Slot = {
  /** Bumped to wake helpers for a new job (or to stop). */
  Generation: 0,
  NextBlock: 1,
  Done: 2,
  Stop: 3,
  BinnedId: 4,
  BinnedOffset: 5,
  Width: 6,
  ValuesId: 7,
  ValuesOffset: 8,
  Channels: 9,
  SampleId: 10,
  SampleOffset: 11,
  Start: 12,
  End: 13,
  FeaturesId: 14,
  FeatureCount: 15,
  BinStride: 16,
  BlockRows: 17,
  HistsId: 18,
  /** Helpers count themselves in once they wait for jobs. */
  Ready: 19,
  /** Helpers reading the published job. */
  Active: 20,
  /** The generation whose job helpers may enter; 0 once its blocks are all built. */
  OpenGen: 21,
} as const;
export const CONTROL_SLOTS = 22;

export type ArrayKind = 'bytes' | 'floats' | 'ints';

/** Sent on a helper's port when the builder hands out a shared array, and when it is released. */
export type SharedArrayMessage =
  | {
      readonly type: 'add';
      readonly id: number;
      readonly kind: ArrayKind;
      readonly buffer: SharedArrayBuffer;
    }
  | { readonly type: 'drop'; readonly id: number };

/**
 * Claims blocks of the published job until none is left; each block's histogram goes to its
 * own slot of `hists` (block b at b * size), so the sum order never depends on who built it.
 */
export function takeBlocks(control: Int32Array, job: HistogramJob, hists: Float64Array): void {
  const size = histogramSize(job);
  const blockRows = control[Slot.BlockRows] ?? 1;
  for (;;) {
    const block = Atomics.add(control, Slot.NextBlock, 1);
    const from = job.start + block * blockRows;
    if (from >= job.end) return;
    const at = block * size;
    hists.fill(0, at, at + size);
    addRows(job, from, Math.min(job.end, from + blockRows), hists, at);
    Atomics.add(control, Slot.Done, 1);
    Atomics.notify(control, Slot.Done);
  }
}
