import { describe, expect, it } from 'vitest';
import { FeatureSpecError, resolveFeature } from '../../../../../shared/features/resolve.js';
import { bar, probe } from '../../../../fixtures/feature-streams.js';

const returns = { kind: 'bar_return', params: {} };

describe('rolling statistics', () => {
  it('takes one sample per closed bar of a candle feature, over the last n samples', () => {
    const p = probe('rolling', { of: returns, output: 'simple', window: 3 });
    // Closes 100, 110, 99, 108.9, 119.79: returns NaN, .1, -.1, .1, .1.
    [100, 110, 99].forEach((close, i) => p.feature.onBar?.(bar({ close, openTime: i * 60_000 })));
    // The window still holds the first bar's NaN return.
    expect(p.value('mean')).toBeNaN();
    p.feature.onBar?.(bar({ close: 108.9, openTime: 180_000 }));
    // [.1, -.1, .1]: mean 1/30, sample variance (2 (1/15)^2 + (2/15)^2) / 2 = 1/75.
    const v = p.values();
    expect(v.mean).toBeCloseTo(1 / 30, 12);
    expect(v.std).toBeCloseTo(Math.sqrt(1 / 75), 12);
    expect(v.min).toBeCloseTo(-0.1, 12);
    expect(v.max).toBeCloseTo(0.1, 12);
    // z of the latest (.1): (1/15) / sqrt(1/75) = sqrt(1/3).
    expect(v.zscore).toBeCloseTo(Math.sqrt(1 / 3), 10);
    p.feature.onBar?.(bar({ close: 119.79, openTime: 240_000 }));
    expect(p.value('mean')).toBeCloseTo(1 / 30, 12);
  });

  it('samples a book feature per book update over a time window', () => {
    const p = probe('rolling', {
      of: { kind: 'book_imbalance', params: { levels: 1 } },
      window: 1000,
      unit: 'ms',
    });
    const at = (ts: number, bid: number, ask: number) => {
      p.book.applySnapshot({ bids: [[99, bid]], asks: [[101, ask]] });
      p.feature.onTime?.(ts);
      p.feature.onBook?.(p.book, ts);
    };
    at(0, 3, 1); // +0.5
    at(400, 1, 1); // 0
    at(900, 1, 3); // -0.5
    let v = p.values();
    expect(v.mean).toBe(0);
    expect(v.std).toBeCloseTo(0.5, 14);
    expect([v.min, v.max]).toEqual([-0.5, 0.5]);
    expect(v.zscore).toBeCloseTo(-1, 14);
    // At t = 1000 the sample at 0 is out of (0, 1000]: [0, -0.5].
    p.feature.onTime?.(1000);
    v = p.values();
    expect(v.mean).toBe(-0.25);
    expect(v.std).toBeCloseTo(Math.sqrt(0.125), 14);
    expect([v.min, v.max]).toEqual([-0.5, 0]);
    expect(v.zscore).toBeCloseTo(-0.25 / Math.sqrt(0.125), 12);
  });

  it('samples a cross-asset feature once per moment, after the reference bar completes the pair', () => {
    const REF = 'demo:REF/USD';
    const p = probe('rolling', {
      of: { kind: 'cross_asset', params: { reference: REF, period: 3 } },
      output: 'beta',
      window: 3,
    });
    const moment = (i: number, own: number, ref: number) => {
      p.feature.onBar?.(bar({ close: own, openTime: i * 60_000 }));
      p.feature.onBar?.(bar({ instrument: REF, close: ref, openTime: i * 60_000 }));
    };
    // Beta is NaN for three moments, then defined: samples NaN, NaN, NaN, b4, b5, b6.
    [10, 11, 10, 12, 11].forEach((ref, i) => {
      moment(i, ref * ref * (i === 4 ? 1.5 : 1), ref);
    });
    // Window after the fifth moment: [NaN, b4, b5]. (Sampling on the own bars too would give
    // [b4, b4, b5]: the own bar of a moment arrives before its pair completes.)
    expect(p.value('mean')).toBeNaN();
    moment(5, 144, 12);
    expect(p.value('mean')).not.toBeNaN();
  });

  it('refuses an output the wrapped feature does not have', () => {
    expect(() => resolveFeature({ kind: 'rolling', params: { of: returns, output: 'nope' } })).toThrow(
      FeatureSpecError,
    );
  });

  it('inherits what the wrapped feature consumes', () => {
    const resolved = resolveFeature({
      kind: 'rolling',
      params: { of: { kind: 'rsi', params: { timeframe: '5m' } } },
    });
    expect(resolved.inputs).toEqual(['candles']);
    expect(resolved.timeframe).toBe('5m');
    expect(resolved.spec.params.of).toEqual({ kind: 'rsi', params: { period: 14, timeframe: '5m' } });
  });
});
