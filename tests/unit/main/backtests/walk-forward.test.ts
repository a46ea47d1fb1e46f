import { describe, expect, it } from 'vitest';
import { walkForwardUnits, walkForwardWindows } from '../../../../main/backtests/walk-forward.js';

describe('walk-forward windows', () => {
  const range = { instrument: 'demo:DEMO/USD', timeframe: '1m' as const, from: 0, to: 1_000_000 };

  it('cuts the folds at stored bars, the last test window ending at the end of the range', () => {
    // Ten bars a minute apart with a gap of two missing bars after the fifth.
    const times = Float64Array.from([0, 1, 2, 3, 4, 7, 8, 9, 10, 11], (m) => m * 60_000);
    const windows = walkForwardWindows({
      range,
      barOpenTimes: times,
      trainBars: 4,
      testBars: 3,
      anchored: false,
    });
    expect(windows.map((w) => [w.train.from, w.train.to, w.test.from, w.test.to])).toEqual([
      [0, 240_000, 240_000, 540_000],
      [180_000, 540_000, 540_000, 1_000_000],
    ]);
    expect(windows[1]?.train).toMatchObject({ instrument: range.instrument, timeframe: '1m' });
  });

  it('anchors every train window at the first bar when asked', () => {
    const times = Float64Array.from({ length: 10 }, (_, i) => i * 60_000);
    const windows = walkForwardWindows({
      range,
      barOpenTimes: times,
      trainBars: 4,
      testBars: 2,
      anchored: true,
    });
    expect(windows.map((w) => w.train.from)).toEqual([0, 0, 0]);
    expect(windows.map((w) => w.test.from)).toEqual([240_000, 360_000, 480_000]);
  });

  it('has no fold when the bars are too few, and counts a sweep plus a test run per fold as work', () => {
    const times = Float64Array.from({ length: 5 }, (_, i) => i * 60_000);
    expect(
      walkForwardWindows({ range, barOpenTimes: times, trainBars: 4, testBars: 2, anchored: false }),
    ).toEqual([]);
    expect(walkForwardUnits(4, 12)).toBe(52);
  });
});
