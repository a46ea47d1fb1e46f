import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../../shared/api/protocol.js';
import type { Level } from '../../../../shared/domain/market.js';
import type { RiskTrip } from '../../../../shared/risk/gate.js';
import { RiskManager } from '../../../../shared/risk/limits.js';
import type { AuditKind } from '../../../../shared/trading/audit-chain.js';
import { openDatabase } from '../../../../main/storage/database.js';
import { armPhrase } from '../../../../main/trading/live/live-broker.js';
import { LiveExchange } from '../../../../main/trading/live/live-exchange.js';
import { LiveVenue } from '../../../../main/trading/live/live-venue.js';
import { MemoryOrderStore } from '../../../../main/trading/live/order-store.js';
import { PaperVenue } from '../../../../main/trading/paper-venue.js';
import type { TradingEvent, Venue, VenueOrder, VenueReports } from '../../../../main/trading/venue.js';
import { startBinanceSimulator } from '../../../exchange-sim/binance-sim.js';
import { until } from '../../../fixtures/until.js';
import { fixtureBook } from '../../shared/backtest/builders.js';

/**
 * The Venue contract, one suite run against the paper venue (on a fixture book) and a live
 * venue on the Binance simulator (127.0.0.1): what the trading service relies on whichever
 * venue it holds.
 */

interface Reported {
  readonly records: { kind: AuditKind; payload: unknown }[];
  readonly events: TradingEvent[];
  readonly trips: RiskTrip[];
}

interface Rig {
  readonly venue: Venue;
  readonly instrument: string;
  /** A limit buy far below the market: it rests. */
  readonly restingBuy: VenueOrder;
  readonly reported: Reported;
  /** What the venue holds of `instrument` once armed (paper buys it first, live starts with it). */
  hold(): Promise<number>;
  /** Lets the venue act on what it was asked (paper: the next market event reaches the engine). */
  settle(): void;
  close(): Promise<void>;
}

/** The gate both venues trade under: small orders only. */
const limits = { maxOrderQuantity: 5 };

function reports(): { reports: VenueReports; reported: Reported } {
  const reported: Reported = { records: [], events: [], trips: [] };
  return {
    reported,
    reports: {
      record: (_ts, kind, payload) => reported.records.push({ kind, payload }),
      emit: (event) => reported.events.push(event),
      tripped: (_venue, trip) => reported.trips.push(trip),
      changed: () => undefined,
    },
  };
}

const DEMO = 'demo:DEMO/USD';
const MARKET: VenueOrder = {
  side: 'buy',
  type: 'market',
  quantity: 1,
  timeInForce: 'ioc',
  postOnly: false,
  reduceOnly: false,
};
const BOOK = {
  bids: [
    [99.5, 2],
    [99, 5],
  ] as Level[],
  asks: [
    [100.5, 1],
    [101, 3],
  ] as Level[],
};

function paperRig(): Promise<Rig> {
  const db = openDatabase(':memory:');
  const settings = new Map<string, unknown>();
  const { reports: r, reported } = reports();
  const venue = new PaperVenue({
    db,
    gate: new RiskManager(limits),
    clock: () => 1_000,
    log: () => undefined,
    settings: { set: (key, value) => settings.set(key, value) },
    reports: r,
    mid: () => 100,
    book: () => BOOK,
    knownInstrument: (instrument) => {
      if (instrument !== DEMO) throw new ApiError('not_found', `unknown instrument ${instrument}`);
    },
  });
  // The instrument's first event: its engine starts on this book.
  let seq = 1;
  venue.onMarketEvents([fixtureBook(1_000, seq)]);
  return Promise.resolve({
    venue,
    instrument: DEMO,
    restingBuy: {
      side: 'buy',
      type: 'limit',
      quantity: 2,
      price: 95,
      timeInForce: 'gtc',
      postOnly: false,
      reduceOnly: false,
    },
    reported,
    hold: async () => {
      const bought = await venue.order(DEMO, { ...MARKET, side: 'buy', quantity: 1 });
      if (!bought.ok) throw new Error(`refused: ${bought.reason}`);
      seq += 1;
      venue.onMarketEvents([fixtureBook(1_000 + seq, seq)]);
      return 1;
    },
    settle: () => {
      seq += 1;
      venue.onMarketEvents([fixtureBook(1_000 + seq, seq)]);
    },
    close: () => {
      venue.close();
      db.close();
      return Promise.resolve();
    },
  });
}

