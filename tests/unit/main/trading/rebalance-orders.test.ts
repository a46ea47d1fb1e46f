import { describe, expect, it } from 'vitest';
import type { Allocation } from '../../../../shared/api/domains/trading.js';
import { rebalanceOrders } from '../../../../main/trading/allocation-plan.js';

type Row = Allocation['trades'][number];

const row = (instrument: string, quantity: number, trade: boolean): Row => ({
  instrument,
  fromWeight: 0,
  toWeight: 0,
  quantity,
  notional: quantity * 10,
  fee: 0,
  benefit: 0,
  trade,
  reason: trade ? 'traded' : 'skipped',
});

const plan = (trades: Row[]): Allocation => ({
  method: 'risk-parity',
  timeframe: '1m',
  returns: 20,
  weights: [],
  trades,
  totalFees: 0,
});

describe('rebalance orders', () => {
  it('sends one market order per traded row, sells first and reduce-only, skipped rows not at all', () => {
    const orders = rebalanceOrders(
      plan([row('a', 2.5, true), row('b', -1.25, true), row('c', 4, false), row('d', 0, true)]),
      'paper',
    );
    expect(orders).toEqual([
      {
        venue: 'paper',
        instrument: 'b',
        side: 'sell',
        type: 'market',
        quantity: 1.25,
        timeInForce: 'GTC',
        postOnly: false,
        reduceOnly: true,
      },
      {
        venue: 'paper',
        instrument: 'a',
        side: 'buy',
        type: 'market',
        quantity: 2.5,
        timeInForce: 'GTC',
        postOnly: false,
        reduceOnly: false,
      },
    ]);
  });
});
