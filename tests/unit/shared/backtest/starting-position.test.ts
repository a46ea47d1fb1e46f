import { describe, expect, it } from 'vitest';
import { EventBacktest } from '../../../../shared/backtest/engine.js';
import { config, fixtureBook, scripted, submit } from './builders.js';

describe('an engine that starts holding a position', () => {
  it('values it at the mark and realises it against its entry, with no fill or fee to start', () => {
    const engine = new EventBacktest(
      config(scripted({ 1: [submit({ clientId: 'x', side: 'sell', type: 'market', quantity: 2 })] }), {
        initialCash: 500,
        initialPosition: { quantity: 2, avgEntryPrice: 90 },
      }),
    );
    const result = engine.run([fixtureBook(0, 0), fixtureBook(1_000, 1)]);
    // Sold 2 into the bids: 99.5 x 2 = 199 less 10 bp taker fee 0.199.
    expect(result.fills.map((f) => [f.side, f.price, f.quantity])).toEqual([['sell', 99.5, 2]]);
    expect(result.position).toBe(0);
    expect(result.realizedPnl).toBeCloseTo(2 * (99.5 - 90), 12);
    expect(result.cash).toBeCloseTo(500 + 199 - 0.199, 12);
    expect(result.trips).toHaveLength(1);
    expect(result.trips[0]).toMatchObject({
      direction: 'long',
      quantity: 2,
      entryPrice: 90,
      exitPrice: 99.5,
    });
  });

  it('holds a short and marks it at the mid', () => {
    const engine = new EventBacktest(
      config(scripted({}), { initialCash: 20_000, initialPosition: { quantity: -3, avgEntryPrice: 105 } }),
    );
    engine.onEvent(fixtureBook(0, 0));
    expect(engine.position).toBe(-3);
    expect(engine.avgEntryPrice).toBe(105);
    // Mid (99.5 + 100.5) / 2 = 100.
    expect(engine.equity).toBe(20_000 - 300);
  });

  it('refuses a starting position without a positive entry', () => {
    expect(
      () =>
        new EventBacktest(
          config(scripted({}), { initialCash: 0, initialPosition: { quantity: 1, avgEntryPrice: 0 } }),
        ),
    ).toThrow(RangeError);
    // A backtest (no account taken over) needs positive cash; an account taken over flat may
    // have spent its cash on fees.
    expect(() => new EventBacktest(config(scripted({}), { initialCash: 0 }))).toThrow(
      /initialCash must be > 0/,
    );
    const spent = new EventBacktest(
      config(scripted({}), { initialCash: -6.33, initialPosition: { quantity: 0, avgEntryPrice: 0 } }),
    );
    expect(spent.cash).toBe(-6.33);
  });
});