const KEY = 'contract-key';
const SECRET = 'contract-secret';

async function liveRig(): Promise<Rig> {
  const { sim, urls } = await startBinanceSimulator({
    markets: [
      { symbol: 'ETH/USDT', startPrice: 2000, tickSize: 0.1, lotSize: 0.001, seed: 7, minNotional: 5 },
    ],
    feeRate: 0.001,
  });
  sim.openAccount(KEY, SECRET, { USDT: 10_000, ETH: 1 });
  // The book stands still: nothing fills unless a test prints a trade.
  sim.pause();
  const store = new MemoryOrderStore();
  const { reports: r, reported } = reports();
  const exchange = new LiveExchange({
    exchangeId: 'binance',
    store,
    gate: new RiskManager(limits),
    clock: () => Date.now(),
    session: 'contract',
    connection: () => ({ symbols: ['ETH/USDT'], endpoint: { rest: urls.rest, ws: urls.ws } }),
    keys: () => ({ apiKey: KEY, secret: SECRET }),
    onEvent: (event) => {
      venue.onBrokerEvent(event);
    },
    log: () => undefined,
  });
  const venue: LiveVenue = new LiveVenue({
    exchange,
    store,
    clock: () => Date.now(),
    log: () => undefined,
    reports: r,
    connected: () => true,
    orderBook: () => null,
    markOf: (_instrument, fallback) => fallback,
  });
  return {
    venue,
    instrument: 'binance:ETH/USDT',
    restingBuy: {
      side: 'buy',
      type: 'limit',
      quantity: 0.01,
      price: 1500,
      timeInForce: 'gtc',
      postOnly: false,
      reduceOnly: false,
    },
    reported,
    // The simulator's account opened with 1 ETH.
    hold: () => Promise.resolve(1),
    // The broker's own polling brings the exchange's answers.
    settle: () => undefined,
    close: async () => {
      venue.close();
      await sim.stop();
    },
  };
}

const rigs: Rig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
});

async function armed(make: () => Promise<Rig>): Promise<Rig> {
  const rig = await make();
  rigs.push(rig);
  if (!rig.venue.armed) await rig.venue.arm(armPhrase(rig.venue.id));
  return rig;
}

const working = (rig: Rig) => {
  rig.settle();
  return rig.venue.workingOrders(Date.now());
};

