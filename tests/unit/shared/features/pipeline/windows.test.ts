import { describe, expect, it } from 'vitest';
import type { FeatureMatrix } from '../../../../../shared/features/pipeline/matrix.js';
import {
  packWindows,
  windowAt,
  windowCount,
  windowTimes,
} from '../../../../../shared/features/pipeline/windows.js';

/** 5 rows of [r, 10 r] at ts 100 r. */
const matrix: FeatureMatrix = {
  columns: ['r', 'ten_r'],
  ts: Float64Array.from([0, 100, 200, 300, 400]),
  values: Float64Array.from([0, 0, 1, 10, 2, 20, 3, 30, 4, 40]),
};

describe('sliding windows', () => {
  it('counts whole windows only', () => {
    expect(windowCount(5, 3)).toBe(3);
    expect(windowCount(5, 3, 2)).toBe(2);
    expect(windowCount(5, 5)).toBe(1);
    expect(windowCount(4, 5)).toBe(0);
    expect(() => windowCount(5, 0)).toThrow(RangeError);
  });

  it('gives a window as a view on the matrix buffer, rows in order', () => {
    const window = windowAt(matrix, 1, 3);
    expect(Array.from(window)).toEqual([1, 10, 2, 20, 3, 30]);
    expect(window.buffer).toBe(matrix.values.buffer);
    expect(Array.from(windowAt(matrix, 1, 3, 2))).toEqual([2, 20, 3, 30, 4, 40]);
    expect(() => windowAt(matrix, 3, 3)).toThrow(RangeError);
  });

  it('stamps each window with the time of its last row', () => {
    expect(Array.from(windowTimes(matrix, 3))).toEqual([200, 300, 400]);
    expect(Array.from(windowTimes(matrix, 3, 2))).toEqual([200, 400]);
  });

  it('packs every window into one Float32Array of shape [N, T, F]', () => {
    const packed = packWindows(matrix, 3);
    expect([packed.count, packed.length, packed.features]).toEqual([3, 3, 2]);
    expect(packed.data).toBeInstanceOf(Float32Array);
    expect(packed.data.length).toBe(18);
    expect(Array.from(packed.data)).toEqual([0, 0, 1, 10, 2, 20, 1, 10, 2, 20, 3, 30, 2, 20, 3, 30, 4, 40]);
    const strided = packWindows(matrix, 2, 3);
    expect(Array.from(strided.data)).toEqual([0, 0, 1, 10, 3, 30, 4, 40]);
  });
});
