import { describe, expect, it } from 'vitest';
import type { RoundTrip } from '../../../../shared/backtest/accounting.js';
import { computeMetrics, maxDrawdown } from '../../../../shared/backtest/metrics.js';

function trip(netPnl: number, holdingMs = 1000): RoundTrip {
  return {
    direction: 'long',
    entryTs: 0,
    exitTs: holdingMs,
    holdingMs,
    quantity: 1,
    entryPrice: 100,
    exitPrice: 100 + netPnl,
    pnl: netPnl,
    fees: 0,
    netPnl,
    slippage: 0.5,
  };
}

/**
 * Equity 100, 110, 99, 108.9, 119.79, 107.811: returns +10%, -10%, +10%, +10%, -10%.
 * Mean 0.02; deviations 0.08, -0.12, 0.08, 0.08, -0.12; sum of squares 3 * 0.0064 + 2 * 0.0144
 * = 0.048; sample variance 0.048 / 4 = 0.012.
 */
const curve = {
  ts: Float64Array.from([0, 1000, 2000, 3000, 4000, 5000]),
  equity: Float64Array.from([100, 110, 99, 108.9, 119.79, 107.811]),
  position: Float64Array.from([0, 1, 1, 0, 1, 1]),
  trips: [trip(10), trip(-5), trip(20, 3000), trip(-2.5)],
  feesPaid: 1.25,
  tradedNotional: 1000,
};

describe('metrics on a small equity curve', () => {
  // Four periods a year: annualising multiplies by sqrt(4) = 2.
  const metrics = computeMetrics(curve, { periodsPerYear: 4 });

  it('computes total and annualised return', () => {
    expect(metrics.totalReturn).toBeCloseTo(0.07811, 12); // 107.811 / 100 - 1
    expect(metrics.annualizedReturn).toBeCloseTo(Math.pow(1.07811, 4 / 5) - 1, 12); // 5 returns = 1.25 years
  });

  it('computes volatility, Sharpe and Sortino', () => {
    expect(metrics.volatility).toBeCloseTo(Math.sqrt(0.012) * 2, 12);
    expect(metrics.sharpe).toBeCloseTo((0.02 / Math.sqrt(0.012)) * 2, 12); // 0.365148...
    // Downside: two returns of -0.1: (0.01 + 0.01) / 5 = 0.004; 0.02 / sqrt(0.004) * 2 = sqrt(0.4) * 2.
    expect(metrics.sortino).toBeCloseTo(Math.sqrt(0.1) * 2, 12);
  });

  it('subtracts the risk-free rate per period', () => {
    // 4% a year over 4 periods = 1% a period: Sharpe (0.02 - 0.01) / sqrt(0.012) * 2.
    const withRate = computeMetrics(curve, { periodsPerYear: 4, riskFreeRate: 0.04 });
    expect(withRate.sharpe).toBeCloseTo((0.01 / Math.sqrt(0.012)) * 2, 12);
    // Downside below 1%: (-0.11)^2 * 2 / 5 = 0.00484.
    expect(withRate.sortino).toBeCloseTo((0.01 / Math.sqrt(0.00484)) * 2, 12);
  });

  it('finds the max drawdown, its duration and Calmar', () => {
    // 110 -> 99 and 119.79 -> 107.811 both fall 10%; the first lasts from t=1000 until 119.79
    // at t=4000 regains 110 (3 periods), the second is 1 period old at the end.
    expect(metrics.maxDrawdown).toBeCloseTo(0.1, 12);
    expect(metrics.maxDrawdownDurationMs).toBe(3000);
    expect(metrics.maxDrawdownPeriods).toBe(3);
    expect(metrics.calmar).toBeCloseTo((Math.pow(1.07811, 0.8) - 1) / 0.1, 10);
  });

  it('measures an unrecovered drawdown to the end of the curve', () => {
    const dd = maxDrawdown(Float64Array.from([0, 10, 20, 30]), Float64Array.from([100, 120, 90, 96]));
    expect(dd.maxDrawdown).toBeCloseTo(0.25, 12); // 120 -> 90
    expect(dd.durationMs).toBe(20); // from the peak at 10 to the end at 30
  });

  it('summarises the trades: win rate, profit factor, average trade, holding time', () => {
    expect(metrics.trades).toBe(4);
    expect(metrics.winRate).toBe(0.5);
    expect(metrics.profitFactor).toBe(4); // (10 + 20) / (5 + 2.5)
    expect(metrics.averageTrade).toBe(5.625); // 22.5 / 4
    expect(metrics.averageHoldingMs).toBe(1500); // (1000 * 3 + 3000) / 4
    expect(metrics.slippage).toBe(2);
    expect(metrics.feesPaid).toBe(1.25);
  });

  it('computes turnover against mean equity and time-weighted exposure', () => {
    // Mean equity 645.501 / 6 = 107.5835; positions held over intervals 1, 2 and 4 of 5.
    expect(metrics.turnover).toBeCloseTo(1000 / 107.5835, 10);
    expect(metrics.exposure).toBeCloseTo(0.6, 12);
  });
});
