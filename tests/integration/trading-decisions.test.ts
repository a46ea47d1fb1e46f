import { rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../../shared/api/client.js';
import { serveConnection } from '../../main/host/api-server.js';
import { createApp, type App } from '../../main/host/app.js';
import { createMemoryPair } from '../../main/host/memory-transport.js';
import { testDataDir } from '../fixtures/test-app.js';
import { until } from '../fixtures/until.js';

// Sizing and exits of the paper strategy on the live demo market, read back from the audit log:
// each sizing decision with its inputs, the orders it sized, each exit with its level. The clock
// runs fast (market time x SPEED) so the strategy trades within seconds.

const root = path.resolve(import.meta.dirname, '../..');
const DEMO = 'demo:DEMO/USD';
const SPEED = 20;

const running: App[] = [];
const folders: string[] = [];

afterEach(async () => {
  for (const app of running.splice(0)) await app.stop();
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function startApp(): ApiClient {
  const dataDir = testDataDir('tw-decisions');
  folders.push(dataDir);
  const wall0 = Date.now();
  const start = Date.now();
  const app = createApp({
    dataDir,
    version: 'test',
    transport: 'memory',
    workerEntry: pathToFileURL(path.join(root, 'dist/worker/features.js')),
    clock: () => start + (Date.now() - wall0) * SPEED,
  });
  running.push(app);
  const pair = createMemoryPair();
  serveConnection(app, pair.host);
  return createApiClient(pair.client);
}

interface Sized {
  action: string;
  equity: number;
  price: number;
  fraction: number;
  lot: number;
  sized: number;
  ok: boolean;
}
interface Sent {
  action: string;
  intent: { kind: string; order: { clientId: string; side: string; quantity: number; reduceOnly?: boolean } };
}
interface Exit {
  action: string;
  reason: string;
  price: number;
  level: number;
  position: number;
  entryPrice: number;
  clientId: string;
}

const payloads = <T>(entries: readonly { readonly payload: unknown }[]): T[] =>
  entries.map((e) => e.payload as T).reverse();

describe('trading decisions on the paper venue', () => {
  it('sizes orders at fraction x equity / price rounded down to the lot, each decision audited with its inputs', async () => {
    const client = startApp();
    await until(
      () => client.call('markets.book', { instrument: DEMO, depth: 5 }),
      (b) => b.mid !== null,
    );
    await client.call('trading.paper.start', {
      instrument: DEMO,
      strategy: 'book-imbalance',
      params: { entry: 0.2, exit: 0.05, minIntervalMs: 200, quantity: 1 },
      sizing: { kind: 'fixed-fraction', fraction: 0.05, lot: 0.01 },
    });
    const decisions = await until(
      async () =>
        payloads<Sized>(await client.call('trading.audit.list', { kind: 'decision', limit: 1000 })).filter(
          (d) => d.action === 'sized',
        ),
      (d) => d.length >= 2,
    );
    for (const d of decisions) {
      expect(d.fraction).toBe(0.05);
      expect(d.lot).toBe(0.01);
      expect(d.ok).toBe(true);
      const expected = Math.floor((0.05 * d.equity) / d.price / 0.01 + 1e-9) * 0.01;
      expect(d.sized).toBeCloseTo(expected, 9);
      expect(d.sized).toBeGreaterThan(0);
    }
    const sent = payloads<Sent>(
      await client.call('trading.audit.list', { kind: 'order', limit: 1000 }),
    ).filter((o) => o.action === 'sent');
    // The first order opens from flat: one strategy unit, i.e. exactly the first sized quantity.
    expect(sent[0]?.intent.order.quantity).toBeCloseTo(decisions[0]?.sized ?? Number.NaN, 9);
    // Every order is a whole number of lots and a whole number of sized units (open 1, flip 2).
    for (const o of sent) {
      const q = o.intent.order.quantity;
      expect(Math.abs(q / 0.01 - Math.round(q / 0.01))).toBeLessThan(1e-6);
    }
    expect(await client.call('trading.audit.verify', {})).toMatchObject({ ok: true, brokenAt: null });
  });

  it('closes the position with one reduce-only market order when the stop-loss level is touched', async () => {
    const client = startApp();
    await until(
      () => client.call('markets.book', { instrument: DEMO, depth: 5 }),
      (b) => b.mid !== null,
    );
    const stopLoss = 0.0002;
    const started = await client.call('trading.paper.start', {
      instrument: DEMO,
      strategy: 'book-imbalance',
      params: { entry: 0.2, exit: 0.01, minIntervalMs: 200, quantity: 1 },
      exits: { stopLoss },
    });
    expect(started.venues.find((v) => v.venue === 'paper')?.strategy?.kind).toBe('book-imbalance');
    const exits = await until(
      async () =>
        payloads<Exit>(await client.call('trading.audit.list', { kind: 'decision', limit: 1000 })).filter(
          (d) => d.action === 'exit',
        ),
      (d) => d.length >= 1,
      60_000,
    );
    const exit = exits[0];
    if (exit === undefined) throw new Error('no exit');
    expect(exit.reason).toBe('stop_loss');
    const long = exit.position > 0;
    // The level is the entry moved against the position by the stop fraction; the trade touched it.
    expect(exit.level).toBeCloseTo(exit.entryPrice * (long ? 1 - stopLoss : 1 + stopLoss), 9);
    if (long) expect(exit.price).toBeLessThanOrEqual(exit.level);
    else expect(exit.price).toBeGreaterThanOrEqual(exit.level);
    const sent = payloads<Sent>(
      await client.call('trading.audit.list', { kind: 'order', limit: 1000 }),
    ).filter((o) => o.action === 'sent' && o.intent.order.clientId === exit.clientId);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.intent.order).toMatchObject({
      side: long ? 'sell' : 'buy',
      quantity: Math.abs(exit.position),
      reduceOnly: true,
    });
  });
});
