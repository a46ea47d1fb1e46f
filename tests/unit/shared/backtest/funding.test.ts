import { describe, expect, it } from 'vitest';
import { EventBacktest, runCandleBacktest, type CandleSeries } from '../../../../shared/backtest/engine.js';
import { fundingPerBar, type FundingSchedule } from '../../../../shared/backtest/funding.js';
import type { OrderIntent, OrderSide } from '../../../../shared/backtest/orders.js';
import { resultMetrics } from '../../../../shared/backtest/metrics.js';
import { config, fixtureBook, scripted, scriptedBars, submit, trade, delta } from './builders.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const noFees = { maker: 0, taker: 0 };
const perpetual = { kind: 'perpetual', leverage: 1, maintenanceMargin: 0.005 } as const;

const schedule = (rows: readonly (readonly [number, number])[]): FundingSchedule => ({
  ts: Float64Array.from(rows, (r) => r[0]),
  rate: Float64Array.from(rows, (r) => r[1]),
});

const market = (clientId: string, side: OrderSide, quantity: number): OrderIntent =>
  submit({ clientId, side, type: 'market', quantity });

/** Flat 1-minute bars at the given prices. */
function flatBars(prices: readonly number[]): CandleSeries {
  const column = () => Float64Array.from(prices);
  return {
    length: prices.length,
    barMs: MINUTE,
    openTime: Float64Array.from(prices, (_, i) => i * MINUTE),
    open: column(),
    high: column(),
    low: column(),
    close: column(),
    volume: new Float64Array(prices.length).fill(1),
  };
}

describe('funding per bar', () => {
  it('puts each funding time on the bar opening at or after it, leaving out times outside the bars', () => {
    const openTime = Float64Array.from([8, 12, 16, 20, 24], (h) => h * HOUR);
    const bars = fundingPerBar(
      openTime,
      schedule([
        [0, 0.5], // before the first bar: outside the range
        [8 * HOUR, 0.0001],
        [16 * HOUR, -0.0002],
        [24 * HOUR, 0.0003],
        [32 * HOUR, 0.5], // after the last bar's open
      ]),
    );
    expect(Array.from(bars.rate)).toEqual([0.0001, Number.NaN, -0.0002, Number.NaN, 0.0003]);
    expect(bars.events).toBe(3);
  });

  it('adds up the funding times a daily bar gathers, paid at the next open', () => {
    const bars = fundingPerBar(
      Float64Array.from([0, 24 * HOUR]),
      schedule([
        [0, 0.0001],
        [8 * HOUR, 0.0002],
        [16 * HOUR, 0.0003],
        [24 * HOUR, 0.0001],
      ]),
    );
    expect(bars.rate[0]).toBe(0.0001);
    expect(bars.rate[1]).toBeCloseTo(0.0006, 15);
    expect(bars.events).toBe(4);
  });

  it('refuses funding times out of order and rates that are not numbers', () => {
    expect(() =>
      fundingPerBar(
        Float64Array.from([0]),
        schedule([
          [10, 0.1],
          [5, 0.1],
        ]),
      ),
    ).toThrow(/funding times must increase: 5 at index 1/);
    expect(() => fundingPerBar(Float64Array.from([0]), schedule([[10, Number.NaN]]))).toThrow(
      /funding rate at 10 is not a number/,
    );
  });
});

