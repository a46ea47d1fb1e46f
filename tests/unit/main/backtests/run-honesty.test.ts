import { describe, expect, it } from 'vitest';
import {
  BOOTSTRAP_RESAMPLES,
  HONESTY_SEED,
  MAX_BOOTSTRAP_RETURNS,
  runHonesty,
} from '../../../../main/backtests/run-honesty.js';
import type { RoundTrip } from '../../../../shared/backtest/accounting.js';
import {
  blockBootstrap,
  monteCarloTrades,
  probabilisticSharpeRatio,
  sharpeEstimate,
} from '../../../../shared/backtest/honesty.js';
import { periodReturns } from '../../../../shared/backtest/metrics.js';
import { createRng } from '../../../../shared/market/rng.js';

/** An equity curve of iid normal returns with the given per-period mean and deviation. */
function curve(length: number, mu: number, sigma: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const equity = new Float64Array(length);
  equity[0] = 100_000;
  for (let i = 1; i < length; i++) equity[i] = (equity[i - 1] ?? 0) * (1 + mu + sigma * rng.normal());
  return equity;
}

function trip(netPnl: number, i: number): RoundTrip {
  return {
    direction: 'long',
    entryTs: i * 1000,
    exitTs: i * 1000 + 500,
    holdingMs: 500,
    quantity: 1,
    entryPrice: 100,
    exitPrice: 100 + netPnl,
    pnl: netPnl,
    fees: 0,
    netPnl,
    slippage: 0,
  };
}

const OPTIONS = { periodsPerYear: 525_600, riskFreeRate: 0, initialCash: 100_000 };

describe('the honesty reading of a finished run', () => {
  it('is the PSR, the block-bootstrap interval of the annual Sharpe and 1000 Monte Carlo runs of the trades', () => {
    const equity = curve(2000, 2e-5, 1e-3, 1);
    const trips = [5, -3, 8, -1, 2, -6, 4].map(trip);
    const reading = runHonesty(equity, trips, OPTIONS);
    const returns = periodReturns(equity);
    expect(reading.probabilisticSharpe).toBe(probabilisticSharpeRatio(sharpeEstimate(returns)));
    const annual = (sample: Float64Array): number => {
      const e = sharpeEstimate(sample);
      return e.sharpe * Math.sqrt(OPTIONS.periodsPerYear);
    };
    const interval = blockBootstrap(returns, annual, { seed: HONESTY_SEED, resamples: BOOTSTRAP_RESAMPLES });
    expect(reading.sharpeInterval.lower).toBeCloseTo(interval.lower, 9);
    expect(reading.sharpeInterval.upper).toBeCloseTo(interval.upper, 9);

    const pnls = Float64Array.from(trips, (t) => t.netPnl);
    const base = { seed: HONESTY_SEED, runs: 1000, initialEquity: 100_000 };
    expect(reading.monteCarlo).toEqual({
      runs: 1000,
      maxDrawdown: Array.from(monteCarloTrades(pnls, { ...base, mode: 'shuffle' }).maxDrawdown),
      finalPnl: Array.from(monteCarloTrades(pnls, { ...base, mode: 'resample' }).finalPnl),
    });
    // Shuffles keep the total; resamples spread it.
    expect(reading.monteCarlo?.finalPnl[0]).toBeLessThan(9);
    expect(reading.monteCarlo?.finalPnl[999]).toBeGreaterThan(9);
  });

  it('has no Monte Carlo with fewer than 2 trades, and no interval without returns', () => {
    const reading = runHonesty(new Float64Array([100_000, 100_000]), [trip(1, 0)], OPTIONS);
    expect(reading).toEqual({
      probabilisticSharpe: null,
      sharpeInterval: { lower: null, upper: null },
      monteCarlo: null,
    });
  });

  it('reads a year of 1m returns at a coarser period: fast, and the interval still covers the true annual Sharpe', () => {
    const mu = 4e-6;
    const sigma = 4e-4;
    const equity = curve(525_601, mu, sigma, 7);
    expect(equity.length - 1).toBeGreaterThan(MAX_BOOTSTRAP_RETURNS);
    const began = performance.now();
    const reading = runHonesty(equity, [], OPTIONS);
    const elapsed = performance.now() - began;
    expect(elapsed).toBeLessThan(3000);
    const trueAnnual = (mu / sigma) * Math.sqrt(OPTIONS.periodsPerYear);
    const { lower, upper } = reading.sharpeInterval;
    expect(lower).toBeLessThan(trueAnnual);
    expect(upper).toBeGreaterThan(trueAnnual);
    // An interval of the annual Sharpe over one year is about +-2 wide (1.96 sd of 1 per year).
    expect((upper ?? 0) - (lower ?? 0)).toBeGreaterThan(3);
    expect((upper ?? 0) - (lower ?? 0)).toBeLessThan(5);
  });
});
