import { describe, expect, it } from 'vitest';
import { bar, probe } from '../../../../fixtures/feature-streams.js';
import { TEST_INSTRUMENT } from '../../../../fixtures/trades.js';

const REF = 'demo:REF/USD';

describe('cross-asset correlation and beta', () => {
  it('finds beta 2 and correlation 1 when returns are twice the reference', () => {
    const p = probe('cross_asset', { reference: REF, period: 3 });
    // Own closes are the reference's squared: log returns exactly double.
    const ref = [10, 11, 10, 12];
    ref.forEach((close, i) => {
      p.feature.onBar?.(bar({ instrument: REF, close, openTime: i * 60_000 }));
      p.feature.onBar?.(bar({ instrument: TEST_INSTRUMENT, close: close * close, openTime: i * 60_000 }));
    });
    expect(p.value('beta')).toBeCloseTo(2, 12);
    expect(p.value('correlation')).toBeCloseTo(1, 12);
  });

  it('pairs bars by open time, in either delivery order, skipping unpaired bars', () => {
    const p = probe('cross_asset', { reference: REF, period: 3 });
    // Own = 1 / ref^2 -> beta -2, correlation -1; an own bar without a reference bar is skipped.
    const ref = [10, 11, 10, 12];
    const times = [0, 1, 3, 4].map((i) => i * 60_000);
    ref.forEach((close, i) => {
      const openTime = times[i] ?? 0;
      p.feature.onBar?.(bar({ instrument: TEST_INSTRUMENT, close: 1 / (close * close), openTime }));
      p.feature.onBar?.(bar({ instrument: REF, close, openTime }));
      if (i === 1) p.feature.onBar?.(bar({ instrument: TEST_INSTRUMENT, close: 1, openTime: 2 * 60_000 }));
    });
    expect(p.value('beta')).toBeCloseTo(-2, 12);
    expect(p.value('correlation')).toBeCloseTo(-1, 12);
  });

  it('is NaN until n return pairs and when the reference does not move', () => {
    const p = probe('cross_asset', { reference: REF, period: 3 });
    [1, 2, 3].forEach((close, i) => {
      p.feature.onBar?.(bar({ instrument: TEST_INSTRUMENT, close, openTime: i * 60_000 }));
      p.feature.onBar?.(bar({ instrument: REF, close: 5, openTime: i * 60_000 }));
    });
    expect(p.values()).toEqual({ correlation: Number.NaN, beta: Number.NaN });
    p.feature.onBar?.(bar({ instrument: TEST_INSTRUMENT, close: 4, openTime: 3 * 60_000 }));
    p.feature.onBar?.(bar({ instrument: REF, close: 5, openTime: 3 * 60_000 }));
    expect(p.values()).toEqual({ correlation: Number.NaN, beta: Number.NaN });
  });
});
