import { afterEach, describe, expect, it } from 'vitest';
import type { TradingState } from '../../shared/api/domains/trading.js';
import {
  SIM_INSTRUMENT as INSTRUMENT,
  SIM_KEY as KEY,
  simulatedVenue,
  type Cleanups,
} from '../fixtures/simulated-venue.js';
import { until } from '../fixtures/until.js';

// A strategy on a live venue: the book-imbalance strategy the backtests and the paper broker
// run, on the Binance simulator's stream, its orders through ccxt and the risk manager. The
// exchange's own record of fills is the check: the strategy sees its position from its fills,
// so its net never goes beyond its target, and a limit refuses its orders with the reason.

const QUANTITY = 0.01;

const cleanups: Cleanups = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const venueOf = (state: TradingState) => state.venues.find((v) => v.venue === 'binance');

async function rig() {
  const { sim, client } = await simulatedVenue('tw-live-strategy', cleanups);
  await until(
    () => client.call('markets.book', { instrument: INSTRUMENT, depth: 5 }),
    (b) => b.mid !== null,
  );
  return { sim, client };
}

const start = {
  venue: 'binance',
  instrument: INSTRUMENT,
  strategy: 'book-imbalance',
  params: { entry: 0.05, exit: 0.02, minIntervalMs: 200, quantity: QUANTITY },
} as const;

describe('a strategy on a live venue', () => {
  it('trades the live stream only once armed, never beyond its target, and stops with its orders', async () => {
    const { sim, client } = await rig();
    await expect(client.call('trading.live.start', start)).rejects.toThrow(
      'binance is disarmed: arm live trading on binance first',
    );
    expect(sim.orderRequests).toHaveLength(0);
    await client.call('trading.arm', { venue: 'binance', phrase: 'arm live trading on binance' });
    const started = await client.call('trading.live.start', start);
    expect(venueOf(started)?.strategy).toMatchObject({
      kind: 'book-imbalance',
      instrument: INSTRUMENT,
      params: start.params,
      signal: null,
    });
    // Several round trips on the exchange itself.
    await until(
      () => sim.fills(KEY),
      (fills) => fills.length >= 4,
      45_000,
    );
    const stopped = await client.call('trading.live.stop', { venue: 'binance' });
    expect(venueOf(stopped)?.strategy).toBeNull();
    // An order already on its way when the strategy stopped still arrives: wait for every order
    // the audit log says left to reach the exchange, then nothing more is placed.
    const creates = () => sim.orderRequests.filter((r) => r.method === 'POST');
    const sentOrders = async () =>
      (await client.call('trading.audit.list', { kind: 'order', limit: 1000 }))
        .map((e) => e.payload as { venue: string; action: string })
        .filter((o) => o.venue === 'binance' && o.action === 'sent').length;
    await until(
      async () => [await sentOrders(), creates().length],
      ([sent, posted]) => sent === posted,
      5_000,
    );
    const after = creates().length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(creates().length).toBe(after);
    expect(await sentOrders()).toBe(after);

    // Market orders of one unit (open) or two (flip): the strategy saw each fill of its own.
    let net = 0;
    for (const f of sim.fills(KEY)) {
      net += f.isBuyer ? f.qty : -f.qty;
      expect(Math.abs(net)).toBeLessThanOrEqual(QUANTITY + 1e-9);
    }
    for (const r of creates()) expect([String(QUANTITY), String(2 * QUANTITY)]).toContain(r.params.quantity);
    expect(creates().every((r) => r.params.type === 'MARKET')).toBe(true);
    // The strategy's start and stop are in the audit log under the venue.
    const decisions = (await client.call('trading.audit.list', { kind: 'decision', limit: 100 })).map(
      (e) => e.payload as { venue: string; action: string },
    );
    expect(decisions.filter((d) => d.venue === 'binance').map((d) => d.action)).toEqual([
      'strategy_stopped',
      'strategy_started',
    ]);
  }, 90_000);

  it('refuses its orders beyond a limit with the reason, and sends none of them', async () => {
    const { sim, client } = await rig();
    await client.call('trading.arm', { venue: 'binance', phrase: 'arm live trading on binance' });
    await client.call('trading.limits.set', { maxOrderQuantity: QUANTITY / 2 });
    await client.call('trading.live.start', start);
    const refusals = await until(
      () => client.call('trading.refusals', {}),
      (r) => r.some((x) => x.venue === 'binance'),
      45_000,
    );
    expect(refusals.find((x) => x.venue === 'binance')).toMatchObject({
      instrument: INSTRUMENT,
      limit: 'max_order_quantity',
      reason: expect.stringMatching(/order quantity would be 0\.0[12], limit 0\.005/) as unknown,
    });
    expect(sim.orderRequests).toHaveLength(0);
    // Panic stops the strategy too.
    const panicked = await client.call('trading.panic', {});
    expect(venueOf(panicked)).toMatchObject({ armed: false, strategy: null });
  }, 90_000);
});
