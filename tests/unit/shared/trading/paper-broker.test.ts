import { describe, expect, it } from 'vitest';
import { runEventBacktest, type BacktestConfig } from '../../../../shared/backtest/engine.js';
import type { OrderEvent, OrderIntent } from '../../../../shared/backtest/orders.js';
import { BookImbalance, bookImbalanceParams } from '../../../../shared/backtest/strategies/book-imbalance.js';
import type { Strategy, StrategyContext } from '../../../../shared/backtest/strategy.js';
import type { MarketEvent } from '../../../../shared/domain/market.js';
import { DemoMarket } from '../../../../shared/market/demo-market.js';
import { createRng } from '../../../../shared/market/rng.js';
import { allowAll, type RiskGate } from '../../../../shared/risk/gate.js';
import { RiskManager } from '../../../../shared/risk/limits.js';
import { AuditChain, verifyChain } from '../../../../shared/trading/audit-chain.js';
import { auditBrokerEvent } from '../../../../shared/trading/broker-audit.js';
import {
  PaperBroker,
  type BrokerEvent,
  type PaperBrokerConfig,
} from '../../../../shared/trading/paper-broker.js';
import { delta, scripted, snapshot, submit } from '../backtest/builders.js';

const INSTRUMENT = 'demo:DEMO/USD';
const FEES = { maker: 0.0002, taker: 0.001 };

function demoEvents(minutes: number, seed: number): MarketEvent[] {
  const market = new DemoMarket({ seed, startTs: 0 });
  const out: MarketEvent[] = [];
  market.advanceTo(minutes * 60_000, out);
  return out;
}

/**
 * A limit-order strategy: quotes one lot at the touch (buy at the bid when flat, sell the
 * position at the ask when long) and cancels a quote that has waited 2 s, so orders wait in
 * the queue, fill as makers, and some cancels cross a fill in flight.
 */
class TouchQuoter implements Strategy {
  private lastTs = Number.NEGATIVE_INFINITY;

  onEvent(event: MarketEvent, ctx: StrategyContext): readonly OrderIntent[] | null {
    const book = ctx.book;
    if (book === null || event.ts - this.lastTs < 500) return null;
    const open = ctx.openOrders()[0];
    if (open !== undefined) {
      if (open.status === 'pending' || event.ts - open.decisionTs < 2000) return null;
      this.lastTs = event.ts;
      return [{ kind: 'cancel', clientId: open.clientId }];
    }
    const bid = book.bestBid();
    const ask = book.bestAsk();
    if (bid === null || ask === null) return null;
    this.lastTs = event.ts;
    const long = ctx.position > 1e-9;
    return [
      submit({
        clientId: ctx.nextClientId('q'),
        side: long ? 'sell' : 'buy',
        type: 'limit',
        price: long ? ask : bid,
        quantity: long ? ctx.position : 1,
      }),
    ];
  }
}

function brokerConfig(
  createStrategy: () => Strategy,
  overrides: Partial<PaperBrokerConfig> = {},
): PaperBrokerConfig {
  return {
    workspace: 'ws-1',
    instrument: INSTRUMENT,
    createStrategy,
    initialCash: 10_000,
    fees: FEES,
    gate: allowAll,
    ...overrides,
  };
}

/** Feeds the events in batches of 1..maxBatch (seeded), collecting what the broker emits. */
function feedInBatches(
  broker: PaperBroker,
  events: readonly MarketEvent[],
  seed: number,
  maxBatch: number,
): void {
  const rng = createRng(seed);
  for (let i = 0; i < events.length;) {
    const size = rng.int(1, maxBatch + 1);
    broker.onEvents(events.slice(i, i + size));
    i += size;
  }
}

function collect(broker: PaperBroker): BrokerEvent[] {
  const events: BrokerEvent[] = [];
  broker.subscribe((e) => events.push(e));
  return events;
}

