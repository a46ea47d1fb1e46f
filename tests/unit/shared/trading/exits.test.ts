import { describe, expect, it } from 'vitest';
import { ExitTracker } from '../../../../shared/trading/exits.js';

function ids(): () => string {
  let n = 0;
  return () => `exit-${++n}`;
}

describe('exit tracker', () => {
  it('closes a long at the stop-loss level, with a reduce-only market sell of the position', () => {
    const exits = new ExitTracker(
      { side: 'long', quantity: 3, entryPrice: 100 },
      { stopLoss: 0.02, takeProfit: 0.05 },
      ids(),
    );
    expect(exits.onPrice(101, 1)).toBeNull();
    expect(exits.onPrice(98.01, 2)).toBeNull();
    expect(exits.onPrice(98, 3)).toEqual({
      reason: 'stop_loss',
      ts: 3,
      price: 98,
      level: 98,
      intent: {
        kind: 'submit',
        order: { clientId: 'exit-1', side: 'sell', type: 'market', quantity: 3, reduceOnly: true },
      },
    });
    expect(exits.done).toBe(true);
    expect(exits.onPrice(90, 4)).toBeNull();
  });

  it('takes profit at the level', () => {
    const exits = new ExitTracker(
      { side: 'long', quantity: 1, entryPrice: 100 },
      { stopLoss: 0.02, takeProfit: 0.05 },
      ids(),
    );
    expect(exits.onPrice(104.99, 1)).toBeNull();
    expect(exits.onPrice(105.5, 2)).toMatchObject({ reason: 'take_profit', level: 105, price: 105.5 });
  });

  it('trails the best price and uses the tighter of the fixed and the trailing stop', () => {
    const exits = new ExitTracker(
      { side: 'long', quantity: 1, entryPrice: 100 },
      { stopLoss: 0.2, trailing: 0.25 },
      ids(),
    );
    // Fixed 80 is tighter than the trail 75 at entry.
    expect(exits.stopLevel).toBe(80);
    expect(exits.onPrice(120, 1)).toBeNull();
    expect(exits.stopLevel).toBe(90);
    // The trail never moves back down.
    expect(exits.onPrice(110, 2)).toBeNull();
    expect(exits.stopLevel).toBe(90);
    expect(exits.onPrice(90.01, 3)).toBeNull();
    expect(exits.onPrice(90, 4)).toMatchObject({ reason: 'trailing_stop', level: 90 });
  });

  it('mirrors the levels for a short and buys to close', () => {
    const exits = new ExitTracker(
      { side: 'short', quantity: 2, entryPrice: 100 },
      { stopLoss: 0.1, takeProfit: 0.2 },
      ids(),
    );
    expect(exits.onPrice(109, 1)).toBeNull();
    const exit = exits.onPrice(110, 2);
    expect(exit).toMatchObject({ reason: 'stop_loss', level: 110 });
    expect(exit?.intent).toEqual({
      kind: 'submit',
      order: { clientId: 'exit-1', side: 'buy', type: 'market', quantity: 2, reduceOnly: true },
    });
    const tp = new ExitTracker(
      { side: 'short', quantity: 2, entryPrice: 100 },
      { takeProfit: 0.2, trailing: 0.5 },
      ids(),
    );
    expect(tp.onPrice(80, 1)).toMatchObject({ reason: 'take_profit', level: 80 });
  });

  it('refuses levels that are not fractions', () => {
    expect(
      () => new ExitTracker({ side: 'long', quantity: 1, entryPrice: 100 }, { stopLoss: 2 }, ids()),
    ).toThrow(RangeError);
  });
});
