import { describe, expect, it } from 'vitest';
import type { OrderIntent, OrderSide } from '../../../../shared/backtest/orders.js';
import type { GatedIntent, RiskOpenOrder, RiskPosition, RiskState } from '../../../../shared/risk/gate.js';
import { RiskManager } from '../../../../shared/risk/limits.js';

/**
 * Convention under test: a value AT the boundary is allowed, a value just beyond it is
 * refused, and the refusal names the limit, the value and the boundary.
 */

const BTC = 'demo:BTC/USD';
const ETH = 'demo:ETH/USD';

function state(
  overrides: { ts?: number; equity?: number; positions?: RiskPosition[]; openOrders?: RiskOpenOrder[] } = {},
): RiskState {
  return { ts: 0, equity: 10_000, positions: [], openOrders: [], ...overrides };
}

function buy(quantity: number, price = 100, side: OrderSide = 'buy', instrument = BTC): GatedIntent {
  const intent: OrderIntent = { kind: 'submit', order: { clientId: 'x', side, type: 'market', quantity } };
  return { instrument, intent, price };
}

function sell(quantity: number, price = 100): GatedIntent {
  return buy(quantity, price, 'sell');
}

describe('risk manager', () => {
  it('limits one order to its maximum quantity', () => {
    const risk = new RiskManager({ maxOrderQuantity: 2 });
    expect(risk.check(buy(2), state())).toEqual({ ok: true });
    expect(risk.check(buy(2.000001), state())).toEqual({
      ok: false,
      limit: 'max_order_quantity',
      value: 2.000001,
      boundary: 2,
      reason: 'max_order_quantity: order quantity would be 2.000001, limit 2',
    });
  });

  it('limits one order to its maximum notional', () => {
    const risk = new RiskManager({ maxOrderNotional: 1000 });
    expect(risk.check(buy(10, 100), state())).toEqual({ ok: true });
    expect(risk.check(buy(10.01, 100), state())).toMatchObject({
      limit: 'max_order_notional',
      value: 1001,
      boundary: 1000,
    });
  });

  it('counts a float sum landing a bit past the boundary as at the boundary', () => {
    const risk = new RiskManager({ maxOrderQuantity: 0.3 });
    expect(0.1 + 0.2).toBeGreaterThan(0.3);
    expect(risk.check(buy(0.1 + 0.2), state())).toEqual({ ok: true });
  });

  it('limits the worst-case position: position plus same-side open orders plus the order', () => {
    const risk = new RiskManager({ maxPosition: 5 });
    const s = state({
      positions: [{ instrument: BTC, quantity: 3, mark: 100 }],
      openOrders: [
        { instrument: BTC, clientId: 'o1', side: 'buy', quantity: 1, remaining: 1, price: 99 },
        { instrument: BTC, clientId: 'o2', side: 'sell', quantity: 4, remaining: 4, price: 101 },
      ],
    });
    expect(risk.check(buy(1), s)).toEqual({ ok: true });
    expect(risk.check(buy(1.01), s)).toMatchObject({ limit: 'max_position', value: 5.01, boundary: 5 });
    // Selling 4 flips +3 to -1: not a reduction, so checked with the open sell of 4: -5.
    expect(risk.check(sell(4), s)).toEqual({ ok: true });
    expect(risk.check(sell(4.01), s)).toMatchObject({ limit: 'max_position', value: 5.01 });
  });

  it('never blocks an order that only shrinks the position, even beyond a limit', () => {
    const risk = new RiskManager({ maxPosition: 1, maxNotional: 50 });
    const s = state({ positions: [{ instrument: BTC, quantity: 3, mark: 100 }] });
    expect(risk.check(sell(2), s)).toEqual({ ok: true });
    expect(risk.check(sell(3), s)).toEqual({ ok: true });
    expect(risk.check(buy(0.5), s)).toMatchObject({ limit: 'max_position', value: 3.5, boundary: 1 });
  });

  it('limits notional per instrument, with per-instrument overrides', () => {
    const risk = new RiskManager({ maxNotional: 500, perInstrument: { [ETH]: { maxNotional: 200 } } });
    expect(risk.check(buy(5, 100), state())).toEqual({ ok: true });
    expect(risk.check(buy(5.01, 100), state())).toMatchObject({
      limit: 'max_notional',
      value: 501,
      boundary: 500,
    });
    expect(risk.check(buy(2, 100, 'buy', ETH), state())).toEqual({ ok: true });
    expect(risk.check(buy(2.5, 100, 'buy', ETH), state())).toMatchObject({
      limit: 'max_notional',
      value: 250,
      boundary: 200,
    });
  });

  it('limits gross notional over all instruments', () => {
    const risk = new RiskManager({ maxGrossNotional: 700 });
    const s = state({ positions: [{ instrument: ETH, quantity: -2, mark: 100 }] });
    expect(risk.check(buy(5, 100), s)).toEqual({ ok: true });
    expect(risk.check(buy(5.01, 100), s)).toMatchObject({
      limit: 'max_gross_notional',
      value: 701,
      boundary: 700,
    });
  });

  it('limits one instrument to a share of gross notional once gross is large enough', () => {
    const risk = new RiskManager({ concentration: { maxShare: 0.5, minGrossNotional: 1000 } });
    const s = state({ positions: [{ instrument: ETH, quantity: 5, mark: 100 }] });
    expect(risk.check(buy(5, 100), s)).toEqual({ ok: true });
    const refused = risk.check(buy(6, 100), s);
    expect(refused).toMatchObject({ limit: 'concentration', boundary: 0.5 });
    expect(refused.ok ? 0 : refused.value).toBeCloseTo(600 / 1100, 15);
    // Gross 200 < 1000: a small book is not held to the share.
    const small = state({ positions: [{ instrument: ETH, quantity: 1, mark: 100 }] });
    expect(risk.check(buy(1, 100), small)).toEqual({ ok: true });
  });

  it('limits orders per minute over a sliding window of market time', () => {
    const risk = new RiskManager({ maxOrdersPerMinute: 3 });
    expect(risk.check(buy(1), state({ ts: 0 }))).toEqual({ ok: true });
    expect(risk.check(buy(1), state({ ts: 10_000 }))).toEqual({ ok: true });
    expect(risk.check(buy(1), state({ ts: 20_000 }))).toEqual({ ok: true });
    expect(risk.check(buy(1), state({ ts: 59_999 }))).toMatchObject({
      limit: 'max_orders_per_minute',
      value: 4,
      boundary: 3,
      reason: 'max_orders_per_minute: orders in the last minute would be 4, limit 3',
    });
    // Cancels never count and are never refused.
    expect(
      risk.check(
        { instrument: BTC, intent: { kind: 'cancel', clientId: 'x' }, price: 100 },
        state({ ts: 59_999 }),
      ),
    ).toEqual({
      ok: true,
    });
    // The order of ts 0 leaves the window at 60,000.
    expect(risk.check(buy(1), state({ ts: 60_000 }))).toEqual({ ok: true });
  });

  it('checks a replace by the size it adds to the order', () => {
    const risk = new RiskManager({ maxPosition: 3 });
    const s = state({
      openOrders: [{ instrument: BTC, clientId: 'o', side: 'buy', quantity: 2, remaining: 1.5, price: 99 }],
    });
    const replace = (quantity: number): GatedIntent => ({
      instrument: BTC,
      intent: { kind: 'replace', clientId: 'o', quantity },
      price: 99,
    });
    // Filled 0.5, remaining 1.5 -> 3: 1.5 more, worst case 3.
    expect(risk.check(replace(3.5), s)).toEqual({ ok: true });
    expect(risk.check(replace(3.6), s)).toMatchObject({ limit: 'max_position' });
    expect(risk.check(replace(1), s)).toEqual({ ok: true });
  });

  it('trips the daily-loss breaker once, just beyond the loss limit, and refuses until re-armed', () => {
    const risk = new RiskManager({ maxDailyLoss: 100 });
    expect(risk.observe(state({ ts: 1000, equity: 10_000 }))).toBeNull();
    expect(risk.observe(state({ ts: 2000, equity: 9_900 }))).toBeNull();
    const trip = risk.observe(state({ ts: 3000, equity: 9_899.5 }));
    expect(trip).toEqual({
      limit: 'max_daily_loss',
      ts: 3000,
      value: 100.5,
      boundary: 100,
      reason:
        'max_daily_loss: loss since the start of the day reached 100.5, limit 100: disarm and cancel all',
      actions: ['disarm', 'cancel_all'],
    });
    expect(risk.observe(state({ ts: 4000, equity: 9_000 }))).toBeNull();
    // A new day does not re-arm: only the user does.
    expect(risk.check(buy(1), state({ ts: 90_000_000, equity: 9_000 }))).toMatchObject({
      limit: 'breaker_tripped',
      value: 100.5,
      boundary: 100,
    });
    expect(
      risk.check({ instrument: BTC, intent: { kind: 'cancel', clientId: 'x' }, price: 100 }, state()),
    ).toEqual({
      ok: true,
    });
    risk.rearm();
    expect(risk.check(buy(1), state({ ts: 90_000_000, equity: 9_000 }))).toEqual({ ok: true });
  });

  it('measures the daily loss from the first equity of each UTC day', () => {
    const risk = new RiskManager({ maxDailyLoss: 100 });
    risk.observe(state({ ts: 1000, equity: 10_000 }));
    risk.observe(state({ ts: 80_000_000, equity: 9_950 }));
    // Next day starts at 9,850: a loss of 150 since yesterday's start, 0 today.
    expect(risk.observe(state({ ts: 86_400_000, equity: 9_850 }))).toBeNull();
    expect(risk.observe(state({ ts: 86_400_500, equity: 9_750 }))).toBeNull();
    expect(risk.observe(state({ ts: 86_401_000, equity: 9_749 }))).toMatchObject({
      limit: 'max_daily_loss',
      value: 101,
    });
  });

  it('trips the drawdown kill switch just beyond the drawdown from peak', () => {
    const risk = new RiskManager({ maxDrawdown: 0.1 });
    expect(risk.observe(state({ equity: 10_000 }))).toBeNull();
    expect(risk.observe(state({ equity: 12_000 }))).toBeNull();
    expect(risk.observe(state({ equity: 10_800 }))).toBeNull();
    const trip = risk.observe(state({ equity: 10_799 }));
    expect(trip).toMatchObject({ limit: 'max_drawdown', boundary: 0.1 });
    expect(trip?.value).toBeCloseTo(1201 / 12_000, 15);
    expect(risk.observe(state({ equity: 5_000 }))).toBeNull();
  });

  it('reports the usage of its limits', () => {
    const risk = new RiskManager({ maxOrdersPerMinute: 10, maxDailyLoss: 500 });
    risk.observe(state({ equity: 10_000 }));
    risk.check(buy(1), state({ ts: 5 }));
    expect(
      risk.usage(state({ ts: 10, equity: 9_800, positions: [{ instrument: BTC, quantity: -2, mark: 100 }] })),
    ).toEqual({
      ordersInLastMinute: 1,
      dayStartEquity: 10_000,
      dailyLoss: 200,
      peakEquity: 10_000,
      drawdown: 0.02,
      grossNotional: 200,
      tripped: null,
    });
  });
});
