import { describe, expect, it } from 'vitest';
import {
  runCandleBacktest,
  type BacktestResult,
  type CandleSeries,
} from '../../../../shared/backtest/engine.js';
import { buyingPowerQuantity, liquidationPrice } from '../../../../shared/backtest/margin.js';
import { periodReturns, resultMetrics, sampleStd, mean } from '../../../../shared/backtest/metrics.js';
import type { OrderIntent, OrderSide } from '../../../../shared/backtest/orders.js';
import { config, scriptedBars, submit } from './builders.js';

const MINUTE = 60_000;

/** Bars given as [open, high, low, close]; a plain number is a flat bar at that price. */
function bars(values: readonly (number | readonly [number, number, number, number])[]): CandleSeries {
  const ohlc = values.map((v) => (typeof v === 'number' ? [v, v, v, v] : v));
  const column = (k: number) => Float64Array.from(ohlc, (b) => b[k] ?? 0);
  return {
    length: values.length,
    barMs: MINUTE,
    openTime: Float64Array.from(values, (_, i) => i * MINUTE),
    open: column(0),
    high: column(1),
    low: column(2),
    close: column(3),
    volume: new Float64Array(values.length).fill(1),
  };
}

const market = (clientId: string, side: OrderSide, quantity: number): OrderIntent =>
  submit({ clientId, side, type: 'market', quantity });

const noFees = { maker: 0, taker: 0 };

function filled(result: BacktestResult): [OrderSide, number, number][] {
  return result.fills.map((f) => [f.side, f.price, f.quantity]);
}

describe('buying power (spot)', () => {
  it('fills a buy that costs exactly the cash, fee included', () => {
    // 1000 / (100 x 1.001) = 9.99000999...: notional 999.000999 + fee 0.999000999 = 1000.
    const quantity = 1000 / 100.1;
    const result = runCandleBacktest(
      config(scriptedBars({ 0: [market('a', 'buy', quantity)] }), { initialCash: 1000 }),
      bars([100, 100, 100]),
    );
    expect(filled(result)).toEqual([['buy', 100, quantity]]);
    expect(result.cash).toBeCloseTo(0, 9);
    expect(result.reducedOrders + result.refusedOrders).toBe(0);
  });

  it('reduces a buy one lot beyond the cash to the lot that fits, and counts it', () => {
    // No fees: 1000 buys exactly 10 at 100; 10.01 is one lot (0.01) too many.
    const exact = runCandleBacktest(
      config(scriptedBars({ 0: [market('a', 'buy', 10)] }), {
        initialCash: 1000,
        fees: noFees,
        lotStep: 0.01,
      }),
      bars([100, 100, 100]),
    );
    expect(filled(exact)).toEqual([['buy', 100, 10]]);
    expect(exact.cash).toBe(0);
    const beyond = runCandleBacktest(
      config(scriptedBars({ 0: [market('a', 'buy', 10.01)] }), {
        initialCash: 1000,
        fees: noFees,
        lotStep: 0.01,
      }),
      bars([100, 100, 100]),
    );
    expect(filled(beyond)).toEqual([['buy', 100, 10]]);
    expect(beyond.reducedOrders).toBe(1);
    expect(beyond.orderEvents.at(-1)).toEqual({
      kind: 'expired',
      ts: MINUTE,
      clientId: 'a',
      reason: 'buying_power',
    });
  });

  it('reduces a buy the fee pushes over the cash, floored to the lot', () => {
    // 10 at 100 is 1000 + 1 fee > 1000: 1000 / 100.1 = 9.99000..., floored to 9.99.
    const result = runCandleBacktest(
      config(scriptedBars({ 0: [market('a', 'buy', 10)] }), { initialCash: 1000, lotStep: 0.01 }),
      bars([100, 100, 100]),
    );
    expect(filled(result)).toEqual([['buy', 100, 9.99]]);
    expect(result.cash).toBeCloseTo(1000 - 999 - 0.999, 9);
    expect(result.cash).toBeGreaterThanOrEqual(0);
    expect(result.reducedOrders).toBe(1);
  });

  it('refuses a buy with no cash left and counts it', () => {
    const result = runCandleBacktest(
      config(scriptedBars({ 0: [market('a', 'buy', 10)], 1: [market('b', 'buy', 1)] }), {
        initialCash: 1000,
        fees: noFees,
        lotStep: 0.01,
      }),
      bars([100, 100, 100, 100]),
    );
    expect(filled(result)).toEqual([['buy', 100, 10]]);
    expect(result.refusedOrders).toBe(1);
    expect(resultMetrics(result, { periodsPerYear: 525_600 }).refusedOrders).toBe(1);
  });

  it('without shorting, limits a sell to the position held', () => {
    const result = runCandleBacktest(
      config(
        scriptedBars({
          0: [market('a', 'sell', 1)],
          1: [market('b', 'buy', 5)],
          2: [market('c', 'sell', 8)],
        }),
        {
          initialCash: 1000,
          fees: noFees,
          account: { kind: 'spot', allowShort: false },
        },
      ),
      bars([100, 100, 100, 100, 100]),
    );
    expect(filled(result)).toEqual([
      ['buy', 100, 5],
      ['sell', 100, 5],
    ]);
    expect(result.refusedOrders).toBe(1);
    expect(result.reducedOrders).toBe(1);
    expect(result.position).toBe(0);
  });

  it('collateralises a short 1:1 with equity, fee included', () => {
    // |q| x 100 + 0.001 x |q| x 100 <= 1000.
    expect(buyingPowerQuantity({ kind: 'spot', allowShort: true }, -1, 0, 1000, 100, 0.001)).toBeCloseTo(
      1000 / 100.1,
      12,
    );
    // Selling a long of 4 first needs no margin; the rest opens a short from the equity left after its fee.
    expect(buyingPowerQuantity({ kind: 'spot', allowShort: true }, -1, 4, 1000, 100, 0)).toBe(14);
  });
});

