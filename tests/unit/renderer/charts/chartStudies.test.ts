import { describe, expect, it } from 'vitest';
import type { Candle } from '../../../../shared/domain/candle.js';
import { overlayStudy, paneStudy, SMA_PERIOD } from '../../../../renderer/src/charts/chartStudies.js';
import { fitRange, keepBarsInView, visibleIndices } from '../../../../renderer/src/charts/chartView.js';
import { timeframeForSpan } from '../../../../renderer/src/stores/chartRange.js';
import { addOlderCandles, MAX_BARS } from '../../../../renderer/src/stores/marketsMerge.js';

const HOUR = 3_600_000;

function bar(i: number, close: number, volume = 2, quoteVolume = close * volume): Candle {
  return {
    instrument: 'demo:DEMO/USD',
    timeframe: '1h',
    openTime: i * HOUR,
    open: close - 1,
    high: close + 1,
    low: close - 2,
    close,
    volume,
    quoteVolume,
    trades: 1,
  };
}

describe('chart studies (values from the feature catalogue)', () => {
  it('draws the simple moving average from the bar where the window fills', () => {
    const bars = Array.from({ length: 60 }, (_, i) => bar(i, 100 + i));
    const [line] = overlayStudy('sma', bars).lines;
    expect(Number.isNaN(line?.values[SMA_PERIOD - 2] ?? 0)).toBe(true);
    // Closes 100..149: their mean is 124.5; one bar later 125.5.
    expect(line?.values[SMA_PERIOD - 1]).toBeCloseTo(124.5, 10);
    expect(line?.values[SMA_PERIOD]).toBeCloseTo(125.5, 10);
  });

  it('draws Bollinger bands k population deviations around their mid', () => {
    const bars = Array.from({ length: 20 }, (_, i) => bar(i, i % 2 === 0 ? 10 : 12));
    const [upper, mid, lower] = overlayStudy('bollinger', bars).lines;
    expect(mid?.values[19]).toBeCloseTo(11, 10);
    expect(upper?.values[19]).toBeCloseTo(13, 10); // std 1, k 2
    expect(lower?.values[19]).toBeCloseTo(9, 10);
  });

  it("draws VWAP as the day's quote volume over its volume, bar prices weighted by volume", () => {
    const bars = [bar(0, 100, 1, 100), bar(1, 110, 3, 333), bar(25, 120, 1, 120)];
    const [line] = overlayStudy('vwap', bars).lines;
    expect(line?.values[0]).toBeCloseTo(100, 10);
    expect(line?.values[1]).toBeCloseTo(433 / 4, 10);
    // 24 h later the first two bars have left the rolling day.
    expect(line?.values[2]).toBeCloseTo(120, 10);
  });

  it('draws the EMA seeded with the mean of its first 20 closes', () => {
    const bars = Array.from({ length: 21 }, (_, i) => bar(i, i < 20 ? 50 : 71));
    const [line] = overlayStudy('ema', bars).lines;
    expect(line?.values[19]).toBeCloseTo(50, 10);
    expect(line?.values[20]).toBeCloseTo(50 + (2 / 21) * 21, 10);
  });

  it('draws RSI at 100 through a steady rise and MACD flat at 0 on flat closes', () => {
    const rising = Array.from({ length: 20 }, (_, i) => bar(i, 100 + i));
    const [rsi] = paneStudy('rsi', rising).lines;
    expect(Number.isNaN(rsi?.values[13] ?? 0)).toBe(true);
    expect(rsi?.values[14]).toBe(100);

    const flat = Array.from({ length: 40 }, (_, i) => bar(i, 100));
    const [line, signal, histogram] = paneStudy('macd', flat).lines;
    expect(line?.values[39]).toBe(0);
    expect(signal?.values[39]).toBe(0);
    expect(histogram?.values[39]).toBe(0);
    expect(paneStudy('volume', flat).lines).toEqual([]);
  });
});

describe('chart view', () => {
  it('pulls a pan that left the bars back so five bars stay in view', () => {
    expect(keepBarsInView([200, 260], 0, 100, 10)).toEqual([50, 110]);
    expect(keepBarsInView([-300, -100], 0, 100, 10)).toEqual([-150, 50]);
    const inside: readonly [number, number] = [10, 90];
    expect(keepBarsInView(inside, 0, 100, 10)).toBe(inside);
  });

  it('fits the value axis to the rows in view, ignoring missing values', () => {
    const times = [0, 10, 20, 30, 40];
    expect(visibleIndices(times, 10, 30)).toEqual([1, 4]);
    expect(fitRange([[5, 1, Number.NaN, 3, 99]], 1, 4, 0)).toEqual([1, 3]);
    expect(fitRange([[Number.NaN]], 0, 1)).toBeNull();
  });

  it('keeps the timeframe shown while the span fits, else takes the shortest that holds it', () => {
    expect(timeframeForSpan(86_400_000, '1m')).toBe('1m');
    expect(timeframeForSpan(30 * 86_400_000, '1m')).toBe('5m');
    expect(timeframeForSpan(30 * 86_400_000, '1h')).toBe('1h');
    expect(timeframeForSpan(100 * 365 * 86_400_000, '1m')).toBe('1d');
  });
});

describe('older pages of bars', () => {
  it('adds only bars older than the earliest loaded, once each, under the cap', () => {
    const loaded = [bar(10, 1), bar(11, 1)];
    const older = [bar(8, 2), bar(9, 2), bar(9, 2), bar(10, 2)];
    expect(addOlderCandles(loaded, older).map((b) => [b.openTime / HOUR, b.close])).toEqual([
      [8, 2],
      [9, 2],
      [10, 1],
      [11, 1],
    ]);
    const full = Array.from({ length: MAX_BARS - 1 }, (_, i) => bar(100 + i, 1));
    const capped = addOlderCandles(full, [bar(98, 3), bar(99, 3)]);
    expect(capped).toHaveLength(MAX_BARS);
    expect(capped[0]?.openTime).toBe(99 * HOUR);
  });
});
