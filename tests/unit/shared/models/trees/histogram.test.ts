import { describe, expect, it } from 'vitest';
import { createRng } from '../../../../../shared/market/rng.js';
import {
  blockRowsOf,
  MAX_BLOCKS,
  MIN_BLOCK_ROWS,
  SerialHistograms,
  type HistogramJob,
} from '../../../../../shared/models/trees/histogram.js';

/** 10k rows x 3 features in 8 bins (+ missing), gradient and hessian per row, rows shuffled. */
function job(rows: number): HistogramJob {
  const rng = createRng(5);
  const width = 3;
  const binned = new Uint8Array(rows * width);
  for (let i = 0; i < binned.length; i++) binned[i] = rng.int(0, 9);
  const values = new Float64Array(rows * 2);
  for (let i = 0; i < values.length; i++) values[i] = rng.normal();
  const sample = Int32Array.from({ length: rows }, (_, i) => (i * 7919) % rows);
  return {
    binned,
    width,
    values,
    channels: 2,
    sample,
    start: 0,
    end: rows,
    features: Int32Array.of(0, 1, 2),
    binStride: 27,
  };
}

describe('node histograms', () => {
  it('cut a node into blocks by its row count only', () => {
    expect(blockRowsOf(10)).toBe(MIN_BLOCK_ROWS);
    expect(blockRowsOf(MIN_BLOCK_ROWS * MAX_BLOCKS * 2)).toBe(MIN_BLOCK_ROWS * 2);
  });

  it('sum every row of every block: counts exact, sums equal to a one-pass sum', () => {
    const rows = 10_000;
    const j = job(rows);
    const hist = new Float64Array(3 * 27);
    new SerialHistograms().build(j, hist);
    const naive = new Float64Array(3 * 27);
    for (let i = 0; i < rows; i++) {
      const r = j.sample[i] ?? 0;
      for (let f = 0; f < 3; f++) {
        const at = f * 27 + (j.binned[r * 3 + f] ?? 0) * 3;
        naive[at] = (naive[at] ?? 0) + (j.values[r * 2] ?? 0);
        naive[at + 1] = (naive[at + 1] ?? 0) + (j.values[r * 2 + 1] ?? 0);
        naive[at + 2] = (naive[at + 2] ?? 0) + 1;
      }
    }
    for (let i = 0; i < hist.length; i++) {
      if (i % 3 === 2) expect(hist[i]).toBe(naive[i]);
      else expect(hist[i]).toBeCloseTo(naive[i] ?? Number.NaN, 9);
    }
    let counted = 0;
    for (let b = 0; b < 9; b++) counted += hist[b * 3 + 2] ?? 0;
    expect(counted).toBe(rows);
  });

  it('adds the blocks in order, so a build over threads can reproduce it bit for bit', () => {
    const rows = 10_000;
    const j = job(rows);
    const hist = new Float64Array(3 * 27);
    new SerialHistograms().build(j, hist);
    // Blocks of 4096 rows built alone, then added left to right from zero.
    const expected = new Float64Array(3 * 27);
    for (let from = 0; from < rows; from += MIN_BLOCK_ROWS) {
      const block = new Float64Array(3 * 27);
      new SerialHistograms().build({ ...j, start: from, end: Math.min(rows, from + MIN_BLOCK_ROWS) }, block);
      for (let i = 0; i < block.length; i++) expected[i] = (expected[i] ?? 0) + (block[i] ?? 0);
    }
    expect(Array.from(hist)).toEqual(Array.from(expected));
  });
});
