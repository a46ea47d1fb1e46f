import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../shared/api/client.js';
import type { Job } from '../../shared/api/domains/jobs.js';
import { startTestApp, type TestApp } from '../fixtures/test-app.js';

const DEMO = 'demo:DEMO/USD';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the history API of the App, over the in-memory transport', () => {
  let session: TestApp;
  let client: ApiClient;
  let dataDir: string;

  beforeAll(async () => {
    session = startTestApp({ prefix: 'tw-history-api' });
    ({ client, dataDir } = session);
    await sleep(2500); // the demo market records a couple of seconds
  });

  afterAll(async () => {
    await session.stop();
  });

  it('gives the market context at now and at a past T in the same shape', async () => {
    const now = await client.call('history.context', {
      instrument: DEMO,
      at: 'now',
      windowMs: 60_000,
      timeframes: ['1s', '1m'],
    });
    expect(now.trades.length).toBeGreaterThan(0);
    expect(now.book?.bids.length).toBeGreaterThan(0);
    expect(now.trades.every((t) => t.ts <= now.at && t.ts > now.at - 60_000)).toBe(true);
    expect(now.candles['1m']?.length).toBeGreaterThan(0);

    const past = now.trades[Math.floor(now.trades.length / 2)]?.ts ?? now.at;
    const then = await client.call('history.context', {
      instrument: DEMO,
      at: past,
      windowMs: 60_000,
      timeframes: ['1s'],
    });
    expect(Object.keys(then).sort()).toEqual(Object.keys(now).sort());
    expect(then.trades.every((t) => t.ts <= past)).toBe(true);
    // Rebuilt from the anchor snapshot and the recorded deltas up to T.
    expect(then.book?.bids.length).toBeGreaterThan(0);
    expect(then.book?.asks[0]?.[0]).toBeGreaterThan(then.book?.bids[0]?.[0] ?? Infinity);
    expect(then.candles['1s']?.at(-1)?.openTime).toBeLessThanOrEqual(past);
  });

  it('reports coverage with trades and book deltas, and keeps retention settings', async () => {
    const [coverage] = await client.call('history.coverage', { instrument: DEMO });
    expect(coverage?.counts.trades).toBeGreaterThan(0);
    expect(coverage?.counts.bookDeltas).toBeGreaterThan(0);
    expect(coverage?.ranges.book.length).toBe(1);

    const retention = await client.call('history.retention.get', {});
    expect(retention.trades).toBeNull();
    const saved = await client.call('history.retention.set', { ...retention, bookDeltas: 30 });
    expect((await client.call('history.retention.get', {})).bookDeltas).toBe(30);
    expect(saved.bookDeltas).toBe(30);
  });

  it('runs an import as a job that ends done, and names a bad line when it fails', async () => {
    const good = path.join(dataDir, 'DEMOUSD-trades-2024-03-01.csv');
    writeFileSync(good, `2000000001,100.5,1,100.5,${Date.UTC(2024, 2, 1)},true,true\n`);
    const bad = path.join(dataDir, 'DEMOUSD-trades-2024-03-02.csv');
    writeFileSync(
      bad,
      `2000000002,100.5,1,100.5,${Date.UTC(2024, 2, 2)},true,true\n2000000003,-1,1,1,${Date.UTC(2024, 2, 2)},true,true\n`,
    );
    const ended = new Map<string, Job>();
    const stop = client.subscribe('jobs', {}, (job) => {
      if (job.state !== 'running') ended.set(job.id, job);
    });
    const ok = await client.call('history.import', { path: good, instrument: DEMO });
    const failing = await client.call('history.import', { path: bad, instrument: DEMO });
    await expect.poll(() => ended.size, { timeout: 10_000 }).toBe(2);
    expect(ended.get(ok.id)).toMatchObject({ state: 'done', result: { rows: 1, inserted: 1 } });
    expect(ended.get(failing.id)).toMatchObject({
      state: 'failed',
      error: 'DEMOUSD-trades-2024-03-02.csv, line 2: price -1 must be > 0; nothing was imported',
    });
    const created = await client.call('history.import', {
      path: good,
      instrument: 'binance:BTC/USDT',
      create: { tickSize: 0.01, lotSize: 0.00001 },
    });
    await expect.poll(() => ended.has(created.id), { timeout: 10_000 }).toBe(true);
    stop();
    expect((await client.call('markets.list', {})).find((i) => i.id === 'binance:BTC/USDT')).toMatchObject({
      exchange: 'binance',
      symbol: 'BTC/USDT',
      base: 'BTC',
      quote: 'USDT',
      tickSize: 0.01,
    });
    await expect(
      client.call('history.import', { path: '/no/such/file.csv', instrument: DEMO }),
    ).rejects.toMatchObject({
      kind: 'not_found',
    });
  });
});
