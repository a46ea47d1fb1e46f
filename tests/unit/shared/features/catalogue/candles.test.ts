import { describe, expect, it } from 'vitest';
import type { Candle } from '../../../../../shared/domain/candle.js';
import { bar, probe, type FeatureProbe } from '../../../../fixtures/feature-streams.js';

/** Feeds closed bars given as closes, or as [high, low, close] triples. */
function feed(
  p: FeatureProbe,
  bars: readonly (number | readonly [number, number, number])[],
  volumes?: number[],
) {
  bars.forEach((b, i) => {
    const fields: Partial<Candle> & Pick<Candle, 'close'> =
      typeof b === 'number' ? { close: b } : { high: b[0], low: b[1], close: b[2] };
    p.feature.onBar?.(bar({ ...fields, openTime: i * 60_000, volume: volumes?.[i] ?? 1 }));
  });
}

describe('candle features', () => {
  it('bar_return is close / previous close - 1 and its log', () => {
    const p = probe('bar_return');
    feed(p, [100]);
    expect(p.value('simple')).toBeNaN();
    feed(p, [110]);
    expect(p.value('simple')).toBeCloseTo(0.1, 14);
    expect(p.value('log')).toBeCloseTo(Math.log(1.1), 14);
  });

  it('ignores bars of other instruments', () => {
    const p = probe('bar_return');
    feed(p, [100, 110]);
    p.feature.onBar?.(bar({ instrument: 'demo:OTHER/USD', close: 1 }));
    expect(p.value('simple')).toBeCloseTo(0.1, 14);
  });

  it('realised_vol is the sample std of the last n log returns', () => {
    const p = probe('realised_vol', { period: 3 });
    feed(p, [100, 110, 99]);
    expect(p.value()).toBeNaN();
    feed(p, [108.9]);
    // Returns a = ln 1.1, b = ln 0.9, a: mean m = (2a + b) / 3, variance = sum (r - m)^2 / 2.
    const a = Math.log(1.1);
    const b = Math.log(0.9);
    const m = (2 * a + b) / 3;
    expect(p.value()).toBeCloseTo(Math.sqrt((2 * (a - m) ** 2 + (b - m) ** 2) / 2), 14);
  });

  it('parkinson_vol is sqrt(sum ln(H/L)^2 / (4 n ln 2))', () => {
    const p = probe('parkinson_vol', { period: 2 });
    feed(p, [[110, 100, 105]]);
    expect(p.value()).toBeNaN();
    feed(p, [[121, 110, 115]]);
    // Two bars of ln(1.1)^2: sqrt(2 ln(1.1)^2 / (8 ln 2)) = ln 1.1 / (2 sqrt(ln 2)).
    expect(p.value()).toBeCloseTo(Math.log(1.1) / (2 * Math.sqrt(Math.LN2)), 14);
  });

  it('rsi uses Wilder averages seeded with the mean of the first n changes', () => {
    const p = probe('rsi', { period: 3 });
    feed(p, [10, 11, 12]);
    expect(p.value()).toBeNaN();
    // Changes +1, +1, -1: avg gain 2/3, avg loss 1/3, RS 2 -> 100 - 100/3.
    feed(p, [11]);
    expect(p.value()).toBeCloseTo(100 - 100 / 3, 12);
    // +2: gain (2/3 * 2 + 2) / 3 = 10/9, loss (1/3 * 2) / 3 = 2/9, RS 5 -> 100 - 100/6.
    feed(p, [13]);
    expect(p.value()).toBeCloseTo(100 - 100 / 6, 12);
  });

  it('rsi is 100 without losses and undefined without any movement', () => {
    const rising = probe('rsi', { period: 2 });
    feed(rising, [1, 2, 3]);
    expect(rising.value()).toBe(100);
    const flat = probe('rsi', { period: 2 });
    feed(flat, [5, 5, 5]);
    expect(flat.value()).toBeNaN();
  });

  it('macd seeds each EMA with the mean of its first n values', () => {
    const p = probe('macd', { fast: 2, slow: 3, signal: 2 });
    feed(p, [1, 2]);
    expect(p.value('line')).toBeNaN();
    // EMA2 (alpha 2/3): 1.5, 19/6, 115/18, 691/54. EMA3 (alpha 1/2): 7/3, 31/6, 127/12.
    feed(p, [4]);
    expect(p.value('line')).toBeCloseTo(19 / 6 - 7 / 3, 12);
    expect(p.value('signal')).toBeNaN();
    feed(p, [8]);
    // Line 5/6, 11/9; signal seeded with their mean 37/36.
    expect(p.value('line')).toBeCloseTo(11 / 9, 12);
    expect(p.value('signal')).toBeCloseTo(37 / 36, 12);
    feed(p, [16]);
    // Line 239/108; signal 37/36 + 2/3 (239/108 - 37/36) = 589/324; histogram 32/81.
    const v = p.values();
    expect(v.line).toBeCloseTo(239 / 108, 12);
    expect(v.signal).toBeCloseTo(589 / 324, 12);
    expect(v.histogram).toBeCloseTo(32 / 81, 12);
  });

  it('rejects a fast period that is not shorter than the slow one', () => {
    expect(() => probe('macd', { fast: 26, slow: 12 })).toThrow(/fast must be shorter/);
  });

  it('bollinger bands use the population std; %B places the close between them', () => {
    const p = probe('bollinger', { period: 3, k: 2 });
    feed(p, [1, 2, 3]);
    const s = Math.sqrt(2 / 3);
    const v = p.values();
    expect(v.mid).toBeCloseTo(2, 14);
    expect(v.upper).toBeCloseTo(2 + 2 * s, 14);
    expect(v.lower).toBeCloseTo(2 - 2 * s, 14);
    // (3 - (2 - 2s)) / (4s)
    expect(v.percent_b).toBeCloseTo((1 + 2 * s) / (4 * s), 14);
    const flat = probe('bollinger', { period: 2 });
    feed(flat, [5, 5]);
    expect(flat.value('percent_b')).toBeNaN();
  });

  it('atr is the Wilder average of true ranges from the second bar', () => {
    const p = probe('atr', { period: 2 });
    feed(p, [
      [10, 8, 9],
      [12, 9, 11],
    ]);
    expect(p.value()).toBeNaN();
    // TR: max(3, |12-9|, |9-9|) = 3; max(4, |11-11|, |7-11|) = 4 -> (3 + 4) / 2.
    feed(p, [[11, 7, 8]]);
    expect(p.value()).toBe(3.5);
    // TR max(1, |9-8|, |8-8|) = 1 -> (3.5 + 1) / 2.
    feed(p, [[9, 8, 8.5]]);
    expect(p.value()).toBe(2.25);
  });

  it('obv adds volume on up closes and subtracts it on down closes', () => {
    const p = probe('obv');
    feed(p, [10], [5]);
    expect(p.value()).toBe(0);
    feed(p, [11, 10.5, 10.5], [3, 2, 7]);
    // +3, -2, unchanged
    expect(p.value()).toBe(1);
  });

  it('stochastic %K places the close in the n-bar range, %D averages %K', () => {
    const p = probe('stochastic', { period: 3, smooth: 2 });
    feed(p, [
      [10, 8, 9],
      [11, 9, 10],
      [12, 10, 11],
    ]);
    // Range 8..12, close 11 -> 75.
    expect(p.values()).toEqual({ k: 75, d: Number.NaN });
    feed(p, [[11, 9, 9]]);
    // Range 9..12, close 9 -> 0; %D = (75 + 0) / 2.
    expect(p.values()).toEqual({ k: 0, d: 37.5 });
  });

  it("adx follows Wilder's directional movement", () => {
    const p = probe('adx', { period: 2 });
    feed(p, [
      [10, 9, 9.5],
      [11, 9.5, 10.5],
    ]);
    expect(p.value('plus_di')).toBeNaN();
    // Bar 3: +DM 1, 1; TR 1.5, 1.5 -> +DI 2/3 * 100, -DI 0, DX 100.
    feed(p, [[12, 10.5, 11.5]]);
    expect(p.value('plus_di')).toBeCloseTo(200 / 3, 12);
    expect(p.value('minus_di')).toBe(0);
    expect(p.value('adx')).toBeNaN();
    // Bar 4: -DM 1.5, TR 2.5: TR 3 - 1.5 + 2.5 = 4, +DM 2 - 1 = 1, -DM 1.5 -> +DI 25, -DI 37.5,
    // DX 100 * 12.5 / 62.5 = 20, ADX = (100 + 20) / 2.
    feed(p, [[11.5, 9, 9.5]]);
    expect(p.values()).toEqual({ adx: 60, plus_di: 25, minus_di: 37.5 });
    // Bar 5: -DM 1, TR 2: TR 4, +DM 0.5, -DM 1.75 -> +DI 12.5, -DI 43.75, DX 100 * 31.25 / 56.25.
    feed(p, [[10, 8, 8.5]]);
    const v = p.values();
    expect(v.plus_di).toBeCloseTo(12.5, 12);
    expect(v.minus_di).toBeCloseTo(43.75, 12);
    expect(v.adx).toBeCloseTo((60 + (100 * 31.25) / 56.25) / 2, 12);
  });
});
