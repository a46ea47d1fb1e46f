import { describe, expect, it } from 'vitest';
import type { Strategy } from '../../../../shared/backtest/strategy.js';
import { moveToTarget } from '../../../../shared/backtest/strategies/target.js';
import type { Level, MarketEvent } from '../../../../shared/domain/market.js';
import { allowAll } from '../../../../shared/risk/gate.js';
import type { BrokerEvent } from '../../../../shared/trading/paper-broker.js';
import {
  MemoryPaperOrders,
  paperOrderRow,
  type PaperOrderRow,
  type PaperOrderStore,
} from '../../../../main/trading/paper-orders.js';
import { DEFAULT_PAPER_COSTS, PaperDesks } from '../../../../main/trading/paper-desks.js';
import { fixtureBook, trade } from '../../shared/backtest/builders.js';

const DEMO = 'demo:DEMO/USD';

/** The pipeline's book as the venue reads it: the fixture book's levels. */
const BOOK = {
  bids: [
    [99.5, 2],
    [99, 5],
  ] as Level[],
  asks: [
    [100.5, 1],
    [101, 3],
    [102, 5],
  ] as Level[],
};

function venue(
  orders: PaperOrderStore,
  held: { quantity: number; avgEntryPrice: number } | null = null,
): {
  venue: PaperDesks;
  events: BrokerEvent[];
  restores: { restored: string[]; dropped: [string, string][] }[];
} {
  const events: BrokerEvent[] = [];
  const restores: { restored: string[]; dropped: [string, string][] }[] = [];
  const v = new PaperDesks(
    {
      gate: allowAll,
      book: () => BOOK,
      onEvent: (_instrument, event) => events.push(event),
      cash: () => 10_000,
      position: () => held,
      orders,
      onRestore: (_instrument, restored, dropped) =>
        restores.push({
          restored: restored.map((r) => r.clientId),
          dropped: dropped.map(({ row, reason }) => [row.clientId, reason]),
        }),
      seed: 1,
    },
    'run1',
  );
  return { venue: v, events, restores };
}

/** A strategy that wants `target` units and says what position it sees. */
function seeing(target: number, seen: number[]): Strategy {
  return {
    onEvent: (_event, ctx) => {
      seen.push(ctx.position);
      return moveToTarget(ctx, target, 's');
    },
  };
}

const strategy = { kind: 'test', instrument: DEMO, params: {} };
const restingBuy = { side: 'buy', type: 'limit', quantity: 2, price: 95, timeInForce: 'gtc' } as const;

