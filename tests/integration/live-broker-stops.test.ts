import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Exchange } from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { createExchange } from '../../main/exchange/ccxt-exchange.js';
import { openDatabase, type SqliteDatabase } from '../../main/storage/database.js';
import { armPhrase, LiveBroker } from '../../main/trading/live/live-broker.js';
import type { LiveBrokerEvent } from '../../main/trading/live/live-events.js';
import { SqliteOrderStore } from '../../main/trading/sqlite-order-store.js';
import type { RiskGate } from '../../shared/risk/gate.js';
import { RiskManager } from '../../shared/risk/limits.js';
import { BinanceSimulator, startBinanceSimulator, type SimUrls } from '../exchange-sim/binance-sim.js';

// Exchange-native stop orders through ccxt against the Binance simulator: a `stop` is sent as
// Binance spot STOP_LOSS (market on trigger), a `stop_limit` as STOP_LOSS_LIMIT; both rest on
// the exchange untriggered, in the workspace's SQLite order store with their stop price.

const SYMBOL = 'ETH/USDT';
const KEY = 'stop-test-key';
const SECRET = 'stop-test-secret';
const TICK = 0.1;
const FEE = 0.001;

interface Rig {
  readonly sim: BinanceSimulator;
  readonly urls: SimUrls;
  readonly dir: string;
  db: SqliteDatabase;
  store: SqliteOrderStore;
}

interface Trader {
  readonly broker: LiveBroker;
  readonly exchange: Exchange;
  readonly events: LiveBrokerEvent[];
}

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const round = (value: number, decimals = 1): number => Number(value.toFixed(decimals));

async function startRig(balances: Record<string, number> = { USDT: 10_000, ETH: 1 }): Promise<Rig> {
  const { sim, urls } = await startBinanceSimulator({
    markets: [{ symbol: SYMBOL, startPrice: 2000, tickSize: TICK, lotSize: 0.001, seed: 7, minNotional: 5 }],
    feeRate: FEE,
  });
  cleanups.push(() => sim.stop());
  sim.openAccount(KEY, SECRET, balances);
  // The book stands still: stops trigger when the test prints a trade.
  sim.pause();
  const dir = mkdtempSync(path.join(tmpdir(), 'tw-live-stops-'));
  const db = openDatabase(path.join(dir, 'workspace.sqlite'));
  const rig: Rig = { sim, urls, dir, db, store: new SqliteOrderStore(db) };
  cleanups.push(() => {
    if (rig.db.open) rig.db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  // A known last price: what Binance judges a stop against.
  sim.printTrade(SYMBOL, bestBid(rig), 0.001, 'sell');
  return rig;
}

function trader(
  rig: Rig,
  session: string,
  gate: RiskGate = new RiskManager({ maxOrderQuantity: 5 }),
): Trader {
  const exchange = createExchange('binance', {
    endpoint: { rest: rig.urls.rest, ws: rig.urls.ws },
    keys: { apiKey: KEY, secret: SECRET },
    transport: 'rest',
  });
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
  });
  cleanups.push(async () => {
    broker.stop();
    await exchange.close();
  });
  const events: LiveBrokerEvent[] = [];
  broker.subscribe((event) => events.push(event));
  return { broker, exchange, events };
}

async function armed(rig: Rig, session = 's1', gate?: RiskGate): Promise<Trader> {
  const t = trader(rig, session, gate);
  await t.broker.arm(armPhrase('binance'));
  return t;
}

function bestBid(rig: Pick<Rig, 'sim'>): number {
  const bid = rig.sim.book(SYMBOL, 1).bids[0]?.[0];
  if (bid === undefined) throw new Error('empty book');
  return bid;
}

/** What a market sell of `quantity` gets from the simulator's bids now: [price, quantity] per level. */
function sellWalk(rig: Rig, quantity: number): [number, number][] {
  const takes: [number, number][] = [];
  let left = quantity;
  for (const [price, size] of rig.sim.book(SYMBOL).bids) {
    if (left <= 1e-9) break;
    const take = round(Math.min(left, size), 8);
    takes.push([price, take]);
    left = round(left - take, 8);
  }
  return takes;
}

function posts(rig: Rig): { type?: string; price?: string; stopPrice?: string; clientId?: string }[] {
  return rig.sim.orderRequests
    .filter((r) => r.method === 'POST')
    .map((r) => ({
      ...(r.params.type === undefined ? {} : { type: r.params.type }),
      ...(r.params.price === undefined ? {} : { price: r.params.price }),
      ...(r.params.stopPrice === undefined ? {} : { stopPrice: r.params.stopPrice }),
      ...(r.params.newClientOrderId === undefined ? {} : { clientId: r.params.newClientOrderId }),
    }));
}

