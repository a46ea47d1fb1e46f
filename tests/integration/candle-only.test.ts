import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../shared/api/client.js';
import type { FeatureSetInfo } from '../../shared/api/domains/features.js';
import type { Job } from '../../shared/api/domains/jobs.js';
import type { Candle } from '../../shared/domain/candle.js';
import { TIMEFRAME_MS, type Timeframe } from '../../shared/domain/timeframes.js';
import { formatsFor } from '../../renderer/src/format.js';
import { marketSample, type Sample } from '../fixtures/market-samples.js';
import { trainQuickModel } from '../fixtures/quick-model.js';
import { startTestApp, type TestApp } from '../fixtures/test-app.js';

const BTC = 'ftx:BTC-PERP';
const XRP = 'binance:XRP/ETH';
const DAY = 86_400_000;

/** Decimals of a number as the file writes it (trailing zeros dropped): what a tick must show. */
function textDecimals(text: string): number {
  const point = text.indexOf('.');
  return point < 0 ? 0 : text.slice(point + 1).replace(/0+$/, '').length;
}

/** The finest decimal step of some columns of a CSV file, read from its text, not its numbers. */
function finestStep(file: string, columns: readonly number[]): number {
  let decimals = 0;
  for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
    if (line === '') continue;
    const fields = line.split(',');
    for (const column of columns) decimals = Math.max(decimals, textDecimals(fields[column] ?? ''));
  }
  return Number((10 ** -decimals).toFixed(decimals));
}

/** Longer bars from 1m bars the plain way: a map from each longer bar's start to its 1m bars. */
function plainRollUp(minutes: readonly Candle[], timeframe: Timeframe): Map<number, Candle[]> {
  const groups = new Map<number, Candle[]>();
  for (const bar of minutes) {
    const start = bar.openTime - (bar.openTime % TIMEFRAME_MS[timeframe]);
    const group = groups.get(start);
    if (group === undefined) groups.set(start, [bar]);
    else group.push(bar);
  }
  return groups;
}

