import { describe, expect, it } from 'vitest';
import type { Fill } from '../../../../shared/backtest/orders.js';
import { openDatabase } from '../../../../main/storage/database.js';
import { PaperAccount } from '../../../../main/trading/paper-account.js';

const X = 'demo:DEMO/USD';

function fill(side: 'buy' | 'sell', quantity: number, price: number, fee = 0, ts = 1_000): Fill {
  return { ts, clientId: `c-${ts}`, side, price, quantity, liquidity: 'taker', fee, decisionMid: price };
}

describe('paper account', () => {
  it('books buys, partial sells and a flip at average entry, with fees', () => {
    const db = openDatabase(':memory:');
    try {
      const account = new PaperAccount(db, () => 0);
      expect(account.cash).toBe(100_000);
      account.apply(X, fill('buy', 2, 100, 0.2, 1));
      const added = account.apply(X, fill('buy', 2, 110, 0.22, 2));
      expect(added).toMatchObject({ quantity: 4, avgEntryPrice: 105 });
      const shrunk = account.apply(X, fill('sell', 1, 120, 0.12, 3));
      // Realised: 1 x (120 - 105) = 15, less every fee paid so far.
      expect(shrunk.quantity).toBe(3);
      expect(shrunk.avgEntryPrice).toBe(105);
      expect(shrunk.realizedPnl).toBeCloseTo(15 - 0.2 - 0.22 - 0.12, 12);
      const flipped = account.apply(X, fill('sell', 5, 100, 0, 4));
      expect(flipped.quantity).toBe(-2);
      expect(flipped.avgEntryPrice).toBe(100);
      expect(flipped.realizedPnl).toBeCloseTo(15 - 0.54 + 3 * (100 - 105), 12);
      expect(account.cash).toBeCloseTo(100_000 - 200 - 220 + 120 + 500 - 0.54, 9);
      expect(account.feesPaid).toBeCloseTo(0.54, 12);
      // Marked at the last fill: cash + (-2 x 100).
      expect(account.equity()).toBeCloseTo(account.cash - 200, 9);
      const closed = account.apply(X, fill('buy', 2, 90, 0, 5));
      expect(closed).toMatchObject({ quantity: 0 });
      expect(closed.avgEntryPrice).toBeNaN();
      expect(closed.realizedPnl).toBeCloseTo(15 - 0.54 - 15 + 20, 12);
      expect(account.equity()).toBeCloseTo(100_000 + 20 - 0.54, 9);
    } finally {
      db.close();
    }
  });

  it('is the same after reopening the database, and reset starts a fresh account', () => {
    const db = openDatabase(':memory:');
    try {
      const account = new PaperAccount(db, () => 0);
      account.apply(X, fill('buy', 3, 100, 0.3, 1));
      account.mark(X, 104);
      account.saveMarks();
      const reopened = new PaperAccount(db, () => 0);
      expect(reopened.cash).toBeCloseTo(100_000 - 300.3, 9);
      expect(reopened.positions()).toEqual([
        { instrument: X, quantity: 3, avgEntryPrice: 100, realizedPnl: -0.3, lastMark: 104 },
      ]);
      expect(reopened.recentFills(10)).toEqual([
        {
          clientId: 'c-1',
          instrument: X,
          side: 'buy',
          price: 100,
          quantity: 3,
          fee: 0.3,
          liquidity: 'taker',
          ts: 1,
        },
      ]);
      reopened.reset(50_000, 9);
      const fresh = new PaperAccount(db, () => 0);
      expect([
        fresh.cash,
        fresh.initialCash,
        fresh.feesPaid,
        fresh.positions(),
        fresh.recentFills(10),
      ]).toEqual([50_000, 50_000, 0, [], []]);
    } finally {
      db.close();
    }
  });
});