function kinds(events: readonly LiveBrokerEvent[], clientId: string): string[] {
  return events.filter((e) => 'clientId' in e && e.clientId === clientId).map((e) => e.kind);
}

function expectOk<T extends { ok: boolean }>(result: T): asserts result is Extract<T, { ok: true }> {
  expect(result.ok).toBe(true);
}

describe('live broker stop orders through ccxt against the Binance simulator', () => {
  it('rests a sell stop-loss untriggered on the exchange, then a trade at the stop fills it, recorded once', async () => {
    const rig = await startRig();
    const { broker, exchange, events } = await armed(rig);
    const stop = round(bestBid(rig) - 20);
    const result = await broker.submit(SYMBOL, {
      side: 'sell',
      type: 'stop',
      quantity: 0.05,
      stopPrice: stop,
    });
    expectOk(result);
    expect(result).toEqual({ ok: true, clientId: 'tw-s1-1', state: 'open' });
    // Sent as Binance's STOP_LOSS with its stop price and no limit price.
    expect(posts(rig)).toEqual([{ type: 'STOP_LOSS', stopPrice: stop.toFixed(1), clientId: 'tw-s1-1' }]);
    expect(rig.sim.orders(KEY)).toEqual([
      expect.objectContaining({
        type: 'STOP_LOSS',
        side: 'SELL',
        stopPrice: stop,
        status: 'NEW',
        isWorking: false,
      }),
    ]);
    // The base is reserved while the stop waits.
    expect(rig.sim.balances(KEY).ETH).toEqual({ free: 0.95, locked: 0.05 });
    expect(rig.store.order('tw-s1-1')).toMatchObject({
      type: 'stop',
      price: null,
      stopPrice: stop,
      quantity: 0.05,
      state: 'open',
      exchangeOrderId: '1',
    });
    // ccxt's view: an open order with its trigger price (ccxt types a spot STOP_LOSS 'market').
    const listed = await exchange.fetchOpenOrders(SYMBOL);
    expect(listed.map((o) => [o.id, o.status, o.type, o.triggerPrice, o.amount, o.filled])).toEqual([
      ['1', 'open', 'market', stop, 0.05, 0],
    ]);
    expect(broker.riskState().openOrders).toEqual([
      expect.objectContaining({ clientId: 'tw-s1-1', side: 'sell', remaining: 0.05 }),
    ]);

    // A print above the stop does not trigger it.
    rig.sim.printTrade(SYMBOL, round(stop + TICK), 1, 'sell');
    expect((await broker.sync()).fills).toBe(0);
    expect(rig.sim.orders(KEY)[0]).toMatchObject({ status: 'NEW', isWorking: false });

    // A print at the stop triggers it: a market sell into the bids.
    const expected = sellWalk(rig, 0.05);
    rig.sim.printTrade(SYMBOL, stop, 1, 'sell');
    const summary = await broker.sync();
    expect(summary.fills).toBe(expected.length);
    expect(rig.sim.orders(KEY)[0]).toMatchObject({ status: 'FILLED', executedQty: 0.05, isWorking: true });
    expect(broker.fills().map((f) => [f.price, f.quantity, f.liquidity, f.feeCurrency])).toEqual(
      expected.map(([p, q]) => [p, q, 'taker', 'USDT']),
    );
    expect(rig.store.order('tw-s1-1')).toMatchObject({ state: 'filled', filled: 0.05, stopPrice: stop });
    expect(broker.openOrders()).toEqual([]);
    expect(kinds(events, 'tw-s1-1')).toEqual([
      'sent',
      'accepted',
      ...expected.slice(1).map(() => 'partially_filled'),
      'filled',
    ]);
    // Later passes see the same trades and record nothing twice.
    expect((await broker.sync()).fills).toBe(0);
    expect((await broker.reconcile()).fills).toBe(0);
    expect(broker.fills()).toHaveLength(expected.length);
    const proceeds = expected.reduce((sum, [p, q]) => sum + p * q, 0);
    const balances = await broker.balances();
    expect(balances.ETH).toMatchObject({ free: 0.95, used: 0 });
    expect(balances.USDT?.total).toBeCloseTo(10_000 + proceeds * (1 - FEE), 6);
    expect(posts(rig)).toHaveLength(1);
  });

  it('a stop-limit triggers and rests as a limit when its limit is not reachable, then fills as maker', async () => {
    const rig = await startRig();
    const { broker, exchange } = await armed(rig);
    const bid = bestBid(rig);
    const stop = round(bid - 10);
    // Above the best bid: once triggered the sell cannot take the book and rests.
    const limit = round(bid + 5);
    const result = await broker.submit(SYMBOL, {
      side: 'sell',
      type: 'stop_limit',
      quantity: 0.05,
      price: limit,
      stopPrice: stop,
    });
    expectOk(result);
    expect(result.state).toBe('open');
    expect(posts(rig)).toEqual([
      {
        type: 'STOP_LOSS_LIMIT',
        price: limit.toFixed(1),
        stopPrice: stop.toFixed(1),
        clientId: result.clientId,
      },
    ]);
    expect(rig.store.order(result.clientId)).toMatchObject({
      type: 'stop_limit',
      price: limit,
      stopPrice: stop,
    });
    expect(rig.sim.balances(KEY).ETH).toEqual({ free: 0.95, locked: 0.05 });

    rig.sim.printTrade(SYMBOL, round(stop - TICK), 1, 'sell');
    expect((await broker.sync()).fills).toBe(0);
    // Triggered: working on the book at its limit, nothing filled, still reserved.
    expect(rig.sim.orders(KEY)[0]).toMatchObject({
      type: 'STOP_LOSS_LIMIT',
      status: 'NEW',
      isWorking: true,
      executedQty: 0,
    });
    expect(rig.sim.balances(KEY).ETH).toEqual({ free: 0.95, locked: 0.05 });
    const fetched = await exchange.fetchOrder('', SYMBOL, { origClientOrderId: result.clientId });
    expect([fetched.status, fetched.type, fetched.price, fetched.triggerPrice]).toEqual([
      'open',
      'limit',
      limit,
      stop,
    ]);
    expect(rig.store.order(result.clientId)?.state).toBe('open');

    // The market trades through the limit: it fills there, as maker.
    rig.sim.printTrade(SYMBOL, round(limit + TICK), 1, 'buy');
    expect((await broker.sync()).fills).toBe(1);
    expect(broker.fills().map((f) => [f.price, f.quantity, f.liquidity])).toEqual([[limit, 0.05, 'maker']]);
    expect(rig.store.order(result.clientId)).toMatchObject({ state: 'filled', filled: 0.05 });
    expect(rig.sim.balances(KEY).ETH).toEqual({ free: 0.95, locked: 0 });
  });

  it('cancels an untriggered buy stop: the reserved quote comes back and a later print triggers nothing', async () => {
    const rig = await startRig();
    const { broker, events } = await armed(rig);
    const stop = round(bestBid(rig) + 30);
    const result = await broker.submit(SYMBOL, {
      side: 'buy',
      type: 'stop',
      quantity: 0.02,
      stopPrice: stop,
    });
    expectOk(result);
    expect(result.state).toBe('open');
    // A buy stop (above the market) reserves its quote at the stop price.
    expect(rig.sim.balances(KEY).USDT).toEqual({
      free: round(10_000 - 0.02 * stop, 8),
      locked: round(0.02 * stop, 8),
    });
    expect(await broker.cancel(result.clientId)).toBe(true);
    expect(rig.store.order(result.clientId)).toMatchObject({
      state: 'cancelled',
      filled: 0,
      stopPrice: stop,
    });
    expect(rig.sim.orders(KEY).map((o) => [o.type, o.status])).toEqual([['STOP_LOSS', 'CANCELED']]);
    expect(rig.sim.balances(KEY).USDT).toEqual({ free: 10_000, locked: 0 });
    expect(kinds(events, result.clientId)).toEqual(['sent', 'accepted', 'cancelled']);

    rig.sim.printTrade(SYMBOL, round(stop + 1), 1, 'buy');
    expect((await broker.sync()).fills).toBe(0);
    expect(rig.sim.fills(KEY)).toEqual([]);
    expect(await broker.cancel(result.clientId)).toBe(false);
  });

  it("rejects a stop the last price has already reached with Binance's reason", async () => {
    // Binance answers -2010 "Stop price would trigger immediately."; ccxt matches the message
    // (OrderImmediatelyFillable) and words its error from it, so the reason is the exchange's msg.
    const rig = await startRig();
    const { broker, events } = await armed(rig);
    const last = bestBid(rig); // the rig's opening print
    const sell = await broker.submit(SYMBOL, {
      side: 'sell',
      type: 'stop',
      quantity: 0.05,
      stopPrice: round(last + 5),
    });
    const buy = await broker.submit(SYMBOL, {
      side: 'buy',
      type: 'stop_limit',
      quantity: 0.05,
      price: round(last - 4),
      stopPrice: round(last - 5),
    });
    expectOk(sell);
    expectOk(buy);
    expect([sell.state, buy.state]).toEqual(['rejected', 'rejected']);
    for (const clientId of [sell.clientId, buy.clientId])
      expect(rig.store.order(clientId)?.reason).toBe('Stop price would trigger immediately.');
    expect(events.flatMap((e) => (e.kind === 'rejected' ? [[e.clientId, e.error]] : []))).toEqual([
      [sell.clientId, 'OrderImmediatelyFillable'],
      [buy.clientId, 'OrderImmediatelyFillable'],
    ]);
    expect(rig.sim.orders(KEY)).toEqual([]);
    expect(rig.sim.balances(KEY)).toEqual({ USDT: { free: 10_000, locked: 0 }, ETH: { free: 1, locked: 0 } });
    expect(broker.openOrders()).toEqual([]);
  });

  it('rounds a stop price to the tick the way that triggers no later, and surfaces the filter failure on stale market data', async () => {
    const rig = await startRig();
    const { broker, exchange, events } = await armed(rig);
    const bid = bestBid(rig);
    // 0.03 off the tick: a sell stop rounds up, a buy stop down.
    const sell = await broker.submit(SYMBOL, {
      side: 'sell',
      type: 'stop',
      quantity: 0.01,
      stopPrice: round(bid - 20.03, 2),
    });
    const buy = await broker.submit(SYMBOL, {
      side: 'buy',
      type: 'stop',
      quantity: 0.01,
      stopPrice: round(bid + 20.07, 2),
    });
    expectOk(sell);
    expectOk(buy);
    expect([sell.state, buy.state]).toEqual(['open', 'open']);
    expect(rig.store.order(sell.clientId)?.stopPrice).toBe(round(bid - 20));
    expect(rig.store.order(buy.clientId)?.stopPrice).toBe(round(bid + 20));
    expect(rig.sim.orders(KEY).map((o) => [o.side, o.stopPrice])).toEqual([
      ['SELL', round(bid - 20)],
      ['BUY', round(bid + 20)],
    ]);

    // Not a price at all: refused before any request.
    const before = rig.sim.orderRequests.length;
    const bad = await broker.submit(SYMBOL, { side: 'sell', type: 'stop', quantity: 0.01, stopPrice: -1 });
    const noLimit = await broker.submit(SYMBOL, {
      side: 'sell',
      type: 'stop_limit',
      quantity: 0.01,
      stopPrice: 1,
    });
    const noStop = await broker.submit(SYMBOL, { side: 'sell', type: 'stop', quantity: 0.01 });
    expect([bad, noLimit, noStop].map((r) => (r.ok ? null : [r.refusal.limit, r.refusal.reason]))).toEqual([
      ['invalid_order', 'invalid_order: stop price must be a finite positive number, got -1'],
      ['invalid_order', 'invalid_order: a stop_limit order without a price'],
      ['invalid_order', 'invalid_order: a stop order without a stop price'],
    ]);
    expect(rig.sim.orderRequests.length).toBe(before);

    // Our market data says 0.01 ticks, the exchange's filter 0.1: the exchange refuses the stop
    // price (PRICE_FILTER applies to it too) and its reason reaches the store and the event.
    const market = exchange.market(SYMBOL) as unknown as { precision: { price: number } };
    market.precision.price = 0.01;
    const stale = await broker.submit(SYMBOL, {
      side: 'sell',
      type: 'stop',
      quantity: 0.01,
      stopPrice: round(bid - 20.03, 2),
    });
    expectOk(stale);
    expect(stale.state).toBe('rejected');
    expect(rig.store.order(stale.clientId)).toMatchObject({
      stopPrice: round(bid - 20.03, 2),
      reason: 'Filter failure: PRICE_FILTER (code -1013)',
    });
    expect(events.find((e) => e.kind === 'rejected')).toMatchObject({
      clientId: stale.clientId,
      error: 'InvalidOrder',
    });
    expect(rig.sim.orders(KEY)).toHaveLength(2);
  });

  it('after a restart, reconciling over the same database records a stop that triggered and filled while away', async () => {
    const rig = await startRig();
    const first = await armed(rig, 's1');
    const bid = bestBid(rig);
    const stop = round(bid - 15);
    const stopLoss = await first.broker.submit(SYMBOL, {
      side: 'sell',
      type: 'stop',
      quantity: 0.04,
      stopPrice: stop,
    });
    const stopLimit = await first.broker.submit(SYMBOL, {
      side: 'sell',
      type: 'stop_limit',
      quantity: 0.03,
      price: round(bid + 8),
      stopPrice: stop,
    });
    expectOk(stopLoss);
    expectOk(stopLimit);
    first.broker.stop();
    rig.db.close();

    // While the workstation is closed the market falls through the stop: the exchange's stops
    // act without us (the stop-limit triggers and rests at its limit).
    const expected = sellWalk(rig, 0.04);
    rig.sim.printTrade(SYMBOL, round(stop - TICK), 1, 'sell');
    expect(rig.sim.orders(KEY).map((o) => [o.type, o.status, o.isWorking])).toEqual([
      ['STOP_LOSS', 'FILLED', true],
      ['STOP_LOSS_LIMIT', 'NEW', true],
    ]);

    rig.db = openDatabase(path.join(rig.dir, 'workspace.sqlite'));
    rig.store = new SqliteOrderStore(rig.db);
    const second = trader(rig, 's2');
    expect(second.broker.openOrders().map((o) => [o.clientId, o.type, o.stopPrice, o.state])).toEqual([
      [stopLoss.clientId, 'stop', stop, 'open'],
      [stopLimit.clientId, 'stop_limit', stop, 'open'],
    ]);
    const summary = await second.broker.reconcile();
    expect(summary).toMatchObject({ fills: expected.length, inDoubt: 0, foreignTrades: 0 });
    expect(rig.store.order(stopLoss.clientId)).toMatchObject({
      state: 'filled',
      filled: 0.04,
      stopPrice: stop,
    });
    expect(rig.store.order(stopLimit.clientId)).toMatchObject({ state: 'open', filled: 0 });
    expect(second.broker.fills().map((f) => [f.clientId, f.price, f.quantity])).toEqual(
      expected.map(([p, q]) => [stopLoss.clientId, p, q]),
    );
    expect(kinds(second.events, stopLoss.clientId).at(-1)).toBe('filled');
    expect((await second.broker.reconcile()).fills).toBe(0);
    // Nothing was sent again.
    expect(posts(rig).map((p) => p.clientId)).toEqual([stopLoss.clientId, stopLimit.clientId]);
  });

  it('while disarmed no stop leaves, and the risk gate values a stop at its stop price and a stop-limit at its limit', async () => {
    const rig = await startRig();
    const { broker, events } = trader(rig, 's1', new RiskManager({ maxOrderNotional: 100 }));
    const bid = bestBid(rig);
    const stop = round(bid - 20);
    const disarmed = await Promise.all([
      broker.submit(SYMBOL, { side: 'sell', type: 'stop', quantity: 0.01, stopPrice: stop }),
      broker.submit(SYMBOL, {
        side: 'sell',
        type: 'stop_limit',
        quantity: 0.01,
        price: stop,
        stopPrice: stop,
      }),
    ]);
    expect(disarmed.map((r) => (r.ok ? 'sent' : r.refusal.limit))).toEqual(['disarmed', 'disarmed']);
    expect(rig.sim.orderRequests).toEqual([]);
    expect(rig.store.orders('binance')).toEqual([]);

    await broker.arm(armPhrase('binance'));
    const tooBig = await broker.submit(SYMBOL, {
      side: 'sell',
      type: 'stop',
      quantity: 0.06,
      stopPrice: stop,
    });
    expect(tooBig).toMatchObject({ ok: false, refusal: { limit: 'max_order_notional', boundary: 100 } });
    if (tooBig.ok) throw new Error('unreachable');
    expect(tooBig.refusal.value).toBeCloseTo(0.06 * stop, 9);
    const limitTooBig = await broker.submit(SYMBOL, {
      side: 'sell',
      type: 'stop_limit',
      quantity: 0.04,
      price: 2_600,
      stopPrice: stop,
    });
    expect(limitTooBig).toMatchObject({ ok: false, refusal: { limit: 'max_order_notional', value: 104 } });
    expect(rig.sim.orderRequests).toEqual([]);
    const fits = await broker.submit(SYMBOL, { side: 'sell', type: 'stop', quantity: 0.04, stopPrice: stop });
    expect(fits).toMatchObject({ ok: true, state: 'open' });
    expect(posts(rig)).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'refused')).toHaveLength(4);
  });
});
