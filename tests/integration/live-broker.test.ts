import type { Exchange } from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { createExchange } from '../../main/exchange/ccxt-exchange.js';
import { ClientOrderIds } from '../../main/trading/live/client-order-id.js';
import { auditLiveEvent } from '../../main/trading/live/live-audit.js';
import { armPhrase, LiveBroker } from '../../main/trading/live/live-broker.js';
import type { LiveBrokerEvent } from '../../main/trading/live/live-events.js';
import { MemoryOrderStore, type LiveOrderStore } from '../../main/trading/live/order-store.js';
import type { RiskGate } from '../../shared/risk/gate.js';
import { RiskManager } from '../../shared/risk/limits.js';
import { AuditChain, verifyChain } from '../../shared/trading/audit-chain.js';
import { BinanceSimulator, startBinanceSimulator, type SimUrls } from '../exchange-sim/binance-sim.js';

const SYMBOL = 'ETH/USDT';
const KEY = 'live-test-key';
const SECRET = 'live-test-secret';
const TICK = 0.1;
const FEE = 0.001;

interface Rig {
  readonly sim: BinanceSimulator;
  readonly urls: SimUrls;
  readonly store: LiveOrderStore;
}

interface Trader {
  readonly broker: LiveBroker;
  readonly exchange: Exchange;
  readonly events: LiveBrokerEvent[];
}

const sims: BinanceSimulator[] = [];
const brokers: LiveBroker[] = [];
const exchanges: Exchange[] = [];

