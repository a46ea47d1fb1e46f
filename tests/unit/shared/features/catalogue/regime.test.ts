import { describe, expect, it } from 'vitest';
import { REGIME_CODES } from '../../../../../shared/features/catalogue/regime.js';
import { bar, probe } from '../../../../fixtures/feature-streams.js';

describe('regime', () => {
  it('codes calm/volatile by realised vol against its median and trend by ADX and the DIs', () => {
    const p = probe('regime', { volPeriod: 2, medianPeriod: 3, adxPeriod: 2, adxThreshold: 25 });
    const bars: [number, number, number][] = [
      [10, 9, 9.5],
      [11, 9.5, 10.5],
      [12, 10.5, 11.5],
      [11.5, 9, 9.5],
    ];
    const feed = (hlc: [number, number, number], i: number) =>
      p.feature.onBar?.(bar({ high: hlc[0], low: hlc[1], close: hlc[2], openTime: i * 60_000 }));
    bars.forEach(feed);
    // Only two vols so far (bars 3 and 4): no median of 3 yet.
    expect(p.value()).toBeNaN();

    // Bar 5: vols |r2 - r3| / sqrt 2 = .0064, |r3 - r4| / sqrt 2 = .200, |r4 - r5| / sqrt 2 = .0564;
    // the latest is the median, not above it: calm. ADX 57.8 >= 25 with -DI 43.75 > +DI 12.5: down.
    feed([10, 8, 8.5], 4);
    expect(p.value()).toBe(0);
    expect(REGIME_CODES[0]).toBe('calm down');

    // Bar 6 falls to 4: vol |r5 - r6| / sqrt 2 = .454 > median .200: volatile; -DI still leads.
    feed([8.6, 4, 4], 5);
    expect(p.value()).toBe(3);
    expect(REGIME_CODES[3]).toBe('volatile down');
  });
});