describe('paper broker', () => {
  const events = demoEvents(3, 7);
  const cases: readonly {
    name: string;
    create: () => Strategy;
    latency: NonNullable<BacktestConfig['latency']>;
  }[] = [
    {
      name: 'book imbalance (market orders, sampled latency)',
      create: () => new BookImbalance(bookImbalanceParams.parse({ minIntervalMs: 1000 })),
      latency: { kind: 'empirical', samplesMs: [2, 5, 9, 30] },
    },
    {
      name: 'touch quoter (limit orders in the queue, cancels)',
      create: () => new TouchQuoter(),
      latency: { kind: 'constant', submitMs: 15, cancelMs: 8 },
    },
  ];

  for (const c of cases) {
    it(`gives the backtest's orders, fills and PnL on the same events fed in random batches: ${c.name}`, () => {
      const backtest = runEventBacktest(
        { strategy: c.create(), initialCash: 10_000, fees: FEES, latency: c.latency, seed: 3 },
        events,
      );
      const broker = new PaperBroker(brokerConfig(c.create, { latency: c.latency, seed: 3 }));
      const emitted = collect(broker);
      feedInBatches(broker, events, 99, 400);

      expect(backtest.fills.length).toBeGreaterThan(20);
      expect(broker.fills()).toEqual(backtest.fills);
      const orderEvents: OrderEvent[] = [];
      for (const e of emitted) if (e.kind === 'order') orderEvents.push(e.event);
      expect(orderEvents).toEqual(backtest.orderEvents);
      const account = broker.account();
      expect(account.position).toBe(backtest.position);
      expect(account.cash).toBe(backtest.cash);
      expect(account.realizedPnl).toBe(backtest.realizedPnl);
      expect(account.feesPaid).toBe(backtest.feesPaid);
      expect(account.equity).toBe(backtest.finalEquity);
      expect(broker.refusals()).toHaveLength(0);
      // The equity grid too, bit for bit (the backtest adds one last point when it finishes).
      const curve = broker.equityCurve();
      const n = backtest.curve.ts.length - 1;
      expect(Buffer.from(curve.ts.slice().buffer)).toEqual(Buffer.from(backtest.curve.ts.slice(0, n).buffer));
      expect(Buffer.from(curve.equity.slice().buffer)).toEqual(
        Buffer.from(backtest.curve.equity.slice(0, n).buffer),
      );
      if (c.name.startsWith('touch')) {
        // The limit strategy really exercises the queue model and cancels in flight.
        expect(backtest.fills.filter((f) => f.liquidity === 'maker').length).toBeGreaterThan(20);
        expect(backtest.orderEvents.filter((e) => e.kind === 'cancelled').length).toBeGreaterThan(5);
      }
    });
  }

  it('gives the same fills through a risk manager whose limits are never reached', () => {
    const create = () => new TouchQuoter();
    const latency = { kind: 'constant', submitMs: 15, cancelMs: 8 } as const;
    const backtest = runEventBacktest(
      { strategy: create(), initialCash: 10_000, fees: FEES, latency },
      events,
    );
    const gate = new RiskManager({ maxPosition: 5, maxOrdersPerMinute: 1000, maxDailyLoss: 5000 });
    const broker = new PaperBroker(brokerConfig(create, { latency, gate }));
    feedInBatches(broker, events, 5, 50);
    expect(broker.fills()).toEqual(backtest.fills);
  });

  it('refuses an order beyond a limit before it reaches the venue, with its reason', () => {
    const gate = new RiskManager({ maxPosition: 1 });
    const broker = new PaperBroker(
      brokerConfig(
        () => scripted({ 1: [submit({ clientId: 'big', side: 'buy', type: 'market', quantity: 2 })] }),
        {
          gate,
        },
      ),
    );
    const emitted = collect(broker);
    broker.onEvents([
      snapshot(0, 0, [[99, 10]], [[100, 10]]),
      delta(0, 1, 'bid', 98, 1),
      delta(5, 2, 'bid', 97, 1),
    ]);
    expect(broker.refusals().map((r) => r.refusal.reason)).toEqual([
      'max_position: |position| of demo:DEMO/USD would be 2, limit 1',
    ]);
    expect(emitted.filter((e) => e.kind === 'order' || e.kind === 'sent')).toEqual([]);
    expect(broker.account().position).toBe(0);
  });

  it('trips the daily-loss breaker once: disarms, cancels every open order, refuses what follows', () => {
    const gate = new RiskManager({ maxDailyLoss: 40 });
    const strategy = scripted({
      1: [
        submit({ clientId: 'entry', side: 'buy', type: 'market', quantity: 5 }),
        submit({ clientId: 'target', side: 'sell', type: 'limit', price: 110, quantity: 1 }),
      ],
      3: [submit({ clientId: 'again', side: 'buy', type: 'market', quantity: 1 })],
    });
    const broker = new PaperBroker(brokerConfig(() => strategy, { gate }));
    const emitted = collect(broker);
    broker.onEvents([snapshot(0, 0, [[99, 10]], [[100, 10]]), delta(0, 1, 'bid', 98, 1)]);
    // Bought 5 at 100 (taker fee 0.5); the sell rests at 110. Equity at mid 99.5: 9997.
    expect(broker.account().equity).toBe(9997);
    expect(broker.openOrders().map((o) => o.clientId)).toEqual(['target']);
    // The book gaps to 90/91: equity 10000 - 500 - 0.5 + 5 * 90.5 = 9952, a loss of 48 > 40.
    broker.onEvents([snapshot(1000, 2, [[90, 10]], [[91, 10]])]);
    broker.onEvents([delta(2000, 3, 'bid', 89, 1), snapshot(3000, 4, [[80, 10]], [[81, 10]])]);

    const trips = emitted.filter((e) => e.kind === 'tripped');
    expect(trips).toHaveLength(1);
    expect(trips[0]).toMatchObject({ trip: { limit: 'max_daily_loss', value: 48, boundary: 40, ts: 1000 } });
    expect(broker.armed).toBe(false);
    expect(broker.openOrders()).toEqual([]);
    const cancelled = emitted.find((e) => e.kind === 'order' && e.event.kind === 'cancelled');
    expect(cancelled).toEqual({ kind: 'order', event: { kind: 'cancelled', ts: 1000, clientId: 'target' } });
    expect(broker.refusals().map((r) => [r.ts, r.refusal.limit])).toEqual([[2000, 'disarmed']]);
    expect(broker.account().position).toBe(5);
  });

  it('holds total limits over the whole book, its other instruments included', () => {
    const gate = new RiskManager({ maxGrossNotional: 1100 });
    const otherBooks = () => ({
      positions: [{ instrument: 'demo:ETH/USD', quantity: 10, mark: 100 }],
      openOrders: [],
    });
    const broker = new PaperBroker(brokerConfig(() => ({}), { gate, otherBooks }));
    broker.onEvents([snapshot(0, 0, [[99, 10]], [[101, 10]])]);
    // Mark 100: 1,000 elsewhere + 1 x 100 = 1,100, at the boundary.
    broker.place([submit({ clientId: 'a', side: 'buy', type: 'market', quantity: 1 })]);
    broker.onEvents([delta(10, 1, 'bid', 98, 1)]);
    broker.place([submit({ clientId: 'b', side: 'buy', type: 'market', quantity: 1 })]);
    expect(broker.fills().map((f) => f.clientId)).toEqual(['a']);
    expect(broker.refusals().map((r) => [r.refusal.limit, r.refusal.value, r.refusal.boundary])).toEqual([
      ['max_gross_notional', 1200, 1100],
    ]);
  });

  it('writes everything it does to a hash chain that verifies', () => {
    const chain = new AuditChain();
    const gate = new RiskManager({ maxPosition: 1, maxDailyLoss: 1000 });
    const broker = new PaperBroker(
      brokerConfig(() => new BookImbalance(bookImbalanceParams.parse({ minIntervalMs: 1000, quantity: 2 })), {
        gate,
      }),
    );
    broker.subscribe((e) => auditBrokerEvent(chain, e, INSTRUMENT, 0));
    broker.onEvents(events.slice(0, 20_000));
    const kinds = new Set(chain.entries().map((e) => e.kind));
    expect(kinds).toEqual(new Set(['refusal']));
    broker.disarm();
    broker.place([{ kind: 'cancel', clientId: 'none' }]);
    broker.onEvents(events.slice(20_000, 20_010));
    const after = chain.entries().filter((e) => e.kind !== 'refusal');
    expect(after.map((e) => [e.kind, (JSON.parse(e.payload) as { action: string }).action])).toEqual([
      ['arming', 'disarmed'],
      ['order', 'sent'],
      ['order', 'rejected'],
    ]);
    expect(verifyChain(chain.entries(), chain.head())).toMatchObject({ ok: true });
    expect(JSON.parse(chain.entries()[0]?.payload ?? '')).toMatchObject({
      instrument: INSTRUMENT,
      limit: 'max_position',
      value: 2,
      boundary: 1,
    });
  });

  it('sends nothing while disarmed and lets cancels through', () => {
    const broker = new PaperBroker(brokerConfig(() => ({}), { armed: false }));
    broker.onEvents([snapshot(0, 0, [[99, 10]], [[100, 10]])]);
    broker.place([submit({ clientId: 'm', side: 'buy', type: 'market', quantity: 1 })]);
    broker.onEvents([delta(10, 1, 'bid', 98, 1)]);
    expect(broker.refusals().map((r) => r.refusal.limit)).toEqual(['disarmed']);
    expect(broker.fills()).toEqual([]);
    broker.arm();
    broker.place([submit({ clientId: 'm', side: 'buy', type: 'market', quantity: 1 })]);
    broker.onEvents([delta(20, 2, 'bid', 98, 2)]);
    expect(broker.fills().map((f) => [f.clientId, f.price, f.quantity, f.fee])).toEqual([['m', 100, 1, 0.1]]);
  });

  it('resets the workspace balances to a fresh cash and keeps the live book', () => {
    const broker = new PaperBroker(brokerConfig(() => ({})));
    broker.onEvents([snapshot(0, 0, [[99, 10]], [[100, 10]])]);
    broker.place([submit({ clientId: 'm', side: 'buy', type: 'market', quantity: 2 })]);
    broker.onEvents([delta(10, 1, 'bid', 98, 1)]);
    expect(broker.account().position).toBe(2);
    broker.reset(5000);
    expect(broker.account()).toMatchObject({
      cash: 5000,
      position: 0,
      equity: 5000,
      feesPaid: 0,
      mark: 99.5,
    });
    expect(broker.fills()).toEqual([]);
    broker.place([submit({ clientId: 'm2', side: 'sell', type: 'market', quantity: 1 })]);
    broker.onEvents([delta(20, 2, 'bid', 98, 2)]);
    expect(broker.fills().map((f) => [f.price, f.quantity])).toEqual([[99, 1]]);
  });

  it('counts and skips events of another instrument or out of order', () => {
    const broker = new PaperBroker(brokerConfig(() => ({})));
    broker.onEvents([
      snapshot(10, 5, [[99, 10]], [[100, 10]]),
      { ...delta(11, 6, 'bid', 98, 1), instrument: 'demo:OTHER/USD' },
      delta(9, 7, 'bid', 98, 1),
      delta(10, 5, 'bid', 98, 1),
    ]);
    expect(broker.dropped).toEqual({ otherInstrument: 1, outOfOrder: 2 });
  });

  it('refuses an order placed before any market data', () => {
    const gate: RiskGate = allowAll;
    const broker = new PaperBroker(brokerConfig(() => ({}), { gate }));
    broker.place([submit({ clientId: 'm', side: 'buy', type: 'market', quantity: 1 })]);
    expect(broker.refusals().map((r) => r.refusal.limit)).toEqual(['invalid_order']);
  });
});