describe('a candle-only instrument (1m bars of a real FTX BTC-PERP export)', () => {
  let session: TestApp;
  let client: ApiClient;
  let ohlcv: Sample;
  let set: FeatureSetInfo;
  let range: { from: number; to: number };
  const jobs: Job[] = [];

  async function done(jobId: string | null, timeout = 50_000): Promise<Job> {
    if (jobId === null) throw new Error('no job was started');
    await expect
      .poll(() => jobs.find((j) => j.id === jobId && j.state !== 'running')?.state, {
        timeout,
        interval: 100,
      })
      .toBeDefined();
    const job = jobs.find((j) => j.id === jobId && j.state !== 'running');
    expect(job?.error ?? null).toBeNull();
    expect(job?.state).toBe('done');
    if (job === undefined) throw new Error(`job ${jobId} did not end`);
    return job;
  }

  beforeAll(() => {
    session = startTestApp({ prefix: 'tw-candle-only' });
    client = session.client;
    client.subscribe('jobs', {}, (job) => jobs.push(job));
    ohlcv = marketSample('ohlcv_ftx_btcperp_1m.csv', session.dataDir);
  });

  afterAll(async () => {
    await session.stop();
  });

  it('imports with its tick taken from the finest price step in the file', async () => {
    const job = await client.call('history.import', {
      path: ohlcv.file,
      instrument: BTC,
      create: {},
      mapping: {
        kind: 'candles',
        timeframe: '1m',
        ts: 'ts_ms',
        open: 'open',
        high: 'high',
        low: 'low',
        close: 'close',
        volume: 'volume',
      },
    });
    await done(job.id, 60_000);
    const instrument = (await client.call('markets.list', {})).find((i) => i.id === BTC);
    expect(instrument?.tickSize).toBe(finestStep(ohlcv.file, [1, 2, 3, 4]));
    if (ohlcv.real) expect(instrument?.tickSize).toBe(0.001);
  });

  it('rolls its 1m bars up to 5m, 15m, 1h, 4h and 1d exactly', async () => {
    const store = session.app.store;
    const minutes = store.candles(BTC, '1m', 1_000_000);
    const rows = readFileSync(ohlcv.file, 'utf8').trim().split('\n').length - 1;
    expect(minutes).toHaveLength(rows);
    for (const timeframe of ['5m', '15m', '1h', '4h', '1d'] as const) {
      const groups = plainRollUp(minutes, timeframe);
      const bars = store.candles(BTC, timeframe, 1_000_000);
      expect(
        bars.map((b) => b.openTime),
        timeframe,
      ).toEqual([...groups.keys()]);
      for (const bar of bars) {
        const group = groups.get(bar.openTime) ?? [];
        expect(bar.open).toBe(group[0]?.open);
        expect(bar.close).toBe(group.at(-1)?.close);
        expect(bar.high).toBe(Math.max(...group.map((b) => b.high)));
        expect(bar.low).toBe(Math.min(...group.map((b) => b.low)));
        const volume = group.reduce((sum, b) => sum + b.volume, 0);
        expect(Math.abs(bar.volume - volume)).toBeLessThanOrEqual(1e-9 * volume);
      }
    }
    // What the Markets chart asks for at 5m: the last 300 bars, no longer empty.
    const chart = await client.call('markets.candles', { instrument: BTC, timeframe: '5m', limit: 300 });
    expect(chart).toHaveLength(300);
    expect(chart.at(-1)?.close).toBe(minutes.at(-1)?.close);
  });

  it('computes candle features straight from the bars and says why book and trade features are empty', async () => {
    set = await client.call('features.sets.save', {
      name: 'btc candles',
      instrument: BTC,
      sampling: '1m',
      features: [
        { kind: 'bar_return', params: { timeframe: '5m' } },
        { kind: 'rsi', params: { timeframe: '1m' } },
        { kind: 'realised_vol', params: { timeframe: '1m' } },
        { kind: 'spread', params: {} },
        { kind: 'vwap', params: {} },
      ],
    });
    const data = await client.call('features.sets.data', { setId: set.id });
    expect(data).toMatchObject({ source: 'candles', timeframe: '1m', problem: null });
    expect(data.emptyFeatures.map((f) => f.feature)).toEqual([
      set.columns.find((c) => c.startsWith('spread'))?.split('.')[0],
      set.columns.find((c) => c.startsWith('vwap'))?.split('.')[0],
    ]);
    expect(data.emptyFeatures[0]?.reason).toMatch(/no order book recorded/);
    expect(data.emptyFeatures[1]?.reason).toMatch(/no trades recorded/);

    const recorded = await client.call('features.range', { instrument: BTC });
    if (recorded === null) throw new Error('no range for a candle-only instrument');
    range = { from: recorded.from, to: recorded.from + 2 * DAY };
    const build = await client.call('features.matrix.build', { setId: set.id, ...range, workers: 2 });
    const job = await done(build.jobId);
    const result = job.result as { matrix: { id: number; rows: number }; emptyFeatures: unknown[] };
    expect(result.emptyFeatures).toHaveLength(2);
    expect(result.matrix.rows).toBe(2 * 1440 - 1);

    const returns = await client.call('features.matrix.series', {
      matrixId: result.matrix.id,
      column: set.columns.find((c) => c.startsWith('bar_return') && c.endsWith('.simple')) ?? '',
      maxPoints: 10_000,
      bins: 10,
    });
    // At every 5m boundary B the feature is the return of the 5m bar that ended at B, from the stored (rolled-up) bars.
    const fives = new Map(session.app.store.candles(BTC, '5m', 1_000_000).map((b) => [b.openTime, b]));
    let checked = 0;
    returns.ts.forEach((ts, i) => {
      const last = fives.get(ts - 5 * 60_000);
      const before = fives.get(ts - 10 * 60_000);
      if (last === undefined || before === undefined || ts % (5 * 60_000) !== 0) return;
      // A 5m bar that began before the first 1m bar may lack minutes: the engine drops it.
      if (before.openTime < range.from) {
        expect(returns.values[i]).toBeNull();
        return;
      }
      expect(returns.values[i]).toBe(last.close / before.close - 1);
      checked++;
    });
    expect(checked).toBeGreaterThan(500);
    for (const empty of data.emptyFeatures) {
      for (const column of empty.columns) {
        const series = await client.call('features.matrix.series', {
          matrixId: result.matrix.id,
          column,
          maxPoints: 10,
          bins: 10,
        });
        expect(series.stats.missing, column).toBe(series.stats.rows);
      }
    }
  });

  it('refuses event sampling with the reason', async () => {
    const events = await client.call('features.sets.save', {
      name: 'btc events',
      instrument: BTC,
      sampling: 'event',
      features: [{ kind: 'rsi', params: { timeframe: '1m' } }],
    });
    const data = await client.call('features.sets.data', { setId: events.id });
    expect(data.problem).toMatch(/only 1m candles .* not 'event'/);
    await expect(
      client.call('features.matrix.build', { setId: events.id, ...range, workers: 1 }),
    ).rejects.toThrow(/sample the set 'btc events' at 1m/);
  });

  it('trains a model on its features and labels', async () => {
    const modelId = await trainQuickModel(
      client,
      { name: 'btc gbdt', featureSetId: set.id, ...range },
      50_000,
    );
    const model = await client.call('models.get', { id: modelId });
    expect(model.instrument).toBe(BTC);
    expect(model.folds).toHaveLength(2);
    expect(model.folds.every((fold) => fold.testRows > 0)).toBe(true);
  });

  it('runs a candle backtest on its rolled-up 1h bars', async () => {
    const bars = session.app.store.candles(BTC, '1h', 1_000_000);
    const { jobId } = await client.call('backtests.run', {
      instrument: BTC,
      timeframe: '1h',
      from: bars[0]?.openTime ?? 0,
      to: (bars.at(-1)?.openTime ?? 0) + 3_600_000,
      strategy: 'sma-crossover',
      params: { fast: 5, slow: 20 },
    });
    const job = await done(jobId);
    const run = await client.call('backtests.get', { id: (job.result as { runId: number }).runId });
    expect(run.curve?.points).toBe(bars.length);
    expect(run.trades.length).toBeGreaterThan(3);
  });
});

