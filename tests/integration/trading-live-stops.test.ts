import { afterEach, describe, expect, it } from 'vitest';
import {
  SIM_INSTRUMENT as INSTRUMENT,
  SIM_KEY as KEY,
  SIM_SYMBOL as SYMBOL,
  simulatedVenue,
  type Cleanups,
} from '../fixtures/simulated-venue.js';
import { until } from '../fixtures/until.js';

// Stop and stop-limit orders through the App's trading.order on a live venue: sent as the
// exchange's own stops, shown in the trading state with their type and stop price.

const cleanups: Cleanups = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const round = (value: number): number => Number(value.toFixed(1));

describe('trading service, live stop orders against the simulator', () => {
  it('sends stop and stop-limit orders to the exchange and lists them with their stop price until they trigger', async () => {
    const { sim, client } = await simulatedVenue('tw-trading-live-stops', cleanups);
    await until(
      () => client.call('markets.book', { instrument: INSTRUMENT, depth: 1 }),
      (b) => b.mid !== null,
    );
    sim.pause();
    await client.call('trading.arm', { venue: 'binance', phrase: 'arm live trading on binance' });
    // A known last price (what the exchange judges a stop against), then the book stands still.
    const last = sim.book(SYMBOL, 1).bids[0]?.[0] ?? Number.NaN;
    sim.printTrade(SYMBOL, last, 0.001, 'sell');
    const stop = round(last - 30);
    const limit = round(last - 31);
    const base = { venue: 'binance', instrument: INSTRUMENT, side: 'sell', quantity: 0.02 } as const;

    expect(await client.call('trading.order', { ...base, type: 'stop', stopPrice: stop })).toEqual({
      ok: true,
      clientId: 'tw-ws-1',
    });
    expect(
      await client.call('trading.order', { ...base, type: 'stop-limit', price: limit, stopPrice: stop }),
    ).toEqual({ ok: true, clientId: 'tw-ws-2' });
    expect(sim.orders(KEY).map((o) => [o.type, o.status, o.stopPrice, o.price])).toEqual([
      ['STOP_LOSS', 'NEW', stop, 0],
      ['STOP_LOSS_LIMIT', 'NEW', stop, limit],
    ]);
    const resting = await client.call('trading.state', {});
    expect(
      resting.openOrders
        .filter((o) => o.venue === 'binance')
        .map((o) => [o.clientId, o.type, o.price, o.stopPrice, o.quantity, o.status]),
    ).toEqual([
      ['tw-ws-1', 'stop', null, stop, 0.02, 'open'],
      ['tw-ws-2', 'stop-limit', limit, stop, 0.02, 'open'],
    ]);

    // The market falls to the stop: both trigger on the exchange; the stop sells into the bids,
    // the stop-limit's limit is below them, so it takes them too.
    sim.printTrade(SYMBOL, stop, 1, 'sell');
    const done = await until(
      () => client.call('trading.state', {}),
      (s) =>
        s.openOrders.every((o) => o.venue !== 'binance') &&
        s.fills.filter((f) => f.venue === 'binance').length >= 2,
    );
    expect(sim.orders(KEY).map((o) => o.status)).toEqual(['FILLED', 'FILLED']);
    const sold = (clientId: string): number =>
      done.fills.filter((f) => f.clientId === clientId).reduce((sum, f) => sum + f.quantity, 0);
    expect(sold('tw-ws-1')).toBeCloseTo(0.02, 10);
    expect(sold('tw-ws-2')).toBeCloseTo(0.02, 10);
    expect(sim.orderRequests.filter((r) => r.method === 'POST')).toHaveLength(2);
  });
});
