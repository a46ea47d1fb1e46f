import { afterEach, describe, expect, it } from 'vitest';
import type { TradingState } from '../../shared/api/domains/trading.js';
import {
  SIM_INSTRUMENT as INSTRUMENT,
  SIM_KEY as KEY,
  SIM_SECRET,
  SIM_SYMBOL as SYMBOL,
  SIM_TICK as TICK,
  simulatedVenue,
  type Cleanups,
} from '../fixtures/simulated-venue.js';
import { until } from '../fixtures/until.js';

// Keys take effect at once: deleting or replacing an exchange's API keys while its venue is
// armed changes what the next request is signed with, as the simulator sees it.

const cleanups: Cleanups = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const ARM = { venue: 'binance', phrase: 'arm live trading on binance' } as const;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function binance(state: TradingState) {
  return state.venues.find((v) => v.venue === 'binance');
}

async function armedRig(prefix: string) {
  const rig = await simulatedVenue(prefix, cleanups);
  const { sim, client } = rig;
  await until(
    () => client.call('markets.book', { instrument: INSTRUMENT, depth: 1 }),
    (b) => b.mid !== null,
  );
  sim.pause();
  expect(binance(await client.call('trading.arm', ARM))?.armed).toBe(true);
  const bid = sim.book(SYMBOL, 1).bids[0]?.[0] ?? Number.NaN;
  const limit = {
    venue: 'binance',
    instrument: INSTRUMENT,
    side: 'buy',
    type: 'limit',
    quantity: 0.05,
    price: Number((bid - 10 * TICK).toFixed(1)),
  } as const;
  return { ...rig, limit };
}

describe('API keys take effect at once', () => {
  it('deleting the keys of an armed venue disarms it with an audit entry, and nothing more is signed with them', async () => {
    const { sim, client, limit } = await armedRig('tw-keys-delete');
    expect(await client.call('trading.order', limit)).toEqual({ ok: true, clientId: 'tw-ws-1' });
    expect(
      sim.signedRequests.filter((r) => r.apiKey === KEY && r.verdict === 'valid').length,
    ).toBeGreaterThan(0);

    expect(await client.call('exchanges.keys.delete', { exchange: 'binance' })).toEqual({
      exchange: 'binance',
      hasKeys: false,
    });
    const seenAtDelete = sim.signedRequests.length;

    // The venue is gone from the state (no keys), and it cannot be armed or traded again.
    expect(binance(await client.call('trading.state', {}))).toBeUndefined();
    await expect(client.call('trading.arm', ARM)).rejects.toThrow(
      "no venue 'binance': connect the exchange and save its API keys first",
    );
    await expect(
      client.call('trading.order', { ...limit, type: 'market', price: undefined }),
    ).rejects.toThrow("no venue 'binance'");
    // Three poll periods: the broker that polled with the deleted key is gone.
    await sleep(1_600);
    expect(sim.signedRequests.slice(seenAtDelete)).toEqual([]);
    expect(sim.orders(KEY)).toHaveLength(1);

    const arming = await client.call('trading.audit.list', { kind: 'arming', limit: 10 });
    expect(arming[0]?.payload).toMatchObject({
      venue: 'binance',
      action: 'disarmed',
      why: 'the API keys of binance were deleted',
    });
    const settings = await client.call('trading.audit.list', { kind: 'setting', limit: 10 });
    expect(settings.map((e) => e.payload)).toContainEqual({ venue: 'binance', action: 'keys_deleted' });
    // The audit never holds the keys themselves.
    const everything = JSON.stringify(await client.call('trading.audit.list', { limit: 1_000 }));
    expect(everything).not.toContain(SIM_SECRET);
    expect(await client.call('trading.audit.verify', {})).toMatchObject({ ok: true });
  });

  it('replacing the secret with a wrong one: the next order reaches the exchange signed with the new secret and is refused', async () => {
    const { sim, client, limit } = await armedRig('tw-keys-replace');
    expect(await client.call('trading.order', limit)).toEqual({ ok: true, clientId: 'tw-ws-1' });

    expect(
      await client.call('exchanges.keys.save', {
        exchange: 'binance',
        apiKey: KEY,
        secret: 'not-the-secret',
      }),
    ).toEqual({ exchange: 'binance', hasKeys: true });
    const seenAtReplace = sim.signedRequests.length;

    const second = { ...limit, price: Number((limit.price - TICK).toFixed(1)) };
    expect(await client.call('trading.order', second)).toEqual({ ok: true, clientId: 'tw-ws-2' });
    // The exchange refused it: only the first order stands there.
    expect(sim.orders(KEY).map((o) => o.clientOrderId)).toEqual(['tw-ws-1']);
    const rejected = await until(
      () => client.call('trading.audit.list', { kind: 'order', limit: 20 }),
      (entries) => entries.some((e) => (e.payload as { action: string }).action === 'rejected'),
      5_000,
    );
    expect(
      rejected.find((e) => (e.payload as { action: string }).action === 'rejected')?.payload,
    ).toMatchObject({
      venue: 'binance',
      clientId: 'tw-ws-2',
    });
    expect(JSON.stringify(rejected)).toContain('Signature for this request is not valid');

    // Every request since the replacement named the key and carried a signature by the new,
    // wrong secret: none was signed with the old one.
    const since = sim.signedRequests.slice(seenAtReplace);
    expect(since.length).toBeGreaterThan(0);
    expect(since.every((r) => r.apiKey === KEY && r.verdict === 'bad_signature')).toBe(true);
    const settings = await client.call('trading.audit.list', { kind: 'setting', limit: 10 });
    expect(settings.map((e) => e.payload)).toContainEqual({ venue: 'binance', action: 'keys_replaced' });

    // The right secret again: the next order stands on the exchange.
    await client.call('exchanges.keys.save', { exchange: 'binance', apiKey: KEY, secret: SIM_SECRET });
    const third = { ...limit, price: Number((limit.price - 2 * TICK).toFixed(1)) };
    expect(await client.call('trading.order', third)).toEqual({ ok: true, clientId: 'tw-ws-3' });
    expect(sim.orders(KEY).map((o) => o.clientOrderId)).toEqual(['tw-ws-1', 'tw-ws-3']);
  });
});