describe('tick and lot of an imported trades file (Binance XRP/ETH)', () => {
  let session: TestApp;
  let client: ApiClient;
  const jobs: Job[] = [];

  beforeAll(() => {
    session = startTestApp({ prefix: 'tw-steps' });
    client = session.client;
    client.subscribe('jobs', {}, (job) => jobs.push(job));
  });

  afterAll(async () => {
    await session.stop();
  });

  it('infers a tick that shows 0.0015 to the tick, and lets the user change it', async () => {
    const sample = marketSample('trades_binance_xrpeth.csv', session.dataDir);
    const job = await client.call('history.import', {
      path: sample.file,
      instrument: XRP,
      create: {},
      mapping: {
        kind: 'trades',
        ts: 'ts_ms',
        price: 'price',
        amount: 'amount',
        side: 'side',
        id: 'trade_id',
      },
    });
    await expect
      .poll(() => jobs.find((j) => j.id === job.id && j.state !== 'running')?.state, { timeout: 30_000 })
      .toBe('done');
    const imported = (await client.call('markets.list', {})).find((i) => i.id === XRP);
    expect(imported).toMatchObject({ tickSize: 1e-8, lotSize: 1, base: 'XRP', quote: 'ETH' });
    expect(formatsFor(imported ?? null).price(0.0015)).toBe('0.00150000');
    const last = (await client.call('markets.trades', { instrument: XRP, limit: 1 }))[0];
    const lastText = readFileSync(sample.file, 'utf8').trim().split('\n').at(-1)?.split(',')[1] ?? '';
    expect(formatsFor(imported ?? null).price(last?.price ?? 0)).toBe(Number(lastText).toFixed(8));

    const edited = await client.call('markets.instrument.steps', {
      instrument: XRP,
      tickSize: 0.00001,
      lotSize: 0.1,
    });
    expect(edited).toMatchObject({ id: XRP, tickSize: 0.00001, lotSize: 0.1 });
    expect((await client.call('markets.list', {})).find((i) => i.id === XRP)?.tickSize).toBe(0.00001);
    expect(formatsFor(edited).price(0.0015)).toBe('0.00150');
    await expect(
      client.call('markets.instrument.steps', { instrument: 'binance:NONE/ETH', tickSize: 0.1, lotSize: 1 }),
    ).rejects.toThrow(/unknown instrument 'binance:NONE\/ETH'/);
    await expect(
      client.call('markets.instrument.steps', { instrument: XRP, tickSize: 0, lotSize: 1 }),
    ).rejects.toThrow();
  });
});
