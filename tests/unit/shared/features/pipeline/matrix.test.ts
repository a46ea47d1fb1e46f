import { describe, expect, it } from 'vitest';
import {
  columnOf,
  concatMatrices,
  MatrixBuilder,
  sliceByTime,
} from '../../../../../shared/features/pipeline/matrix.js';

describe('feature matrix', () => {
  it('collects rows past its first capacity and trims to size', () => {
    const builder = new MatrixBuilder(['a', 'b'], 1);
    builder.push(10, [1, 2]);
    builder.push(20, Float64Array.from([0, 3, Number.NaN]), 1);
    builder.push(30, [5, 6]);
    const matrix = builder.build();
    expect(Array.from(matrix.ts)).toEqual([10, 20, 30]);
    expect(Array.from(matrix.values)).toEqual([1, 2, 3, Number.NaN, 5, 6]);
  });

  it('joins chunks in order and takes columns and time slices', () => {
    const first = {
      columns: ['a', 'b'],
      ts: Float64Array.from([1, 2]),
      values: Float64Array.from([1, 10, 2, 20]),
    };
    const second = { columns: ['a', 'b'], ts: Float64Array.from([3]), values: Float64Array.from([3, 30]) };
    const joined = concatMatrices(['a', 'b'], [first, second]);
    expect(Array.from(joined.ts)).toEqual([1, 2, 3]);
    expect(Array.from(columnOf(joined, 1))).toEqual([10, 20, 30]);
    const slice = sliceByTime(joined, 2, 3);
    expect(Array.from(slice.values)).toEqual([2, 20]);
    expect(slice.values.buffer).toBe(joined.values.buffer);
    expect(() => concatMatrices(['a'], [first])).toThrow(/2 columns/);
  });
});
