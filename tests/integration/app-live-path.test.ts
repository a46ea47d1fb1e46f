import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../main/storage/database.js';
import { MarketStore } from '../../main/storage/market-store.js';
import type { BookView } from '../../shared/api/schemas.js';
import { startTestApp, type TestApp } from '../fixtures/test-app.js';

const DEMO = 'demo:DEMO/USD';
const running: TestApp[] = [];

function startApp(): TestApp {
  const session = startTestApp({ prefix: 'tw-app' });
  running.push(session);
  return session;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(async () => {
  for (const session of running.splice(0)) await session.stop();
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
