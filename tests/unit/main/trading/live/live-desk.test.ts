import { describe, expect, it } from 'vitest';
import type { OrderEvent, OrderIntent } from '../../../../../shared/backtest/orders.js';
import type { BarView, Strategy } from '../../../../../shared/backtest/strategy.js';
import { moveToTarget } from '../../../../../shared/backtest/strategies/target.js';
import { OrderBook } from '../../../../../shared/market/order-book.js';
import { refusal } from '../../../../../shared/risk/gate.js';
import type { LiveBrokerEvent, SubmitGuard } from '../../../../../main/trading/live/live-events.js';
import { LiveDesk } from '../../../../../main/trading/live/live-desk.js';
import type { LiveOrder } from '../../../../../main/trading/live/live-exchange.js';

const INSTRUMENT = 'binance:ETH/USDT';
const SYMBOL = 'ETH/USDT';

const trade = (ts: number, price: number) =>
  ({
    kind: 'trade',
    instrument: INSTRUMENT,
    ts,
    seq: ts,
    id: String(ts),
    price,
    amount: 1,
    side: 'buy',
  }) as const;

interface Rig {
  desk: LiveDesk;
  sent: LiveOrder[];
  guards: SubmitGuard[];
  cancelled: string[];
  problems: string[];
  /** Resolves the n-th submit (0-based) with the broker's answer. */
  answer: (n: number, result: { ok: true; clientId: string } | { ok: false }) => void;
}

function rig(strategy: Strategy, barMs = 0): Rig {
  const sent: LiveOrder[] = [];
  const cancelled: string[] = [];
  const problems: string[] = [];
  const guards: SubmitGuard[] = [];
  const pending: ((
    r: { ok: true; clientId: string } | { ok: false; refusal: ReturnType<typeof refusal> },
  ) => void)[] = [];
  const book = new OrderBook();
  book.applySnapshot({ bids: [[1999, 1]], asks: [[2001, 1]] });
  const desk = new LiveDesk({
    venue: 'binance',
    instrument: INSTRUMENT,
    symbol: SYMBOL,
    strategy,
    barMs,
    book: () => book,
    submit: (order, guard) => {
      sent.push(order);
      guards.push(guard);
      return new Promise((resolve) => pending.push(resolve));
    },
    cancel: (clientId) => {
      cancelled.push(clientId);
      return Promise.resolve(true);
    },
    equity: () => 10_000,
    cash: () => Number.NaN,
    onProblem: (what) => problems.push(what),
  });
  return {
    desk,
    sent,
    guards,
    cancelled,
    problems,
    answer: (n, result) => {
      pending[n]?.(
        result.ok ? result : { ok: false, refusal: refusal('max_order_quantity', 2, 1, 'order quantity') },
      );
    },
  };
}

const sentEvent = (clientId: string, tag: string): LiveBrokerEvent => ({
  kind: 'sent',
  ts: 1,
  symbol: SYMBOL,
  clientId,
  side: 'buy',
  type: 'market',
  quantity: 1,
  price: null,
  stopPrice: null,
  tag,
});

function fillEvent(
  clientId: string,
  side: 'buy' | 'sell',
  price: number,
  quantity: number,
  remaining: number,
  fee: { fee: number; feeCurrency: string } = { fee: 0.1, feeCurrency: 'USDT' },
): LiveBrokerEvent {
  return {
    kind: remaining > 0 ? 'partially_filled' : 'filled',
    ts: 2,
    symbol: SYMBOL,
    clientId,
    fill: {
      exchange: 'binance',
      symbol: SYMBOL,
      tradeId: `${clientId}-${remaining}`,
      clientId,
      exchangeOrderId: '9',
      side,
      price,
      quantity,
      ...fee,
      liquidity: 'taker',
      ts: 2,
    },
    filled: quantity,
    remaining,
  };
}

