import { describe, expect, it } from 'vitest';
import { EquityCurve, limitUsage } from '../../../../main/trading/trading-state.js';

describe('limit usage', () => {
  it('shows each set limit with its value now and the ratio to its boundary', () => {
    const usage = limitUsage(
      {
        maxOrderQuantity: 4,
        maxPosition: 10,
        maxNotional: 1_000,
        maxOrdersPerMinute: 4,
        maxDailyLoss: 50,
        concentration: { maxShare: 0.8, minGrossNotional: 0 },
      },
      {
        ts: 0,
        equity: 0,
        positions: [
          { instrument: 'a', quantity: -5, mark: 100 },
          { instrument: 'b', quantity: 1, mark: 100 },
        ],
        openOrders: [
          { instrument: 'a', clientId: '1', side: 'buy', quantity: 2, remaining: 2, price: 90 },
          { instrument: 'b', clientId: '2', side: 'sell', quantity: 3, remaining: 1, price: Number.NaN },
        ],
      },
      {
        ordersInLastMinute: 3,
        dayStartEquity: 1_000,
        dailyLoss: -5,
        peakEquity: 1_000,
        drawdown: 0,
        grossNotional: 600,
        tripped: null,
      },
    );
    expect(usage).toEqual([
      { limit: 'maxOrderQuantity', value: 3, boundary: 4, usage: 0.75 },
      { limit: 'maxPosition', value: 5, boundary: 10, usage: 0.5 },
      { limit: 'maxNotional', value: 500, boundary: 1_000, usage: 0.5 },
      { limit: 'maxOrdersPerMinute', value: 3, boundary: 4, usage: 0.75 },
      { limit: 'maxDailyLoss', value: 0, boundary: 50, usage: 0 },
      { limit: 'concentration', value: 500 / 600, boundary: 0.8, usage: 500 / 600 / 0.8 },
    ]);
  });
});

describe('equity curve', () => {
  it('keeps the last day of samples and drops non-finite ones', () => {
    const curve = new EquityCurve(10_000);
    for (let t = 0; t <= 12_000; t += 1_000) curve.sample(t, t / 1_000);
    curve.sample(12_500, Number.NaN);
    const { ts, equity } = curve.view();
    expect(ts[0]).toBe(2_000);
    expect(ts.at(-1)).toBe(12_000);
    expect(equity).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('keeps each venue on its own line: a venue joining later is null before, not a jump in one sum', () => {
    const curve = new EquityCurve(10_000);
    curve.sample(1_000, 100_000, { paper: 100_000 });
    curve.sample(2_000, 220_000, { paper: 100_000, binance: 120_000 });
    curve.sample(3_000, 100_500, { paper: 100_500, binance: null });
    expect(curve.view()).toEqual({
      ts: [1_000, 2_000, 3_000],
      equity: [100_000, 220_000, 100_500],
      venues: [
        { venue: 'paper', equity: [100_000, 100_000, 100_500] },
        { venue: 'binance', equity: [null, 120_000, null] },
      ],
    });
  });
});
