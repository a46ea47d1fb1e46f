import { addRows, histogramSize, type HistogramJob } from '../../shared/models/trees/histogram.js';

/**
 * The shared control array between a ThreadedHistograms and its helper threads: the job is
 * published as integers (arrays by the id they were registered under), blocks are claimed
 * with Atomics.add on NextBlock, and every helper counts itself into Done when no block is left.
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
} as const;
export const CONTROL_SLOTS = 20;

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
  }
}
