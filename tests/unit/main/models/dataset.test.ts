import { describe, expect, it } from 'vitest';
import { packDataset, priceTimeframe, rowPrices } from '../../../../main/models/dataset.js';
import type { CandleSeries } from '../../../../shared/backtest/engine.js';

function candles(openTimes: number[], closes: number[], barMs = 1_000): CandleSeries {
  const n = openTimes.length;
  const of = (values: number[]) => Float64Array.from(values);
  return {
    length: n,
    barMs,
    openTime: of(openTimes),
    open: of(closes),
    high: of(closes),
    low: of(closes),
    close: of(closes),
    volume: new Float64Array(n).fill(1),
  };
}

describe('training datasets', () => {
  it('prices each row with the close of the last candle already closed at its time', () => {
    // Bars [0,1s) close 10, [1s,2s) close 11, then a gap, [5s,6s) close 15.
    const bars = candles([0, 1_000, 5_000], [10, 11, 15]);
    const ts = Float64Array.from([500, 1_000, 1_999, 2_000, 4_000, 6_000, 9_000]);
    expect(Array.from(rowPrices(ts, bars))).toEqual([Number.NaN, 10, 10, 11, 11, 15, 15]);
  });

  it('prices event and 1 s rows from 1 s candles and 30 m rows from 5 m candles', () => {
    expect(priceTimeframe('event')).toBe('1s');
    expect(priceTimeframe('1s')).toBe('1s');
    expect(priceTimeframe('1m')).toBe('1m');
    expect(priceTimeframe('5m')).toBe('5m');
    expect(priceTimeframe('30m')).toBe('5m');
  });

  const matrix = {
    columns: ['a', 'b'],
    ts: Float64Array.from({ length: 8 }, (_, i) => i * 1_000),
    values: Float64Array.from({ length: 16 }, (_, i) => i),
  };
  const prices = Float64Array.from([100, 101, 100, 102, 103, 101, 104, 105]);
  const label = { kind: 'fixed-horizon', horizon: 2, threshold: 0 } as const;

  it('posts copies of the matrix and prices with the label spec, so the App keeps its own', () => {
    const packed = packDataset(matrix, prices, label);
    expect(packed.transfer).toEqual([packed.wire.ts, packed.wire.values, packed.wire.prices]);
    expect(packed.wire.label).toEqual(label);
    packed.transfer.forEach((buffer) => new Float64Array(buffer).fill(-1));
    expect(matrix.values[3]).toBe(3);
    expect(prices[0]).toBe(100);
  });

  it('refuses prices that are not one per row', () => {
    expect(() => packDataset(matrix, prices.subarray(1), label)).toThrow(/7 prices for 8 matrix rows/);
  });
});
