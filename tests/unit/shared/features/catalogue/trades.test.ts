import { describe, expect, it } from 'vitest';
import { probe } from '../../../../fixtures/feature-streams.js';
import { trade } from '../../../../fixtures/trades.js';

describe('trade features', () => {
  it('vwap is sum(price * amount) / sum(amount) over (t - window, t]', () => {
    const p = probe('vwap', { windowMs: 60_000 });
    p.feature.onTrade?.(trade({ ts: 0, price: 100, amount: 1 }));
    p.feature.onTrade?.(trade({ ts: 30_000, price: 102, amount: 3 }));
    // (100 + 306) / 4
    expect(p.value()).toBeCloseTo(101.5, 12);
    // A trade exactly one window old is out.
    p.feature.onTime?.(60_000);
    expect(p.value()).toBe(102);
    p.feature.onTime?.(90_000);
    expect(p.value()).toBeNaN();
  });

  it('trade_intensity counts trades and volume per second once a whole window has passed', () => {
    const p = probe('trade_intensity', { windowMs: 10_000 });
    p.feature.onTime?.(0);
    p.feature.onTrade?.(trade({ ts: 1000, amount: 2 }));
    p.feature.onTrade?.(trade({ ts: 5000, amount: 3 }));
    p.feature.onTrade?.(trade({ ts: 9000, amount: 1 }));
    // Only 9 s of data: a rate over 10 s would understate it.
    expect(p.value('trades_per_s')).toBeNaN();
    p.feature.onTime?.(10_000);
    expect(p.values()).toEqual({ trades_per_s: 0.3, volume_per_s: 0.6 });
    p.feature.onTime?.(11_000);
    expect(p.values()).toEqual({ trades_per_s: 0.2, volume_per_s: 0.4 });
    // No trade at all in a whole window is a real zero rate.
    p.feature.onTime?.(30_000);
    expect(p.values()).toEqual({ trades_per_s: 0, volume_per_s: 0 });
  });

  it('execution_strength is aggressive buy volume / sell volume, NaN without sells', () => {
    const p = probe('execution_strength', { windowMs: 60_000 });
    p.feature.onTrade?.(trade({ ts: 0, amount: 4, side: 'sell' }));
    p.feature.onTrade?.(trade({ ts: 10, amount: 2, side: 'buy' }));
    p.feature.onTrade?.(trade({ ts: 20, amount: 1, side: 'buy' }));
    expect(p.value()).toBe(0.75);
    // The sell leaves the window: buys only.
    p.feature.onTime?.(60_000);
    expect(p.value()).toBeNaN();
  });

  it('trade_size gives mean, sample std and max of amounts', () => {
    const p = probe('trade_size', { windowMs: 60_000 });
    p.feature.onTrade?.(trade({ ts: 0, amount: 6 }));
    p.feature.onTrade?.(trade({ ts: 10, amount: 1 }));
    p.feature.onTrade?.(trade({ ts: 20, amount: 2 }));
    // mean 3, deviations 3, -2, -1 -> variance 14 / 2 = 7.
    const all = p.values();
    expect(all.mean).toBe(3);
    expect(all.std).toBeCloseTo(Math.sqrt(7), 12);
    expect(all.max).toBe(6);
    // The 6 leaves: 1 and 2 -> mean 1.5, std sqrt(0.5), max 2.
    p.feature.onTime?.(60_000);
    const rest = p.values();
    expect(rest.mean).toBeCloseTo(1.5, 12);
    expect(rest.std).toBeCloseTo(Math.sqrt(0.5), 12);
    expect(rest.max).toBe(2);
    // One trade has no sample std.
    p.feature.onTime?.(60_010);
    expect(p.values()).toEqual({ mean: 2, std: Number.NaN, max: 2 });
  });

  it('signed_volume is buy volume - sell volume over a whole window', () => {
    const p = probe('signed_volume', { windowMs: 1000 });
    p.feature.onTime?.(0);
    p.feature.onTrade?.(trade({ ts: 100, amount: 2, side: 'buy' }));
    p.feature.onTrade?.(trade({ ts: 200, amount: 0.5, side: 'sell' }));
    p.feature.onTrade?.(trade({ ts: 900, amount: 1, side: 'buy' }));
    expect(p.value()).toBeNaN();
    p.feature.onTime?.(1000);
    expect(p.value()).toBe(2.5);
    p.feature.onTime?.(1150);
    expect(p.value()).toBe(0.5);
  });
});
