import { describe, expect, it } from 'vitest';
import { Account } from '../../../../shared/backtest/accounting.js';

describe('account', () => {
  it('keeps position, cash, average entry and gross realised PnL through adds, a flip and a close', () => {
    const account = new Account(1000);
    account.applyFill(1, 100, 1, 0.1, 0, 1); // long 1 @ 100
    account.applyFill(1, 110, 1, 0.11, 0, 2); // add 1 @ 110: average (100 + 110) / 2 = 105
    expect(account.avgEntryPrice).toBe(105);
    expect(account.unrealizedPnl(120)).toBe(30); // 2 * (120 - 105)
    account.applyFill(-1, 120, 3, 0.36, 0, 3); // sell 3 @ 120: closes 2 (+30), opens short 1 @ 120
    expect(account.position).toBe(-1);
    expect(account.avgEntryPrice).toBe(120);
    expect(account.realizedPnl).toBe(30);
    account.applyFill(1, 115, 1, 0.115, 0, 4); // cover @ 115: +5
    expect(account.position).toBe(0);
    expect(account.realizedPnl).toBe(35);
    // Cash: 1000 - 100.1 - 110.11 + 359.64 - 115.115 = 1034.315 = 1000 + 35 - fees 0.685.
    expect(account.feesPaid).toBeCloseTo(0.685, 12);
    expect(account.cash).toBeCloseTo(1034.315, 9);
    expect(account.equity(999)).toBeCloseTo(1034.315, 9);
  });

  it('records round trips with their share of the fees of a flipping fill', () => {
    const account = new Account(1000);
    account.applyFill(1, 100, 2, 0.2, 0.4, 0);
    account.applyFill(-1, 110, 3, 0.33, 0.6, 1000); // 2 close the long, 1 opens a short
    account.applyFill(1, 105, 1, 0.105, 0, 3000);
    const [long, short] = account.trips;
    // Long: 2 @ 100 -> 110, pnl 20; fees 0.2 + 2/3 of 0.33 = 0.42; slippage 0.4 + 2/3 of 0.6 = 0.8.
    expect(long).toMatchObject({ direction: 'long', entryTs: 0, exitTs: 1000, holdingMs: 1000, quantity: 2 });
    expect(long?.pnl).toBe(20);
    expect(long?.fees).toBeCloseTo(0.42, 12);
    expect(long?.netPnl).toBeCloseTo(19.58, 12);
    expect(long?.slippage).toBeCloseTo(0.8, 12);
    // Short: 1 @ 110 -> 105, pnl 5; fees 1/3 of 0.33 + 0.105 = 0.215.
    expect(short).toMatchObject({
      direction: 'short',
      entryPrice: 110,
      exitPrice: 105,
      holdingMs: 2000,
      pnl: 5,
    });
    expect(short?.fees).toBeCloseTo(0.215, 12);
  });
});
