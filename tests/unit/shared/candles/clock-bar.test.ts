import { describe, expect, it } from 'vitest';
import { ClockBar } from '../../../../shared/candles/clock-bar.js';

/** Feeds trades as every user of ClockBar does: close what is due, then add. */
function barsOf(lengthMs: number, trades: readonly (readonly [ts: number, price: number, amount: number])[]) {
  const bar = new ClockBar(lengthMs);
  const closed: {
    openTime: number;
    closeTime: number;
    o: number;
    h: number;
    l: number;
    c: number;
    v: number;
    n: number;
  }[] = [];
  const take = () => {
    const b = bar.finish();
    closed.push({
      openTime: b.openTime,
      closeTime: b.closeTime,
      o: b.open,
      h: b.high,
      l: b.low,
      c: b.close,
      v: b.volume,
      n: b.trades,
    });
  };
  for (const [ts, price, amount] of trades) {
    if (bar.due(ts)) take();
    bar.add(price, amount, ts);
  }
  return { bar, closed, take };
}

describe('ClockBar, the one trade-to-bar aggregator', () => {
  it('aligns bars to the epoch and takes open from the first trade, close from the last', () => {
    const { closed, take } = barsOf(60_000, [
      [60_500, 10, 1],
      [61_000, 12, 2],
      [119_999, 9, 1],
      [180_000, 11, 0.5],
    ]);
    take();
    expect(closed).toEqual([
      { openTime: 60_000, closeTime: 120_000, o: 10, h: 12, l: 9, c: 9, v: 4, n: 3 },
      // 120_000-180_000 had no trade: no bar.
      { openTime: 180_000, closeTime: 240_000, o: 11, h: 11, l: 11, c: 11, v: 0.5, n: 1 },
    ]);
  });

  it('is due the moment market time reaches the close, not when the next trade comes', () => {
    const bar = new ClockBar(1_000);
    expect(bar.nextClose).toBe(Number.POSITIVE_INFINITY);
    expect(bar.due(5_000)).toBe(false);
    bar.add(100, 1, 2_300);
    expect(bar.nextClose).toBe(3_000);
    expect(bar.due(2_999)).toBe(false);
    expect(bar.due(3_000)).toBe(true);
    expect(bar.finish().closeTime).toBe(3_000);
    expect(bar.isOpen).toBe(false);
  });

  it('rolls shorter bars up as the stored roll-up does: first open, last close, extremes, sums', () => {
    const bar = new ClockBar(300_000);
    bar.addBar({
      openTime: 300_000,
      open: 5,
      high: 7,
      low: 4,
      close: 6,
      volume: 1,
      quoteVolume: 5.5,
      trades: 3,
    });
    bar.addBar({
      openTime: 360_000,
      open: 6,
      high: 9,
      low: 5,
      close: 8,
      volume: 2,
      quoteVolume: 14,
      trades: 4,
    });
    const rolled = bar.finish();
    expect([rolled.openTime, rolled.open, rolled.high, rolled.low, rolled.close]).toEqual([
      300_000, 5, 9, 4, 8,
    ]);
    expect([rolled.volume, rolled.quoteVolume, rolled.trades]).toEqual([3, 19.5, 7]);
  });

  it('refuses a bar length that is not positive', () => {
    expect(() => new ClockBar(0)).toThrow(/must be > 0 ms/);
  });
});
