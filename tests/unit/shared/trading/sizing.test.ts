import { describe, expect, it } from 'vitest';
import {
  cappedKellyFraction,
  fixedFractionQuantity,
  roundToMarket,
  roundToStep,
  stepOf,
  volatilityTargetQuantity,
  type MarketPrecision,
} from '../../../../shared/trading/sizing.js';

describe('position sizing', () => {
  it('sizes a fixed fraction of equity by notional, or by the loss at the stop', () => {
    expect(fixedFractionQuantity({ equity: 10_000, fraction: 0.1, price: 250 })).toBe(4);
    // Risk 1% of 10,000 = 100 with a stop 5 away: 20 units.
    expect(fixedFractionQuantity({ equity: 10_000, fraction: 0.01, price: 250, stopDistance: 5 })).toBe(20);
    expect(() => fixedFractionQuantity({ equity: 10_000, fraction: 0.1, price: Number.NaN })).toThrow(
      RangeError,
    );
  });

  it('targets a volatility, capped by leverage', () => {
    // 10,000 x 10% / 50% = 2,000 notional at 100.
    expect(
      volatilityTargetQuantity({ equity: 10_000, targetVol: 0.1, assetVol: 0.5, price: 100, maxLeverage: 2 }),
    ).toBe(20);
    // 10,000 x 10% / 2% = 50,000, capped at 2 x 10,000.
    expect(
      volatilityTargetQuantity({
        equity: 10_000,
        targetVol: 0.1,
        assetVol: 0.02,
        price: 100,
        maxLeverage: 2,
      }),
    ).toBe(200);
  });

  it('computes a scaled, floored and capped Kelly fraction', () => {
    expect(cappedKellyFraction({ winProbability: 0.6, payoff: 1, cap: 1 })).toBeCloseTo(0.2, 15);
    expect(cappedKellyFraction({ winProbability: 0.6, payoff: 1, cap: 1, scale: 0.5 })).toBeCloseTo(0.1, 15);
    expect(cappedKellyFraction({ winProbability: 0.6, payoff: 1, cap: 0.05 })).toBe(0.05);
    expect(cappedKellyFraction({ winProbability: 0.5, payoff: 2, cap: 1 })).toBe(0.25);
    expect(cappedKellyFraction({ winProbability: 0.4, payoff: 1, cap: 1 })).toBe(0);
    expect(() => cappedKellyFraction({ winProbability: 1.1, payoff: 1, cap: 1 })).toThrow(RangeError);
  });

  it('reads ccxt precision as a tick or as decimal places', () => {
    expect(stepOf(0.001, 'tick')).toBe(0.001);
    expect(stepOf(3, 'decimals')).toBe(0.001);
    expect(stepOf(0, 'decimals')).toBe(1);
    expect(stepOf(undefined, 'tick')).toBe(0);
    expect(() => stepOf(2.5, 'decimals')).toThrow(RangeError);
  });

  it('rounds to a step without float noise', () => {
    expect(0.3 / 0.1).toBeLessThan(3);
    expect(roundToStep(0.3, 0.1, 'down')).toBe(0.3);
    expect(roundToStep(0.123456, 0.001, 'down')).toBe(0.123);
    expect(roundToStep(100.7, 0.5, 'up')).toBe(101);
    expect(roundToStep(100.7, 0.5, 'nearest')).toBe(100.5);
  });

  const tickMarket: MarketPrecision = {
    precision: { amount: 0.001, price: 0.5 },
    limits: { amount: { min: 0.01, max: 100 }, cost: { min: 10 } },
  };

  it('rounds an order down to the amount step and the price to the passive tick', () => {
    expect(roundToMarket({ side: 'buy', quantity: 0.123456, price: 100.7 }, tickMarket, 'tick')).toEqual({
      ok: true,
      quantity: 0.123,
      price: 100.5,
    });
    expect(roundToMarket({ side: 'sell', quantity: 0.123456, price: 100.7 }, tickMarket, 'tick')).toEqual({
      ok: true,
      quantity: 0.123,
      price: 101,
    });
    const decimals: MarketPrecision = { ...tickMarket, precision: { amount: 3, price: 1 } };
    expect(roundToMarket({ side: 'buy', quantity: 0.123456, price: 100.77 }, decimals, 'decimals')).toEqual({
      ok: true,
      quantity: 0.123,
      price: 100.7,
    });
    expect(roundToMarket({ side: 'buy', quantity: 250, price: 100 }, tickMarket, 'tick')).toEqual({
      ok: true,
      quantity: 100,
      price: 100,
    });
  });

  it('refuses an order below the minimum quantity or notional instead of rounding it up', () => {
    expect(roundToMarket({ side: 'buy', quantity: 0.0099, price: 100 }, tickMarket, 'tick')).toEqual({
      ok: false,
      quantity: 0.009,
      price: 100,
      reason: 'quantity 0.009 is below the market minimum 0.01',
    });
    expect(roundToMarket({ side: 'buy', quantity: 0.05, price: 100 }, tickMarket, 'tick')).toEqual({
      ok: false,
      quantity: 0.05,
      price: 100,
      reason: 'notional 5 is below the market minimum 10',
    });
    // The minimum itself is allowed.
    expect(roundToMarket({ side: 'buy', quantity: 0.1, price: 100 }, tickMarket, 'tick')).toMatchObject({
      ok: true,
    });
  });
});