describe('perpetual margin', () => {
  const perpetual = { kind: 'perpetual', leverage: 10, maintenanceMargin: 0.005 } as const;

  it('computes the liquidation price where equity meets the maintenance margin', () => {
    // Long 100 at 100 with 1000 of margin: cash -9000, p = 9000 / (100 x 0.995).
    expect(liquidationPrice(perpetual, 100, -9000)).toBeCloseTo(90.45226130653266, 10);
    // Short 100 at 100: cash 11000, p = 11000 / (100 x 1.005).
    expect(liquidationPrice(perpetual, -100, 11_000)).toBeCloseTo(109.45273631840796, 10);
    expect(liquidationPrice({ kind: 'spot', allowShort: true }, 100, -9000)).toBeNaN();
  });

  it('lets leverage open up to equity x leverage and no further', () => {
    const result = runCandleBacktest(
      config(scriptedBars({ 0: [market('a', 'buy', 101)] }), {
        initialCash: 1000,
        fees: noFees,
        account: perpetual,
        lotStep: 1,
      }),
      bars([100, 100, 100]),
    );
    expect(filled(result)).toEqual([['buy', 100, 100]]);
    expect(result.reducedOrders).toBe(1);
  });

  it('liquidates a long at its liquidation price when a bar trades through it', () => {
    const result = runCandleBacktest(
      config(scriptedBars({ 0: [market('a', 'buy', 100)] }), {
        initialCash: 1000,
        fees: noFees,
        account: perpetual,
      }),
      bars([100, 100, [95, 95, 91, 93], [93, 94, 90, 92], 92]),
    );
    const level = 9000 / 99.5;
    expect(result.liquidations).toBe(1);
    expect(filled(result)).toEqual([
      ['buy', 100, 100],
      ['sell', level, 100],
    ]);
    // What is left is the maintenance margin: 0.005 x 100 x level.
    expect(result.cash).toBeCloseTo(0.005 * 100 * level, 9);
    expect(result.ruined).toBe(false);
  });

  it('fills a liquidation at the open when the bar gaps through the level, and ruins a run left below zero', () => {
    const result = runCandleBacktest(
      config(scriptedBars({ 0: [market('a', 'buy', 100)] }), {
        initialCash: 1000,
        fees: noFees,
        account: perpetual,
      }),
      bars([100, 100, [89, 89, 88, 88], 90, 91]),
    );
    expect(filled(result).at(-1)).toEqual(['sell', 89, 100]);
    // -9000 + 8900: the account owes 100; the run stops at zero, marked ruined.
    expect(result.cash).toBe(-100);
    expect(result.ruined).toBe(true);
    expect(result.ruinedAt).toBe(3 * MINUTE);
    expect(result.steps).toBe(3);
    expect(Array.from(result.curve.equity)).toEqual([1000, 1000, 0]);
  });

  it('pays funding on the position where the data carries a rate', () => {
    const series = {
      ...bars([100, 100, 100, 100]),
      fundingRate: Float64Array.from([0, 0, 0.0001, Number.NaN]),
    };
    const long = runCandleBacktest(
      config(scriptedBars({ 0: [market('a', 'buy', 10)] }), {
        initialCash: 1000,
        fees: noFees,
        account: { ...perpetual, leverage: 1 },
      }),
      series,
    );
    // 10 x 100 x 0.0001 = 0.1 at bar 2's open; bar 3 has none.
    expect(long.fundingPaid).toBeCloseTo(0.1, 12);
    expect(long.cash).toBeCloseTo(-0.1, 12);
    const short = runCandleBacktest(
      config(scriptedBars({ 0: [market('a', 'sell', 10)] }), {
        initialCash: 1000,
        fees: noFees,
        account: { ...perpetual, leverage: 1 },
      }),
      series,
    );
    expect(short.fundingPaid).toBeCloseTo(-0.1, 12);
  });
});

describe('ruin', () => {
  it('stops a run whose equity reaches zero and keeps every metric defined and consistent with the curve', () => {
    // Short 10 at 100 on 1000 (1:1): equity 2000 - 10 x price is zero at 200.
    const result = runCandleBacktest(
      config(scriptedBars({ 0: [market('a', 'sell', 10)], 3: [market('b', 'buy', 10)] }), {
        initialCash: 1000,
        fees: noFees,
      }),
      bars([100, 100, 150, 200, 100, 50]),
    );
    expect(result.ruined).toBe(true);
    expect(result.steps).toBe(4);
    expect(Array.from(result.curve.equity)).toEqual([1000, 1000, 500, 0]);
    // Nothing is sent once ruined: the buy decided at bar 3 never happens.
    expect(result.fills).toHaveLength(1);
    const metrics = resultMetrics(result, { periodsPerYear: 525_600 });
    expect(metrics.ruined).toBe(1);
    expect(metrics.totalReturn).toBe(-1);
    expect(metrics.maxDrawdown).toBe(1);
    expect(metrics.annualizedReturn).toBe(-1);
    expect(metrics.calmar).toBe(-1);
    const returns = periodReturns(result.curve.equity);
    expect(Array.from(returns)).toEqual([0, -0.5, -1]);
    expect(metrics.sharpe).toBeCloseTo((mean(returns) / sampleStd(returns)) * Math.sqrt(525_600), 9);
    expect(metrics.sharpe).toBeLessThan(0);
  });

  it('reads returns only up to the first point at or below zero', () => {
    expect(Array.from(periodReturns(Float64Array.from([100, 50, -20, 40])))).toEqual([-0.5, -1]);
  });
});