describe('paper desks', () => {
  it('keeps the user orders working when a strategy starts and stops, and cancels the strategy ones', () => {
    const store = new MemoryPaperOrders();
    const { venue: v, events } = venue(store);
    v.onEvents([fixtureBook(1_000, 1)]);
    const id = v.place(DEMO, restingBuy);
    expect(store.all().map((r) => [r.clientId, r.owner, r.quantity])).toEqual([[id, 'manual', 2]]);

    // A strategy that rests a bid of its own far from the market.
    const resting: Strategy = {
      onEvent: (_e, ctx) =>
        ctx.openOrders().some((o) => o.clientId.startsWith('s-'))
          ? null
          : [
              {
                kind: 'submit',
                order: {
                  clientId: ctx.nextClientId('s'),
                  side: 'buy',
                  type: 'limit',
                  quantity: 1,
                  price: 90,
                },
              },
            ],
    };
    // The new engine starts on the book snapshot, where the strategy rests its bid at once; the
    // user's order is carried over beside it.
    v.start(strategy, () => resting, DEFAULT_PAPER_COSTS, 0);
    expect(v.openOrders().map((o) => o.order.clientId)).toEqual(['s-1', id]);
    expect(store.all().map((r) => [r.clientId, r.owner])).toEqual([
      [id, 'manual'],
      ['s-1', 'strategy'],
    ]);
    v.onEvents([trade(2_000, 2, 'sell', 99.5, 0.5)]);
    expect(v.openOrders()).toHaveLength(2);

    v.stop();
    expect(v.openOrders().map((o) => [o.order.clientId, o.order.quantity, o.order.price])).toEqual([
      [id, 2, 95],
    ]);
    expect(store.all().map((r) => r.clientId)).toEqual([id]);
    // The strategy's order is reported cancelled; the user's is not.
    const cancelled = events.flatMap((e) =>
      e.kind === 'order' && e.event.kind === 'cancelled' ? [e.event.clientId] : [],
    );
    expect(cancelled).toEqual(['s-1']);

    v.reset();
    expect(v.openOrders()).toEqual([]);
    expect(store.all()).toEqual([]);
  });

  it('starts a strategy on the position the account holds', () => {
    const seen: number[] = [];
    const { venue: v } = venue(new MemoryPaperOrders(), { quantity: 3, avgEntryPrice: 98 });
    v.onEvents([fixtureBook(1_000, 1)]);
    v.start(strategy, () => seeing(3, seen), DEFAULT_PAPER_COSTS, 0);
    v.onEvents([trade(2_000, 2, 'buy', 100.5, 0.1)]);
    // Already at its target on the snapshot and the trade: it sees 3 and sends nothing.
    expect(seen).toEqual([3, 3]);
    expect(v.openOrders()).toEqual([]);
  });

  it('puts the user resting orders back after a restart, and drops the rest with why', () => {
    const store = new MemoryPaperOrders();
    const row = (clientId: string, patch: Partial<PaperOrderRow>): PaperOrderRow => ({
      ...paperOrderRow(DEMO, { clientId, ...restingBuy }, 'manual', 500),
      ...patch,
    });
    store.put(row('manual-old-1', { filled: 0.5 }));
    store.put(row('manual-old-2', { type: 'market', price: null }));
    store.put(row('s-9', { owner: 'strategy' }));
    store.put(row('manual-old-3', { timeInForce: 'ioc' }));
    store.put(row('manual-old-4', { type: 'stop', price: null, stopPrice: 103, side: 'buy' }));
    const { venue: v, restores } = venue(store);
    expect(v.pendingRestores()).toBe(5);

    const events: MarketEvent[] = [fixtureBook(1_000, 1)];
    v.onEvents(events);
    expect(v.pendingRestores()).toBe(0);
    expect(restores).toEqual([
      {
        restored: ['manual-old-1', 'manual-old-4'],
        dropped: [
          ['manual-old-2', 'a market order in flight at shutdown is not sent again'],
          ['s-9', 'placed by a strategy: a resumed strategy decides again from its position'],
          ['manual-old-3', 'an IOC order in flight at shutdown is not sent again'],
        ],
      },
    ]);
    // What was left of the partly filled one, at its price; the stop still waits for 103.
    expect(
      v.openOrders().map((o) => [o.order.clientId, o.order.type, o.order.quantity, o.order.price]),
    ).toEqual([
      ['manual-old-1', 'limit', 1.5, 95],
      ['manual-old-4', 'stop', 2, Number.NaN],
    ]);
    expect(store.all().map((r) => [r.clientId, r.quantity, r.filled, r.createdTs])).toEqual([
      ['manual-old-1', 1.5, 0, 500],
      ['manual-old-4', 2, 0, 500],
    ]);
    // A restored order is the user's: it survives a strategy starting.
    v.start(strategy, () => ({}), DEFAULT_PAPER_COSTS, 0);
    expect(v.openOrders().map((o) => o.order.clientId)).toEqual(['manual-old-1', 'manual-old-4']);
    // The stop triggers on a trade through 103 and fills at the ask: gone from the store.
    v.onEvents([trade(2_000, 2, 'buy', 103, 0.1)]);
    expect(store.all().map((r) => r.clientId)).toEqual(['manual-old-1']);
  });
});
