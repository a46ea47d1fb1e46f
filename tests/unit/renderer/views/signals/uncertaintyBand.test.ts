import { describe, expect, it } from 'vitest';
import { bandRuns } from '../../../../../renderer/src/views/signals/uncertaintyBand.js';

describe('uncertainty band', () => {
  it('surrounds the line point by point, one run per stretch with an uncertainty, none across gaps', () => {
    const runs = bandRuns(
      [1, 2, 3, 4, 5, 6],
      [0.5, 0.6, 0.7, 0.4, 0.3, 0.2],
      [0.1, 0.05, null, 0.1, 0.2, null],
    );
    expect(runs).toHaveLength(2);
    expect(runs[0]?.ts).toEqual([1, 2]);
    expect(runs[0]?.upper[0]).toBeCloseTo(0.6, 12);
    expect(runs[0]?.lower[0]).toBeCloseTo(0.4, 12);
    expect(runs[0]?.upper[1]).toBeCloseTo(0.65, 12);
    expect(runs[0]?.lower[1]).toBeCloseTo(0.55, 12);
    expect(runs[1]?.ts).toEqual([4, 5]);
    expect(runs[1]?.upper[1]).toBeCloseTo(0.5, 12);
    expect(runs[1]?.lower[1]).toBeCloseTo(0.1, 12);
    // Every point of the line lies between its band's edges.
    for (const run of runs)
      run.ts.forEach((_t, i) => {
        expect(run.upper[i]).toBeGreaterThan(run.lower[i] ?? Number.NaN);
      });
  });

  it('has no band when the model gives no uncertainty', () => {
    expect(bandRuns([1, 2], [0.5, 0.6], [null, null])).toEqual([]);
  });
});
