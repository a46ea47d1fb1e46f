import { describe, expect, it } from 'vitest';
import type { GatedIntent, RiskState } from '../../../../shared/risk/gate.js';
import { WorkspaceGate } from '../../../../main/trading/workspace-gate.js';

const X = 'demo:DEMO/USD';

function buy(quantity: number, clientId = `b-${quantity}`): GatedIntent {
  return {
    instrument: X,
    intent: { kind: 'submit', order: { clientId, side: 'buy', type: 'limit', quantity, price: 100 } },
    price: 100,
  };
}

describe('workspace gate', () => {
  it('decides on the workspace book it is given, not on the asking broker state', () => {
    let book: Omit<RiskState, 'ts'> = {
      equity: 1_000,
      positions: [{ instrument: X, quantity: 4, mark: 100 }],
      openOrders: [],
    };
    const gate = new WorkspaceGate({ maxPosition: 5 }, () => book);
    const brokerView: RiskState = { ts: 0, equity: 1_000, positions: [], openOrders: [] };
    expect(gate.check(buy(1), brokerView)).toEqual({ ok: true });
    expect(gate.check(buy(2), brokerView)).toMatchObject({
      ok: false,
      limit: 'max_position',
      value: 6,
      boundary: 5,
    });
    book = { ...book, positions: [] };
    expect(gate.check(buy(2), brokerView)).toEqual({ ok: true });
  });

  it('keeps a tripped breaker across a change of limits until re-armed', () => {
    let equity = 1_000;
    const gate = new WorkspaceGate({ maxDailyLoss: 10 }, () => ({ equity, positions: [], openOrders: [] }));
    expect(gate.observe({ ts: 1 })).toBeNull();
    equity = 989;
    const trip = gate.observe({ ts: 2 });
    expect(trip).toMatchObject({ limit: 'max_daily_loss', value: 11, boundary: 10 });
    // Reported once, whoever observes next.
    expect(gate.observe({ ts: 3 })).toBeNull();
    gate.setLimits({ maxDailyLoss: 100 });
    expect(gate.limits).toEqual({ maxDailyLoss: 100 });
    expect(gate.check(buy(1), { ts: 4, equity, positions: [], openOrders: [] })).toMatchObject({
      ok: false,
      limit: 'breaker_tripped',
    });
    // Cancels always pass.
    expect(
      gate.check(
        { instrument: X, intent: { kind: 'cancel', clientId: 'b-1' }, price: 100 },
        { ts: 4, equity, positions: [], openOrders: [] },
      ),
    ).toEqual({ ok: true });
    gate.rearm();
    expect(gate.tripped).toBeNull();
    expect(gate.check(buy(1), { ts: 5, equity, positions: [], openOrders: [] })).toEqual({ ok: true });
  });

  it('reports usage of the workspace book', () => {
    const gate = new WorkspaceGate({ maxOrdersPerMinute: 5 }, () => ({
      equity: 1_000,
      positions: [{ instrument: X, quantity: -2, mark: 50 }],
      openOrders: [],
    }));
    gate.check(buy(1, 'a'), { ts: 10, equity: 0, positions: [], openOrders: [] });
    gate.check(buy(1, 'b'), { ts: 20, equity: 0, positions: [], openOrders: [] });
    expect(gate.usage(30)).toMatchObject({ ordersInLastMinute: 2, grossNotional: 100, dailyLoss: 0 });
    expect(gate.usage(60_010).ordersInLastMinute).toBe(1);
  });
});
