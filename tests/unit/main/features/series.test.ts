import { describe, expect, it } from 'vitest';
import { seriesOf } from '../../../../main/features/feature-service.js';

describe('a feature series for the plots', () => {
  it('thins rows to the point budget and bins every finite value', () => {
    const matrix = {
      columns: ['x'],
      ts: Float64Array.from([0, 1, 2, 3, 4, 5]),
      values: Float64Array.from([0, 1, Number.NaN, 2, 3, 4]),
    };
    const series = seriesOf(matrix, 0, 3, 2);
    // 6 rows, at most 3 points: every 2nd row.
    expect(series.ts).toEqual([0, 2, 4]);
    expect(series.values).toEqual([0, null, 3]);
    // Values 0, 1, 2, 3, 4 in 2 bins of width 2: [0, 2) holds 0 and 1, the last bin 2, 3, 4.
    expect(series.histogram).toEqual({ edges: [0, 2, 4], counts: [2, 3] });
    // Mean 2, population variance (4 + 1 + 0 + 1 + 4) / 5 = 2.
    expect(series.stats).toEqual({ rows: 6, missing: 1, mean: 2, std: Math.sqrt(2), min: 0, max: 4 });
  });

  it('puts a constant column in one bin', () => {
    const matrix = { columns: ['x'], ts: Float64Array.from([0, 1]), values: Float64Array.from([7, 7]) };
    expect(seriesOf(matrix, 0, 10, 5).histogram).toEqual({ edges: [7, 8], counts: [2] });
  });

  it('has no histogram and null statistics for an all-missing column', () => {
    const series = seriesOf(
      { columns: ['x'], ts: Float64Array.from([0]), values: Float64Array.from([Number.NaN]) },
      0,
      10,
      5,
    );
    expect(series.histogram).toEqual({ edges: [], counts: [] });
    expect(series.stats.mean).toBeNull();
  });
});
