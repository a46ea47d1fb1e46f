import { describe, expect, it } from 'vitest';
import { RollingVwap } from '../../../../shared/features/vwap.js';
import { createRng } from '../../../../shared/market/rng.js';

describe('rolling VWAP', () => {
  it('is null before any trade', () => {
    expect(new RollingVwap().value()).toBeNull();
  });

  it('weights prices by amount', () => {
    const vwap = new RollingVwap(60_000);
    vwap.add(0, 100, 1);
    vwap.add(1_000, 102, 3);
    // (100 * 1 + 102 * 3) / 4 = 406 / 4
    expect(vwap.value()).toBeCloseTo(101.5, 12);
    expect(vwap.count()).toBe(2);
    expect(vwap.volume()).toBe(4);
  });

  it('keeps the window (latest - 60 s, latest]: a trade exactly a minute old is out', () => {
    const vwap = new RollingVwap(60_000);
    vwap.add(0, 100, 1);
    vwap.add(10_000, 200, 1);
    vwap.advanceTo(59_999);
    expect(vwap.value()).toBeCloseTo(150, 12);
    vwap.advanceTo(60_000);
    expect(vwap.value()).toBeCloseTo(200, 12);
    expect(vwap.count()).toBe(1);
    vwap.advanceTo(70_000);
    expect(vwap.value()).toBeNull();
    expect(vwap.volume()).toBe(0);
  });

  it('never moves its window back when an older time comes along', () => {
    const vwap = new RollingVwap(1_000);
    vwap.add(0, 10, 1);
    vwap.advanceTo(5_000);
    vwap.advanceTo(100);
    expect(vwap.value()).toBeNull();
  });

  it('matches a from-scratch average over a long stream, through growth and wrap-around', () => {
    const rng = createRng(21);
    const vwap = new RollingVwap(5_000, 4);
    const trades: { ts: number; price: number; amount: number }[] = [];
    let ts = 0;
    for (let i = 0; i < 50_000; i++) {
      ts += rng.int(0, 40);
      const trade = { ts, price: 100 + rng.normal(), amount: 0.01 + rng.exponential(2) };
      trades.push(trade);
      vwap.add(trade.ts, trade.price, trade.amount);
      if (i % 997 === 0) {
        const inWindow = trades.filter((t) => t.ts > ts - 5_000);
        const notional = inWindow.reduce((sum, t) => sum + t.price * t.amount, 0);
        const amount = inWindow.reduce((sum, t) => sum + t.amount, 0);
        expect(vwap.count()).toBe(inWindow.length);
        expect(vwap.value()).toBeCloseTo(notional / amount, 9);
      }
    }
  });

  it('starts over when cleared', () => {
    const vwap = new RollingVwap();
    vwap.add(100, 5, 1);
    vwap.clear();
    expect([vwap.value(), vwap.count()]).toEqual([null, 0]);
    vwap.add(0, 7, 2);
    expect(vwap.value()).toBe(7);
  });
});
