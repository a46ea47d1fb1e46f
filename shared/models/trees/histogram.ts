/**
 * Node histograms of the tree learners, built over fixed row blocks. A node's histogram is the
 * sum, in block order, of the histograms of consecutive blocks of its rows, and the block size
 * depends only on the node's row count. So a build split over worker threads (each thread takes
 * whole blocks) adds exactly the same floating-point numbers in exactly the same order as a
 * build in one thread: the same data and params give bit-identical trees on any core count.
 */

/** One histogram to build: rows sample[start, end) over the given features. */
export interface HistogramJob {
  /** Row-major bins: binned[r * width + f]. */
  readonly binned: Uint8Array;
  readonly width: number;
  /** values[r * channels + c] for every row r. */
  readonly values: Float64Array;
  readonly channels: number;
  readonly sample: Int32Array;
  readonly start: number;
  readonly end: number;
  /** Features of the histogram's slots, in slot order. */
  readonly features: Int32Array;
  /** Doubles per feature slot: (bins + 1) * (channels + 1). */
  readonly binStride: number;
}

/** Where histograms are built: in this thread, or over row blocks in worker threads. */
export interface HistogramBuilder {
  /** Threads that build histograms, this one included. */
  readonly threads: number;
  /**
   * Arrays a job may reference. A threaded builder hands out shared memory its workers can
   * read; arrays from elsewhere are refused by its `build`.
   */
  bytes(length: number): Uint8Array;
  floats(length: number): Float64Array;
  ints(length: number): Int32Array;
  /** The array will be in no further job: helper threads let go of it. */
  release(array: Uint8Array | Float64Array | Int32Array): void;
  /** Writes the job's histogram into out[0, features.length * binStride). */
  build(job: HistogramJob, out: Float64Array): void;
}

/**
 * Below this many rows a node is one block. Each further block costs a clear and an add of a
 * whole histogram (30 features x 256 bins x 3 doubles), small beside 4096 rows x 30 features.
 */
export const MIN_BLOCK_ROWS = 4096;
/** At most this many blocks per node, so the block histograms of one build stay a few MB. */
export const MAX_BLOCKS = 32;

/** Rows per block of a node of `rows` rows: a function of the row count only. */
export function blockRowsOf(rows: number): number {
  return Math.max(MIN_BLOCK_ROWS, Math.ceil(rows / MAX_BLOCKS));
}

export function histogramSize(job: HistogramJob): number {
  return job.features.length * job.binStride;
}

/*
 * The hot loop of training: adds rows sample[from, to) into hist, whose slots start at `at`
 * and hold zeros or an earlier block of the same node. Indices are in range by construction
 * (bins < binStride, rows from the sample), and the `?? 0` fallbacks used elsewhere cost ~40%
 * here (measured), so this one function asserts instead.
 */
/* eslint-disable @typescript-eslint/no-non-null-assertion */
export function addRows(job: HistogramJob, from: number, to: number, hist: Float64Array, at: number): void {
  const { binned, width, values, sample, features, channels, binStride } = job;
  const stride = channels + 1;
  const slots = features.length;
  if (channels === 2 && slots === width) {
    // Boosting with every feature: a row's bins are contiguous, gradient and hessian one pair.
    for (let i = from; i < to; i++) {
      const r = sample[i]!;
      const rowAt = r * width;
      const g = values[r * 2]!;
      const h = values[r * 2 + 1]!;
      let base = at;
      for (let s = 0; s < slots; s++) {
        const cell = base + binned[rowAt + s]! * 3;
        hist[cell]! += g;
        hist[cell + 1]! += h;
        hist[cell + 2]! += 1;
        base += binStride;
      }
    }
    return;
  }
  for (let i = from; i < to; i++) {
    const r = sample[i]!;
    const rowAt = r * width;
    const valueAt = r * channels;
    for (let s = 0; s < slots; s++) {
      const cell = at + s * binStride + binned[rowAt + features[s]!]! * stride;
      for (let c = 0; c < channels; c++) hist[cell + c]! += values[valueAt + c]!;
      hist[cell + channels]! += 1;
    }
  }
}

/** out[0, length) += from[at, at + length). */
export function addHistogram(out: Float64Array, from: Float64Array, at: number, length: number): void {
  for (let i = 0; i < length; i++) out[i]! += from[at + i]!;
}
/* eslint-enable @typescript-eslint/no-non-null-assertion */

/** Builds every block in this thread, in block order. */
export class SerialHistograms implements HistogramBuilder {
  readonly threads = 1;
  private scratch = new Float64Array(0);

  bytes(length: number): Uint8Array {
    return new Uint8Array(length);
  }

  floats(length: number): Float64Array {
    return new Float64Array(length);
  }

  ints(length: number): Int32Array {
    return new Int32Array(length);
  }

  release(): void {
    // Nothing is shared with another thread.
  }

  build(job: HistogramJob, out: Float64Array): void {
    const size = histogramSize(job);
    const rows = job.end - job.start;
    const block = blockRowsOf(rows);
    out.fill(0, 0, size);
    // The first block straight into the zeroed output: 0 + x is x, as a threaded build's sum.
    addRows(job, job.start, Math.min(job.end, job.start + block), out, 0);
    if (rows <= block) return;
    if (this.scratch.length < size) this.scratch = new Float64Array(size);
    const scratch = this.scratch;
    for (let from = job.start + block; from < job.end; from += block) {
      scratch.fill(0, 0, size);
      addRows(job, from, Math.min(job.end, from + block), scratch, 0);
      addHistogram(out, scratch, 0, size);
    }
  }
}
