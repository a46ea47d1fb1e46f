import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../main/host/app.js';
import { serveConnection } from '../../main/host/api-server.js';
import { createMemoryPair } from '../../main/host/memory-transport.js';
import { openDatabase } from '../../main/storage/database.js';
import { MarketStore } from '../../main/storage/market-store.js';
import { createApiClient, type ApiClient } from '../../shared/api/client.js';
import type { BookView } from '../../shared/api/schemas.js';

const root = path.resolve(import.meta.dirname, '../..');
const DEMO = 'demo:DEMO/USD';
const running: { app: App; dataDir: string }[] = [];

function startApp(): { app: App; client: ApiClient; dataDir: string } {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tw-app-'));
  const app = createApp({
    dataDir,
    version: 'test',
    transport: 'memory',
    workerEntry: pathToFileURL(path.join(root, 'dist/worker/features.js')),
  });
  running.push({ app, dataDir });
  const pair = createMemoryPair();
  serveConnection(app, pair.host);
  return { app, client: createApiClient(pair.client), dataDir };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(async () => {
  for (const { app, dataDir } of running.splice(0)) {
    await app.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

describe('the App on the demo market', () => {
  it('streams a 20-level book at no more than 30 frames a second', async () => {
    const { client } = startApp();
    const frames: BookView[] = [];
    const stop = client.subscribe('book', { instrument: DEMO, depth: 20 }, (view) => frames.push(view));
    await sleep(2000);
    stop();
    expect(frames.length).toBeGreaterThan(10);
    expect(frames.length).toBeLessThanOrEqual(62);
    const last = frames.at(-1);
    expect(last?.bids).toHaveLength(20);
    expect(last?.asks).toHaveLength(20);
    const bestBid = last?.bids[0]?.[0] ?? Infinity;
    const bestAsk = last?.asks[0]?.[0] ?? 0;
    expect(bestBid).toBeLessThan(bestAsk);
    expect(last?.spread).toBeCloseTo(bestAsk - bestBid, 9);
  });

  it('records trades and candles to SQLite and keeps them after a restart', async () => {
    const { app, client, dataDir } = startApp();
    await sleep(2500);
    const status = await client.call('app.status', {});
    expect(status.connection).toBe('live');
    expect(status.eventsTotal).toBeGreaterThan(100);
    expect(status.problems).toEqual([]);
    const trades = await client.call('markets.trades', { instrument: DEMO, limit: 50 });
    expect(trades.length).toBeGreaterThan(0);
    const candles = await client.call('markets.candles', { instrument: DEMO, timeframe: '1s', limit: 100 });
    expect(candles.length).toBeGreaterThan(0);
    const volume = candles.reduce((sum, c) => sum + c.volume, 0);
    expect(volume).toBeGreaterThan(0);

    await app.stop();
    const reopened = new MarketStore(openDatabase(path.join(dataDir, 'workspace.sqlite')));
    expect(reopened.countTrades(DEMO)).toBeGreaterThanOrEqual(status.recordedTrades);
    expect(reopened.listInstruments().map((i) => i.id)).toEqual([DEMO]);
    reopened.db.close();
  });

  it('answers an unknown instrument with not_found', async () => {
    const { client } = startApp();
    await expect(client.call('markets.book', { instrument: 'x:NOPE', depth: 5 })).rejects.toMatchObject({
      kind: 'not_found',
    });
  });
});