describe('funding in a candle backtest', () => {
  // Long 10 bought at bar 1's open (100); funding +0.1% at bar 2's open (110), -0.05% at bar 3's.
  const series = (): CandleSeries => {
    const bars = flatBars([100, 100, 110, 110]);
    const funding = fundingPerBar(
      bars.openTime,
      schedule([
        [2 * MINUTE, 0.001],
        [3 * MINUTE, -0.0005],
      ]),
    );
    return { ...bars, fundingRate: funding.rate, fundingEvents: funding.events };
  };

  it('charges a long position notional x rate at each funding time, and credits it when the rate is negative', () => {
    const result = runCandleBacktest(
      config(scriptedBars({ 0: [market('a', 'buy', 10)] }), {
        initialCash: 1000,
        fees: noFees,
        account: perpetual,
      }),
      series(),
    );
    // Bar 2: 10 x 110 x 0.001 = 1.1 paid; bar 3: 10 x 110 x -0.0005 = -0.55 (received).
    expect(result.fundingPaid).toBeCloseTo(0.55, 12);
    expect(result.fundingEvents).toBe(2);
    // Each payment is in the equity curve at its bar: 1000 + 100 - 1.1, then + 0.55.
    const equity = Array.from(result.curve.equity);
    expect(equity[0]).toBe(1000);
    expect(equity[1]).toBe(1000);
    expect(equity[2]).toBeCloseTo(1098.9, 9);
    expect(equity[3]).toBeCloseTo(1099.45, 9);
    const metrics = resultMetrics(result, { periodsPerYear: 525_600 });
    expect(metrics.fundingPaid).toBeCloseTo(0.55, 12);
    expect(metrics.fundingEvents).toBe(2);
  });

  it('pays a short the funding a long pays', () => {
    const result = runCandleBacktest(
      config(scriptedBars({ 0: [market('a', 'sell', 10)] }), {
        initialCash: 1000,
        fees: noFees,
        account: perpetual,
      }),
      series(),
    );
    expect(result.fundingPaid).toBeCloseTo(-0.55, 12);
    expect(result.finalEquity).toBeCloseTo(1000 - 100 + 0.55, 9);
  });

  it('applies no funding to a spot account, and says so', () => {
    const result = runCandleBacktest(
      config(scriptedBars({ 0: [market('a', 'buy', 10)] }), { initialCash: 1000, fees: noFees }),
      series(),
    );
    expect(result.fundingPaid).toBe(0);
    expect(result.fundingEvents).toBe(0);
    expect(result.finalEquity).toBe(1100);
  });
});

describe('funding in an event backtest', () => {
  // Buy 1 at the fixture book's ask (100.5) at t=0; the mid is 100 until a better bid at t=1200
  // moves it to (99.8 + 100.5) / 2 = 100.15.
  const events = [
    fixtureBook(0, 1),
    trade(0, 2, 'sell', 99.5, 0.1),
    trade(1000, 3, 'sell', 99.5, 0.1),
    delta(1200, 4, 'bid', 99.8, 1),
    trade(2000, 5, 'sell', 99.8, 0.1),
  ];
  const run = (funding: FundingSchedule, kind: 'spot' | 'perpetual' = 'perpetual') =>
    new EventBacktest(
      config(scripted({ 1: [market('a', 'buy', 1)] }), {
        initialCash: 1000,
        fees: noFees,
        funding,
        equityIntervalMs: 1000,
        ...(kind === 'perpetual' ? { account: perpetual } : {}),
      }),
    ).run(events);

  it('pays at the mark each funding time reaches, before the event at that time moves it', () => {
    const result = run(
      schedule([
        [500, 0.001], // mark 100: 0.1 paid
        [1200, 0.002], // before the delta at 1200: mark still 100, 0.2 paid
        [1500, -0.001], // mark 100.15: 0.10015 received
        [5000, 0.01], // after the last event: outside the replay
      ]),
    );
    expect(result.fills.map((f) => [f.side, f.price, f.quantity])).toEqual([['buy', 100.5, 1]]);
    expect(result.fundingPaid).toBeCloseTo(0.1 + 0.2 - 0.10015, 12);
    expect(result.fundingEvents).toBe(3);
    // Equity on the 1 s grid: t=1000 holds the first payment (mark 100: 1000 - 0.5 - 0.1),
    // t=2000 all three (mark 100.15: 1000 - 0.35 - 0.19985).
    expect(Array.from(result.curve.ts)).toEqual([0, 1000, 2000, 2000]);
    expect(result.curve.equity[1]).toBeCloseTo(999.4, 9);
    expect(result.curve.equity[2]).toBeCloseTo(1000 - 0.35 - 0.19985, 9);
  });

  it('applies no funding to a spot account', () => {
    const result = run(schedule([[500, 0.001]]), 'spot');
    expect(result.fundingPaid).toBe(0);
    expect(result.fundingEvents).toBe(0);
  });
});