describe.each([
  ['paper', paperRig],
  ['live on the simulator', liveRig],
] as const)('venue contract: %s', (_name, make) => {
  it('refuses a wrong arming phrase (staying disarmed) and arms with the exact one', async () => {
    const { venue } = await armed(make);
    venue.disarm('disarmed by the test');
    expect(venue.armed).toBe(false);
    expect(venue.view()).toMatchObject({
      venue: venue.id,
      armed: false,
      disarmedReason: 'disarmed by the test',
    });

    const wrong = await venue.arm('arm it please').catch((error: unknown) => error);
    expect(wrong).toBeInstanceOf(ApiError);
    expect((wrong as ApiError).kind).toBe('bad_request');
    expect(venue.armed).toBe(false);

    await venue.arm(armPhrase(venue.id));
    expect(venue.armed).toBe(true);
    expect(venue.view()).toMatchObject({ armed: true, disarmedReason: null });
  });

  it('refuses an order while disarmed, as the disarmed limit, and nothing works', async () => {
    const rig = await armed(make);
    rig.venue.disarm('disarmed by the test');
    const outcome = await rig.venue.order(rig.instrument, rig.restingBuy);
    expect(outcome).toMatchObject({ ok: false, limit: 'disarmed' });
    expect(working(rig)).toEqual([]);
    expect(rig.reported.events.filter((e) => e.type === 'refusal')).toHaveLength(1);
  });

  it('rests a limit order, lists it as working and in the risk state; a cancel removes it', async () => {
    const rig = await armed(make);
    const outcome = await rig.venue.order(rig.instrument, rig.restingBuy);
    if (!outcome.ok) throw new Error(`refused: ${outcome.reason}`);
    const listed = await until(
      () => working(rig),
      (orders) => orders.length === 1,
    );
    expect(listed[0]).toMatchObject({
      venue: rig.venue.id,
      clientId: outcome.clientId,
      instrument: rig.instrument,
      side: 'buy',
      type: 'limit',
      quantity: rig.restingBuy.quantity,
      filled: 0,
      price: rig.restingBuy.price,
    });
    expect(rig.venue.riskState()?.openOrders.map((o) => o.quantity)).toEqual([rig.restingBuy.quantity]);

    expect(await rig.venue.cancel('no-such-order')).toBe(false);
    expect(await rig.venue.cancel(outcome.clientId)).toBe(true);
    await until(
      () => working(rig),
      (orders) => orders.length === 0,
    );
    expect(rig.venue.riskState()?.openOrders).toEqual([]);
  });

  it("answers the gate's refusal with its limit and sends nothing", async () => {
    const rig = await armed(make);
    const outcome = await rig.venue.order(rig.instrument, { ...rig.restingBuy, quantity: 10 });
    expect(outcome).toMatchObject({ ok: false, limit: 'max_order_quantity' });
    expect(working(rig)).toEqual([]);
  });

  it('refuses an instrument that is not on the venue', async () => {
    const rig = await armed(make);
    await expect(rig.venue.order('elsewhere:BTC/EUR', rig.restingBuy)).rejects.toBeInstanceOf(ApiError);
  });

  it('cancels every working order on panic', async () => {
    const rig = await armed(make);
    for (const price of [rig.restingBuy.price ?? 0, (rig.restingBuy.price ?? 0) * 0.9]) {
      const outcome = await rig.venue.order(rig.instrument, { ...rig.restingBuy, price });
      expect(outcome.ok).toBe(true);
    }
    await until(
      () => working(rig),
      (orders) => orders.length === 2,
    );
    await rig.venue.panic('panic button');
    await until(
      () => working(rig),
      (orders) => orders.length === 0,
    );
  });

  it('flattens after a panic: a reduce-only market order per position, through the gate, audited', async () => {
    const rig = await armed(make);
    const held = await rig.hold();
    const quantityHeld = () => {
      rig.settle();
      return rig.venue.positions().find((p) => p.instrument === rig.instrument)?.quantity ?? 0;
    };
    await until(quantityHeld, (q) => Math.abs(q - held) < 1e-9);
    await rig.venue.panic('panic button (flatten)');
    const flattened = await rig.venue.flatten('panic button (flatten)');
    expect(flattened).toEqual([
      {
        ok: true,
        venue: rig.venue.id,
        instrument: rig.instrument,
        side: 'sell',
        quantity: held,
        clientId: expect.any(String) as string,
      },
    ]);
    await until(quantityHeld, (q) => Math.abs(q) < 1e-9);
    const audited = rig.reported.records.filter(
      (r) => r.kind === 'decision' && (r.payload as { action?: string }).action === 'flatten',
    );
    expect(audited.map((r) => r.payload)).toEqual([
      { action: 'flatten', why: 'panic button (flatten)', ...flattened[0] },
    ]);
    // Nothing is left to close: a second flatten sends nothing.
    expect(await rig.venue.flatten('again')).toEqual([]);
  });

  it('disarms and cancels every working order when a breaker trips', async () => {
    const rig = await armed(make);
    const outcome = await rig.venue.order(rig.instrument, rig.restingBuy);
    expect(outcome.ok).toBe(true);
    await until(
      () => working(rig),
      (orders) => orders.length === 1,
    );
    await rig.venue.trip({
      limit: 'max_daily_loss',
      ts: Date.now(),
      value: 600,
      boundary: 500,
      reason: 'daily loss 600 over 500',
      actions: ['disarm', 'cancel_all'],
    });
    await until(
      () => working(rig),
      (orders) => orders.length === 0,
    );
    expect(rig.venue.armed).toBe(false);
    const after = await rig.venue.order(rig.instrument, rig.restingBuy);
    expect(after).toMatchObject({ ok: false, limit: 'disarmed' });
  });
});
