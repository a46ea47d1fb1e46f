import { afterEach, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../shared/api/client.js';
import type { TopicPayload } from '../../shared/api/contract.js';
import type { TradingState } from '../../shared/api/domains/trading.js';
import type { BinanceSimulator } from '../exchange-sim/binance-sim.js';
import type { TestApp } from '../fixtures/test-app.js';
import {
  appWithKeyStore,
  SIM_INSTRUMENT as INSTRUMENT,
  SIM_KEY as KEY,
  SIM_SYMBOL as SYMBOL,
  SIM_TICK as TICK,
  simulatedVenue,
  type Cleanups,
} from '../fixtures/simulated-venue.js';
import { until } from '../fixtures/until.js';

// A live venue in the App against the Binance simulator: keys saved through exchanges.*, the
// venue disarmed until the phrase, orders and fills in the state, panic.

const cleanups: Cleanups = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Rig {
  readonly sim: BinanceSimulator;
  readonly client: ApiClient;
  readonly app: TestApp;
}

const appOn = (dataDir: string): TestApp => appWithKeyStore(dataDir, cleanups);

async function rig(): Promise<Rig> {
  const { sim, client, app } = await simulatedVenue('tw-trading-live', cleanups);
  return { sim, client, app };
}

function venue(state: TradingState, id: string) {
  const found = state.venues.find((v) => v.venue === id);
  if (found === undefined) throw new Error(`no venue ${id}`);
  return found;
}

/** Signed requests (orders, balances, trades): anything that used the keys. */
const signed = (sim: BinanceSimulator) => sim.requests.filter((r) => r.includes('signature=')).length;

describe('trading service, live venue against the simulator', () => {
  it('refuses while disarmed with no request at all, refuses a wrong phrase, trades once armed, panics', async () => {
    const { sim, client } = await rig();
    const events: TopicPayload<'trading.events'>[] = [];
    client.subscribe('trading.events', {}, (event) => events.push(event));
    const first = await until(
      () => client.call('trading.state', {}),
      (s) => s.venues.some((v) => v.venue === 'binance' && v.connected),
    );
    expect(venue(first, 'binance')).toMatchObject({
      kind: 'live',
      armed: false,
      disarmedReason: null,
      strategy: null,
    });
    await until(
      () => client.call('markets.book', { instrument: INSTRUMENT, depth: 1 }),
      (b) => b.mid !== null,
    );
    // The book stands still from here: fills happen when the test prints a trade.
    sim.pause();
    const bid = sim.book(SYMBOL, 1).bids[0]?.[0] ?? Number.NaN;
    const price = Number((bid - 10 * TICK).toFixed(1));
    const order = {
      venue: 'binance',
      instrument: INSTRUMENT,
      side: 'buy',
      type: 'limit',
      quantity: 0.05,
      price,
    } as const;

    expect(await client.call('trading.order', order)).toEqual({
      ok: false,
      limit: 'disarmed',
      reason: 'disarmed: live trading on binance; new orders would be 1, limit 0',
    });
    expect(sim.orderRequests).toHaveLength(0);
    expect(signed(sim)).toBe(0);
    await until(
      () => events,
      (e) => e.some((x) => x.type === 'refusal'),
      2_000,
    );
    expect(events.find((e) => e.type === 'refusal')).toMatchObject({
      refusal: { venue: 'binance', instrument: INSTRUMENT, limit: 'disarmed' },
    });

    await expect(
      client.call('trading.arm', { venue: 'binance', phrase: 'arm live trading' }),
    ).rejects.toThrow("arming binance needs the exact phrase 'arm live trading on binance'");
    expect(venue(await client.call('trading.state', {}), 'binance').armed).toBe(false);
    expect(signed(sim)).toBe(0);

    const armed = await client.call('trading.arm', {
      venue: 'binance',
      phrase: 'arm live trading on binance',
    });
    expect(venue(armed, 'binance')).toMatchObject({ armed: true, disarmedReason: null });
    expect(venue(armed, 'binance').balances.USDT?.total).toBe(10_000);

    const placed = await client.call('trading.order', order);
    expect(placed).toEqual({ ok: true, clientId: 'tw-ws-1' });
    const open = await client.call('trading.state', {});
    expect(open.openOrders.find((o) => o.clientId === 'tw-ws-1')).toMatchObject({
      venue: 'binance',
      instrument: INSTRUMENT,
      side: 'buy',
      type: 'limit',
      quantity: 0.05,
      filled: 0,
      price,
      status: 'open',
    });
    expect(sim.orderRequests.filter((r) => r.method === 'POST')).toHaveLength(1);

    // The market trades through our bid: the poll records the fill.
    sim.printTrade(SYMBOL, Number((price - TICK).toFixed(1)), 0.5, 'sell');
    const filled = await until(
      () => client.call('trading.state', {}),
      (s) => s.fills.some((f) => f.clientId === 'tw-ws-1') && s.openOrders.length === 0,
    );
    expect(filled.fills.find((f) => f.clientId === 'tw-ws-1')).toMatchObject({
      venue: 'binance',
      instrument: INSTRUMENT,
      side: 'buy',
      price,
      quantity: 0.05,
      liquidity: 'maker',
    });
    await until(
      () => events,
      (e) => e.some((x) => x.type === 'fill'),
      2_000,
    );
    const audited = await client.call('trading.audit.list', { kind: 'fill', limit: 10 });
    expect(audited[0]?.payload).toMatchObject({ venue: 'binance', clientId: 'tw-ws-1', quantity: 0.05 });

    // Another resting order, then the panic button: cancelled on the exchange and disarmed.
    expect(
      await client.call('trading.order', { ...order, price: Number((price - 5 * TICK).toFixed(1)) }),
    ).toEqual({
      ok: true,
      clientId: 'tw-ws-2',
    });
    const panicked = await client.call('trading.panic', {});
    expect(venue(panicked, 'binance')).toMatchObject({ armed: false, disarmedReason: 'panic button' });
    expect(panicked.openOrders).toEqual([]);
    expect(sim.orders(KEY).map((o) => o.status)).toEqual(['FILLED', 'CANCELED']);
    const posts = sim.orderRequests.filter((r) => r.method === 'POST').length;
    expect((await client.call('trading.order', order)).ok).toBe(false);
    expect(sim.orderRequests.filter((r) => r.method === 'POST')).toHaveLength(posts);
    const arming = await client.call('trading.audit.list', { kind: 'arming', limit: 20 });
    expect(arming.map((e) => (e.payload as { action: string }).action).reverse()).toEqual([
      'arm_refused',
      'armed',
      'panic',
      'disarmed',
    ]);
    expect(await client.call('trading.audit.verify', {})).toMatchObject({ ok: true });
  });

  it('restarts over the same order store: the fill made while away is recorded on re-arming, nothing is resent', async () => {
    const { sim, client, app } = await rig();
    await until(
      () => client.call('markets.book', { instrument: INSTRUMENT, depth: 1 }),
      (b) => b.mid !== null,
    );
    sim.pause();
    await client.call('trading.arm', { venue: 'binance', phrase: 'arm live trading on binance' });
    const bid = sim.book(SYMBOL, 1).bids[0]?.[0] ?? Number.NaN;
    const price = Number((bid - 10 * TICK).toFixed(1));
    const order = {
      venue: 'binance',
      instrument: INSTRUMENT,
      side: 'buy',
      type: 'limit',
      quantity: 0.05,
      price,
    } as const;
    expect(await client.call('trading.order', order)).toEqual({ ok: true, clientId: 'tw-ws-1' });
    await app.stop();

    sim.printTrade(SYMBOL, Number((price - TICK).toFixed(1)), 0.5, 'sell');
    const again = appOn(app.dataDir);
    const before = await again.client.call('trading.state', {});
    // Disarmed after a restart; the order is still known (from the store) as working.
    expect(venue(before, 'binance').armed).toBe(false);
    expect(before.openOrders.map((o) => [o.clientId, o.status])).toEqual([['tw-ws-1', 'open']]);
    // The connection comes back from the settings; a paused market streams nothing, and arming
    // needs only the connection's endpoint and the saved keys.
    const armed = await again.client.call('trading.arm', {
      venue: 'binance',
      phrase: 'arm live trading on binance',
    });
    expect(armed.openOrders).toEqual([]);
    expect(
      armed.fills.filter((f) => f.venue === 'binance').map((f) => [f.clientId, f.price, f.quantity]),
    ).toEqual([['tw-ws-1', price, 0.05]]);
    expect(sim.orderRequests.filter((r) => r.method === 'POST')).toHaveLength(1);
    // The client id counter survived the restart too.
    expect(
      await again.client.call('trading.order', { ...order, price: Number((price - TICK).toFixed(1)) }),
    ).toEqual({
      ok: true,
      clientId: 'tw-ws-2',
    });
    const reconciled = await again.client.call('trading.audit.list', { kind: 'order', limit: 50 });
    expect(reconciled.some((e) => (e.payload as { action: string }).action === 'reconciled')).toBe(true);
    expect(await again.client.call('trading.audit.verify', {})).toMatchObject({ ok: true });
  });
});