afterEach(async () => {
  for (const broker of brokers.splice(0)) broker.stop();
  for (const exchange of exchanges.splice(0)) await exchange.close();
  for (const sim of sims.splice(0)) await sim.stop();
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function startRig(balances: Record<string, number> = { USDT: 10_000, ETH: 1 }): Promise<Rig> {
  const { sim, urls } = await startBinanceSimulator({
    markets: [{ symbol: SYMBOL, startPrice: 2000, tickSize: TICK, lotSize: 0.001, seed: 7, minNotional: 5 }],
    feeRate: FEE,
  });
  sims.push(sim);
  sim.openAccount(KEY, SECRET, balances);
  // The book stands still unless a test prints a trade: fills happen when the test says.
  sim.pause();
  return { sim, urls, store: new MemoryOrderStore() };
}

function trader(
  rig: Rig,
  session: string,
  gate: RiskGate = new RiskManager({ maxOrderQuantity: 5 }),
  transport: 'rest' | 'websocket' = 'rest',
  mark?: () => number,
): Trader {
  const exchange = createExchange('binance', {
    endpoint: { rest: rig.urls.rest, ws: rig.urls.ws },
    keys: { apiKey: KEY, secret: SECRET },
    transport,
  });
  exchanges.push(exchange);
  const broker = new LiveBroker({
    exchangeId: 'binance',
    exchange,
    store: rig.store,
    gate,
    session,
    clock: Date.now,
    symbols: [SYMBOL],
    recvWindowMs: 1_000,
    clockSkewMs: 500,
    lookupRetryMs: 50,
    ...(mark === undefined ? {} : { mark }),
  });
  brokers.push(broker);
  const events: LiveBrokerEvent[] = [];
  broker.subscribe((event) => events.push(event));
  return { broker, exchange, events };
}

async function armed(rig: Rig, session = 's1', gate?: RiskGate): Promise<Trader> {
  const t = trader(rig, session, gate);
  await t.broker.arm(armPhrase('binance'));
  return t;
}

function bestBid(rig: Rig): number {
  const bid = rig.sim.book(SYMBOL, 1).bids[0]?.[0];
  if (bid === undefined) throw new Error('empty book');
  return bid;
}

const round = (value: number, decimals: number): number => Number(value.toFixed(decimals));

/** New-order requests that reached the simulator for one client id. */
function posts(rig: Rig, clientId?: string): number {
  return rig.sim.orderRequests.filter(
    (r) => r.method === 'POST' && (clientId === undefined || r.params.newClientOrderId === clientId),
  ).length;
}

function kinds(events: readonly LiveBrokerEvent[], clientId: string): string[] {
  return events.filter((e) => 'clientId' in e && e.clientId === clientId).map((e) => e.kind);
}

function expectOk<T extends { ok: boolean }>(result: T): asserts result is Extract<T, { ok: true }> {
  expect(result.ok).toBe(true);
}

describe('live broker through ccxt against the Binance simulator', () => {
  it('places a limit order that rests, then fills in parts when the market trades through it', async () => {
    const rig = await startRig();
    const { broker, events } = await armed(rig);
    const price = round(bestBid(rig) - 10 * TICK, 1);
    const result = await broker.submit(SYMBOL, { side: 'buy', type: 'limit', quantity: 0.05, price });
    expectOk(result);
    expect(result).toEqual({ ok: true, clientId: 'tw-s1-1', state: 'open' });
    expect((await broker.sync()).fills).toBe(0);
    // Resting: its quote is locked on the exchange.
    expect(rig.sim.balances(KEY).USDT).toEqual({
      free: round(10_000 - 0.05 * price, 8),
      locked: round(0.05 * price, 8),
    });

    rig.sim.printTrade(SYMBOL, price, 1, 'sell'); // at our price: our queue place is unknown, no fill
    expect((await broker.sync()).fills).toBe(0);
    rig.sim.printTrade(SYMBOL, round(price - TICK, 1), 0.02, 'sell');
    expect((await broker.sync()).fills).toBe(1);
    expect(broker.openOrders()[0]).toMatchObject({
      clientId: 'tw-s1-1',
      state: 'partially_filled',
      filled: 0.02,
    });
    rig.sim.printTrade(SYMBOL, round(price - 2 * TICK, 1), 0.5, 'sell');
    expect((await broker.sync()).fills).toBe(1);

    expect(broker.openOrders()).toEqual([]);
    expect(rig.store.order('tw-s1-1')).toMatchObject({ state: 'filled', filled: 0.05 });
    expect(broker.fills().map((f) => [f.price, f.quantity, f.liquidity, f.feeCurrency, f.fee])).toEqual([
      [price, 0.02, 'maker', 'ETH', 0.02 * FEE],
      [price, 0.03, 'maker', 'ETH', 0.03 * FEE],
    ]);
    expect(kinds(events, 'tw-s1-1')).toEqual(['sent', 'accepted', 'partially_filled', 'filled']);
    const balances = await broker.balances();
    expect(balances.ETH?.total).toBeCloseTo(1 + 0.05 * (1 - FEE), 10);
    expect(balances.USDT?.total).toBeCloseTo(10_000 - 0.05 * price, 6);

    // Every event goes into the hash-chained audit log and the chain verifies.
    const chain = new AuditChain();
    for (const event of events) auditLiveEvent(chain, event, 'binance');
    // arming, sent, accepted, then each sync's fill and its `reconciled` report.
    expect(chain.entries().map((e) => e.kind)).toEqual([
      'arming',
      'order',
      'order',
      'fill',
      'order',
      'fill',
      'order',
    ]);
    expect(verifyChain(chain.entries()).ok).toBe(true);
  });

  it('fills a market order across book levels, one fill per level, and records each once', async () => {
    const rig = await startRig();
    const { broker, events } = await armed(rig);
    const [a0, a1, a2] = rig.sim.book(SYMBOL, 3).asks;
    if (a0 === undefined || a1 === undefined || a2 === undefined) throw new Error('thin book');
    const third = Math.max(0.001, round(Math.floor((a2[1] / 2) * 1000) / 1000, 3));
    const quantity = round(a0[1] + a1[1] + third, 3);
    const result = await broker.submit(SYMBOL, { side: 'buy', type: 'market', quantity });
    expectOk(result);
    expect(result.state).toBe('filled');
    expect(broker.fills().map((f) => [f.price, f.quantity, f.liquidity])).toEqual([
      [a0[0], a0[1], 'taker'],
      [a1[0], a1[1], 'taker'],
      [a2[0], third, 'taker'],
    ]);
    expect(kinds(events, result.clientId)).toEqual([
      'sent',
      'accepted',
      'partially_filled',
      'partially_filled',
      'filled',
    ]);
    // A later sync sees the same trades in myTrades and records nothing twice.
    expect((await broker.sync()).fills).toBe(0);
    expect(broker.fills()).toHaveLength(3);
  });

  it('cancels a resting order and the exchange releases its funds', async () => {
    const rig = await startRig();
    const { broker, events } = await armed(rig);
    const result = await broker.submit(SYMBOL, {
      side: 'sell',
      type: 'limit',
      quantity: 0.3,
      price: bestBid(rig) + 50,
    });
    expectOk(result);
    expect(rig.sim.balances(KEY).ETH).toEqual({ free: 0.7, locked: 0.3 });
    expect(await broker.cancel(result.clientId)).toBe(true);
    expect(rig.store.order(result.clientId)?.state).toBe('cancelled');
    expect(rig.sim.orders(KEY).map((o) => o.status)).toEqual(['CANCELED']);
    expect(rig.sim.balances(KEY).ETH).toEqual({ free: 1, locked: 0 });
    expect(kinds(events, result.clientId)).toEqual(['sent', 'accepted', 'cancelled']);
    // Cancelling again is a no-op: nothing working, no request.
    const before = rig.sim.orderRequests.length;
    expect(await broker.cancel(result.clientId)).toBe(false);
    expect(rig.sim.orderRequests.length).toBe(before);
  });

  it("rejects on insufficient balance with the exchange's reason", async () => {
    const rig = await startRig({ USDT: 100 });
    const { broker, events } = await armed(rig);
    const result = await broker.submit(SYMBOL, {
      side: 'buy',
      type: 'limit',
      quantity: 1,
      price: bestBid(rig),
    });
    expectOk(result);
    expect(result.state).toBe('rejected');
    const rejected = events.find((e) => e.kind === 'rejected');
    expect(rejected).toMatchObject({
      clientId: result.clientId,
      reason: 'Account has insufficient balance for requested action.',
      error: 'InsufficientFunds',
    });
    expect(rig.store.order(result.clientId)?.reason).toBe(
      'Account has insufficient balance for requested action.',
    );
    expect(rig.sim.orders(KEY)).toEqual([]);
  });

  it('rounds to the market first, and surfaces the filter failure when its market data is stale', async () => {
    const rig = await startRig();
    const { broker, exchange, events } = await armed(rig);
    const bid = bestBid(rig);
    // Rounded: 0.0105 -> 0.010 at a tick-aligned price; the exchange accepts it.
    const fine = await broker.submit(SYMBOL, {
      side: 'buy',
      type: 'limit',
      quantity: 0.0105,
      price: bid - 1.03,
    });
    expectOk(fine);
    expect(fine.state).toBe('open');
    expect(rig.sim.orders(KEY)[0]).toMatchObject({ origQty: 0.01, price: round(bid - 1.1, 1) });

    // The exchange tightened its filters after we loaded them: our rounding follows the old
    // steps, the exchange refuses, and its reason reaches the event and the store.
    const market = exchange.market(SYMBOL) as unknown as {
      precision: { amount: number; price: number };
      limits: { amount: { min: number } };
    };
    market.precision.amount = 0.0001;
    market.limits.amount.min = 0.0001;
    const lot = await broker.submit(SYMBOL, { side: 'buy', type: 'limit', quantity: 0.0105, price: bid - 1 });
    expectOk(lot);
    expect(lot.state).toBe('rejected');
    expect(rig.store.order(lot.clientId)?.reason).toBe('Filter failure: LOT_SIZE (code -1013)');
    market.precision.amount = 0.001;
    market.precision.price = 0.01;
    const tick = await broker.submit(SYMBOL, {
      side: 'buy',
      type: 'limit',
      quantity: 0.01,
      price: round(bid - 1.05, 2),
    });
    expectOk(tick);
    expect(rig.store.order(tick.clientId)?.reason).toBe('Filter failure: PRICE_FILTER (code -1013)');
    expect(events.flatMap((e) => (e.kind === 'rejected' ? [e.error] : []))).toEqual([
      'InvalidOrder',
      'InvalidOrder',
    ]);
    // Below the market's minimum notional the broker refuses without asking.
    const requests = rig.sim.orderRequests.length;
    const small = await broker.submit(SYMBOL, {
      side: 'buy',
      type: 'limit',
      quantity: 0.001,
      price: bid - 1,
    });
    expect(small).toMatchObject({ ok: false, refusal: { limit: 'invalid_order' } });
    expect(rig.sim.orderRequests.length).toBe(requests);
  });

  it('drops the connection after the exchange accepted: looks the order up by client id, never resends', async () => {
    const rig = await startRig();
    const { broker, exchange, events } = await armed(rig);
    rig.sim.faults.dropConnectionAfterOrderAccepted(1);
    const limit = await broker.submit(SYMBOL, {
      side: 'buy',
      type: 'limit',
      quantity: 0.02,
      price: bestBid(rig) - 1,
    });
    expectOk(limit);
    expect(limit.state).toBe('open');
    expect(kinds(events, limit.clientId)).toEqual(['sent', 'in_doubt', 'accepted', 'reconciled']);
    expect(rig.sim.orders(KEY).filter((o) => o.clientOrderId === limit.clientId)).toHaveLength(1);
    expect(posts(rig, limit.clientId)).toBe(1);

    // A market order lost the same way: its fills are recovered from the exchange.
    rig.sim.faults.dropConnectionAfterOrderAccepted(1);
    const market = await broker.submit(SYMBOL, { side: 'buy', type: 'market', quantity: 0.01 });
    expectOk(market);
    expect(market.state).toBe('filled');
    expect(
      broker
        .fills()
        .filter((f) => f.clientId === market.clientId)
        .reduce((s, f) => s + f.quantity, 0),
    ).toBeCloseTo(0.01, 10);
    expect(posts(rig, market.clientId)).toBe(1);

    // A response slower than ccxt's timeout: the same lookup.
    exchange.timeout = 300;
    rig.sim.faults.delayOrderResponses(1, 1_000);
    const slow = await broker.submit(SYMBOL, {
      side: 'sell',
      type: 'limit',
      quantity: 0.02,
      price: bestBid(rig) + 5,
    });
    expectOk(slow);
    expect(slow.state).toBe('open');
    expect(posts(rig, slow.clientId)).toBe(1);
    expect(rig.sim.orders(KEY)).toHaveLength(3);
    expect(posts(rig)).toBe(3);
  });

  it('a create the exchange never processed becomes not_placed once its recvWindow has passed', async () => {
    const rig = await startRig();
    const { broker, events } = await armed(rig);
    rig.sim.faults.failRequests(1, 503, '/api/v3/order');
    const started = Date.now();
    const result = await broker.submit(SYMBOL, {
      side: 'buy',
      type: 'limit',
      quantity: 0.02,
      price: bestBid(rig) - 1,
    });
    expectOk(result);
    expect(result.state).toBe('not_placed');
    // Believed only after recvWindow (1000 ms) + skew (500 ms): until then it could still land.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    expect(kinds(events, result.clientId)).toEqual(['sent', 'in_doubt', 'reconciled']);
    expect(rig.sim.orders(KEY)).toEqual([]);
    expect(posts(rig)).toBe(0);
  });

  it('after a restart, a new broker over the same store records the fills that happened while away', async () => {
    const rig = await startRig();
    const first = await armed(rig, 's1');
    const price = round(bestBid(rig) - 2, 1);
    const resting = await first.broker.submit(SYMBOL, { side: 'buy', type: 'limit', quantity: 0.05, price });
    expectOk(resting);
    // A crash between writing an order and sending it: stored as `sending`, never sent.
    const { clientId: lostId, seq } = new ClientOrderIds(rig.store, 'tw', 's1').next();
    const now = Date.now();
    rig.store.insertOrder({
      clientId: lostId,
      exchange: 'binance',
      symbol: SYMBOL,
      session: 's1',
      seq,
      side: 'buy',
      type: 'limit',
      timeInForce: 'gtc',
      postOnly: false,
      quantity: 0.01,
      price,
      stopPrice: null,
      state: 'sending',
      exchangeOrderId: null,
      filled: 0,
      reason: null,
      createdTs: now,
      updatedTs: now,
    });
    first.broker.stop();

    // While nobody watches, the market trades through the resting order twice.
    rig.sim.printTrade(SYMBOL, round(price - TICK, 1), 0.03, 'sell');
    rig.sim.printTrade(SYMBOL, round(price - TICK, 1), 0.03, 'sell');

    const second = trader(rig, 's2');
    const summary = await second.broker.reconcile();
    expect(summary.fills).toBe(2);
    expect(rig.store.order(resting.clientId)).toMatchObject({ state: 'filled', filled: 0.05 });
    expect(second.broker.fills().map((f) => [f.clientId, f.quantity])).toEqual([
      [resting.clientId, 0.03],
      [resting.clientId, 0.02],
    ]);
    expect(kinds(second.events, resting.clientId)).toEqual(['partially_filled', 'filled']);
    expect(second.events.find((e) => e.kind === 'reconciled' && e.clientId === null)).toMatchObject({
      fills: 2,
    });
    expect((await second.broker.reconcile()).fills).toBe(0);

    // The order that never left is not resent; once its recvWindow has passed it is not_placed.
    expect(summary.inDoubt).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    expect((await second.broker.reconcile()).inDoubt).toBe(0);
    expect(rig.store.order(lostId)?.state).toBe('not_placed');
    expect(posts(rig, lostId)).toBe(0);
    expect(rig.sim.orders(KEY)).toHaveLength(1);
    // The new session numbers its own orders; nothing collides with the first run's ids.
    await second.broker.arm(armPhrase('binance'));
    const next = await second.broker.submit(SYMBOL, {
      side: 'sell',
      type: 'limit',
      quantity: 0.01,
      price: price + 50,
    });
    expect(next).toMatchObject({ ok: true, clientId: 'tw-s2-1' });
  });

  it('follows the user data stream: fills arrive without polling, and a dropped stream is reopened and reconciled', async () => {
    const rig = await startRig();
    const { broker, events } = trader(rig, 's1', undefined, 'websocket');
    await broker.arm(armPhrase('binance'));
    await broker.watch();
    expect(rig.sim.userDataStreams).toBe(1);
    const price = round(bestBid(rig) - 1, 1);
    const first = await broker.submit(SYMBOL, { side: 'buy', type: 'limit', quantity: 0.02, price });
    expectOk(first);
    rig.sim.printTrade(SYMBOL, round(price - TICK, 1), 1, 'sell');
    await until(() => kinds(events, first.clientId).includes('filled'));

    const second = await broker.submit(SYMBOL, { side: 'buy', type: 'limit', quantity: 0.03, price });
    expectOk(second);
    // Its NEW report woke a sync; once that is done the stream is all that is listening.
    await until(() => !broker.syncing);
    const fillsBefore = broker.fills().length;
    const eventsBefore = events.length;
    expect(rig.sim.faults.dropConnections()).toBe(1);
    // While the stream is down the order fills; the reopened stream's reconcile records it.
    rig.sim.printTrade(SYMBOL, round(price - TICK, 1), 1, 'sell');
    await until(() => kinds(events, second.clientId).includes('filled'));
    expect(fillsBefore).toBe(1);
    expect(broker.streamReopens).toBe(1);
    expect(events.slice(eventsBefore).filter((e) => e.kind === 'reconciled')).toEqual([
      expect.objectContaining({ clientId: null, outcome: 'caught_up', fills: 1 }),
    ]);
    expect(rig.sim.userDataStreams).toBe(1);
    expect(broker.fills().map((f) => [f.clientId, f.quantity])).toEqual([
      [first.clientId, 0.02],
      [second.clientId, 0.03],
    ]);
  });

  it('while disarmed (or refused by the risk gate) no order request reaches the exchange', async () => {
    const rig = await startRig();
    const { broker, events } = trader(rig, 's1', new RiskManager({ maxOrderQuantity: 0.1 }));
    const bid = bestBid(rig);
    expect(broker.armed).toBe(false);
    const limit = await broker.submit(SYMBOL, { side: 'buy', type: 'limit', quantity: 0.02, price: bid - 1 });
    const market = await broker.submit(SYMBOL, { side: 'sell', type: 'market', quantity: 0.02 });
    expect([limit, market].map((r) => (r.ok ? 'sent' : r.refusal.limit))).toEqual(['disarmed', 'disarmed']);
    await expect(broker.arm('yes')).rejects.toThrow("needs the phrase 'arm live trading on binance'");
    expect(broker.armed).toBe(false);
    expect(rig.sim.orderRequests).toEqual([]);
    expect(rig.store.orders('binance')).toEqual([]);

    await broker.arm(armPhrase('binance'));
    const tooBig = await broker.submit(SYMBOL, { side: 'buy', type: 'limit', quantity: 0.2, price: bid - 1 });
    expect(tooBig).toMatchObject({
      ok: false,
      refusal: { limit: 'max_order_quantity', value: 0.2, boundary: 0.1 },
    });
    expect(rig.sim.orderRequests).toEqual([]);
    const ok = await broker.submit(SYMBOL, { side: 'buy', type: 'limit', quantity: 0.1, price: bid - 1 });
    expect(ok.ok).toBe(true);
    expect(posts(rig)).toBe(1);

    broker.disarm();
    await broker.submit(SYMBOL, { side: 'buy', type: 'limit', quantity: 0.02, price: bid - 1 });
    expect(posts(rig)).toBe(1);
    expect(events.filter((e) => e.kind === 'refused')).toHaveLength(4);
  });

  it('the daily-loss breaker trips on a sync: disarms and cancels every open order', async () => {
    const rig = await startRig();
    let mark = 2_000;
    const { broker, events } = trader(rig, 's1', new RiskManager({ maxDailyLoss: 500 }), 'rest', () => mark);
    await broker.arm(armPhrase('binance'));
    const order = await broker.submit(SYMBOL, { side: 'buy', type: 'limit', quantity: 0.02, price: 1_900 });
    expectOk(order);
    await broker.sync(); // the day starts at 10 000 USDT + 1 ETH x 2000
    expect(broker.armed).toBe(true);
    mark = 1_499.9; // 1 ETH now worth 500.1 less: beyond the 500 limit
    await broker.sync();
    await until(() => !broker.armed && broker.openOrders().length === 0);
    expect(events.find((e) => e.kind === 'tripped')).toMatchObject({
      trip: { limit: 'max_daily_loss', boundary: 500, actions: ['disarm', 'cancel_all'] },
    });
    expect(rig.sim.orders(KEY).map((o) => o.status)).toEqual(['CANCELED']);
    const after = await broker.submit(SYMBOL, { side: 'buy', type: 'limit', quantity: 0.02, price: 1_900 });
    expect(after).toMatchObject({ ok: false, refusal: { limit: 'disarmed' } });
  });

  it('panic cancels every open order on the exchange and disarms', async () => {
    const rig = await startRig();
    const { broker, exchange, events } = await armed(rig);
    const bid = bestBid(rig);
    const a = await broker.submit(SYMBOL, { side: 'buy', type: 'limit', quantity: 0.02, price: bid - 1 });
    const b = await broker.submit(SYMBOL, { side: 'sell', type: 'limit', quantity: 0.02, price: bid + 5 });
    expectOk(a);
    expectOk(b);
    // An order placed by hand on the same account: panic cancels it too.
    await exchange.createOrder(SYMBOL, 'limit', 'buy', 0.01, round(bid - 2, 1), {
      newClientOrderId: 'manual-1',
    });

    const result = await broker.panic();
    expect(result).toEqual({ cancelled: 3, failed: [] });
    expect(broker.armed).toBe(false);
    expect(rig.sim.orders(KEY).map((o) => o.status)).toEqual(['CANCELED', 'CANCELED', 'CANCELED']);
    expect(broker.openOrders()).toEqual([]);
    expect(
      events.filter((e) => e.kind === 'cancelled').map((e) => ('clientId' in e ? e.clientId : '')),
    ).toEqual([a.clientId, b.clientId]);
    expect(events.flatMap((e) => (e.kind === 'armed' ? [e.armed] : []))).toEqual([true, false]);
    const postsBefore = posts(rig);
    const after = await broker.submit(SYMBOL, { side: 'buy', type: 'limit', quantity: 0.02, price: bid - 1 });
    expect(after).toMatchObject({ ok: false, refusal: { limit: 'disarmed' } });
    expect(posts(rig)).toBe(postsBefore);
  });
});
