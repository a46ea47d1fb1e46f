import { describe, expect, it } from 'vitest';
import { createLatency, feeOf, feesFor, latencyFromRoundTrips } from '../../../../shared/backtest/costs.js';
import { createRng } from '../../../../shared/market/rng.js';

describe('costs', () => {
  it('takes fees from the market and lets the user override either side', () => {
    expect(feesFor({ maker: 0.001, taker: 0.002 })).toEqual({ maker: 0.001, taker: 0.002 });
    expect(feesFor({ maker: 0.001, taker: 0.002 }, { taker: 0.0005 })).toEqual({
      maker: 0.001,
      taker: 0.0005,
    });
    expect(feesFor({})).toEqual({ maker: 0, taker: 0 });
    expect(() => feesFor({ maker: 0.5 })).toThrow();
  });

  it('charges the fee of the liquidity taken, a rebate when negative', () => {
    expect(feeOf({ maker: -0.0001, taker: 0.001 }, 'taker', 2000)).toBe(2); // 10 bp of 2,000
    expect(feeOf({ maker: -0.0001, taker: 0.001 }, 'maker', 2000)).toBeCloseTo(-0.2, 12); // -1 bp
  });

  it('turns measured round trips into one-way delays and samples only those', () => {
    const config = latencyFromRoundTrips([10, 30, 50]);
    expect(config).toEqual({ kind: 'empirical', samplesMs: [5, 15, 25] });
    const latency = createLatency(config, createRng(1));
    const drawn = new Set(Array.from({ length: 200 }, () => latency.submitDelay()));
    expect(drawn).toEqual(new Set([5, 15, 25]));
  });
});