describe('live desk', () => {
  it('sends one order for a wish repeated while it works, and books its fills into the position', () => {
    const seen: number[] = [];
    const events: OrderEvent[] = [];
    const strategy: Strategy = {
      onEvent: (_e, ctx) => {
        seen.push(ctx.position);
        return moveToTarget(ctx, 2, 's');
      },
      onOrderEvent: (event) => {
        events.push(event);
        return null;
      },
    };
    const { desk, sent } = rig(strategy);
    desk.onEvents([trade(1_000, 2000), trade(1_001, 2000)]);
    expect(sent.map((o) => [o.side, o.type, o.quantity, o.tag])).toEqual([['buy', 'market', 2, 's-1']]);
    // The broker names the order before its submit resolves; fills come in two parts.
    desk.onBrokerEvent(sentEvent('tw-ws-7', 's-1'));
    desk.onBrokerEvent({
      kind: 'accepted',
      ts: 1,
      symbol: SYMBOL,
      clientId: 'tw-ws-7',
      exchangeOrderId: '9',
    });
    desk.onBrokerEvent(fillEvent('tw-ws-7', 'buy', 2001, 0.5, 1.5));
    desk.onBrokerEvent(fillEvent('tw-ws-7', 'buy', 2003, 1.5, 0));
    expect(desk.position).toBe(2);
    expect(desk.avgEntryPrice).toBeCloseTo((2001 * 0.5 + 2003 * 1.5) / 2, 9);
    expect(desk.openOrders()).toEqual([]);
    expect(events.map((e) => e.kind)).toEqual(['accepted', 'partially_filled', 'filled']);
    expect(
      events.flatMap((e) => (e.kind === 'filled' || e.kind === 'partially_filled' ? [e.fee] : [])),
    ).toEqual([0.1, 0.1]);
    // At its target: no more orders.
    desk.onEvents([trade(1_002, 2002)]);
    expect(sent).toHaveLength(1);
    expect(seen).toEqual([0, 0, 2]);
    // Another client's order on the same venue is not the desk's.
    desk.onBrokerEvent(fillEvent('tw-ws-8', 'sell', 2000, 5, 0));
    expect(desk.position).toBe(2);
  });

  it('tells a commission charged in base as its worth in quote', () => {
    const fees: number[] = [];
    const { desk } = rig({
      onEvent: (_e, ctx) => moveToTarget(ctx, 1, 's'),
      onOrderEvent: (event) => {
        if (event.kind === 'filled') fees.push(event.fee);
        return null;
      },
    });
    desk.onEvents([trade(1_000, 2000)]);
    desk.onBrokerEvent(sentEvent('tw-ws-1', 's-1'));
    desk.onBrokerEvent(fillEvent('tw-ws-1', 'buy', 2000, 1, 0, { fee: 0.001, feeCurrency: 'ETH' }));
    expect(fees).toEqual([2]);
    expect(desk.position).toBe(1);
  });

  it('drops an order the gate refused, so the strategy may ask again', async () => {
    const { desk, sent, answer } = rig({ onEvent: (_e, ctx) => moveToTarget(ctx, 1, 's') });
    desk.onEvents([trade(1_000, 2000)]);
    expect(desk.openOrders()).toHaveLength(1);
    answer(0, { ok: false });
    await Promise.resolve();
    await Promise.resolve();
    expect(desk.openOrders()).toEqual([]);
    desk.onEvents([trade(1_001, 2000)]);
    expect(sent.map((o) => o.tag)).toEqual(['s-1', 's-2']);
  });

  it('refuses to send a replace, and cancels its working orders when stopped', async () => {
    const intents: OrderIntent[][] = [
      [{ kind: 'submit', order: { clientId: 'r-1', side: 'sell', type: 'limit', quantity: 1, price: 2100 } }],
      [{ kind: 'replace', clientId: 'r-1', price: 2090 }],
    ];
    let n = 0;
    const { desk, cancelled, problems, guards } = rig({ onEvent: () => intents[n++] ?? null });
    desk.onEvents([trade(1_000, 2000)]);
    desk.onBrokerEvent(sentEvent('tw-ws-3', 'r-1'));
    desk.onEvents([trade(1_001, 2000)]);
    expect(problems).toEqual([
      'replace of r-1 not sent: a live spot order cannot be amended (cancel and place anew)',
    ]);
    expect(guards[0]?.stillWanted()).toBe(true);
    await desk.stop();
    expect(cancelled).toEqual(['tw-ws-3']);
    // An order the broker is still rounding when the strategy stops is withdrawn before it leaves.
    expect(guards[0]?.stillWanted()).toBe(false);
    // Stopped: events no longer reach the strategy.
    desk.onEvents([trade(1_002, 2000)]);
    expect(n).toBe(2);
  });

  it('closes bars from trades as event mode does', () => {
    const bars: [number, number, number, number, number][] = [];
    const { desk } = rig(
      {
        onBar: (bar: BarView) => {
          bars.push([bar.openTime, bar.open, bar.high, bar.low, bar.close]);
          return null;
        },
      },
      60_000,
    );
    desk.onEvents([trade(60_000, 10), trade(70_000, 12), trade(110_000, 9), trade(121_000, 11)]);
    expect(bars).toEqual([[60_000, 10, 12, 9, 9]]);
  });
});
