import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayFrom } from '../../main/backtests/event-run.js';
import { EVENT_RUN_SEED } from '../../main/backtests/sweep-pool.js';
import { RecordedEvents } from '../../main/features/recorded-events.js';
import type { App } from '../../main/host/app.js';
import { openDatabase } from '../../main/storage/database.js';
import { MIGRATIONS } from '../../main/storage/migrations/index.js';
import type { ApiClient } from '../../shared/api/client.js';
import type { Job } from '../../shared/api/domains/jobs.js';
import { CandleBacktest, EventBacktest, type CandleSeries } from '../../shared/backtest/engine.js';
import {
  deflatedSharpeRatio,
  probabilisticSharpeRatio,
  sharpeEstimate,
  walkForwardSplits,
} from '../../shared/backtest/honesty.js';
import {
  computeMetrics,
  mean,
  periodReturns,
  resultMetrics,
  type Metrics,
} from '../../shared/backtest/metrics.js';
import { BookImbalance, bookImbalanceParams } from '../../shared/backtest/strategies/book-imbalance.js';
import { SmaCrossover, smaCrossoverParams } from '../../shared/backtest/strategies/sma-crossover.js';
import { recordDemo } from '../fixtures/recorded-demo.js';
import { startTestApp, testDataDir, type TestApp } from '../fixtures/test-app.js';

const MINUTES = 30;
const PERIODS_PER_YEAR = 365 * 24 * 3600;
const FEES = { maker: 0.0002, taker: 0.001 };
const COSTS = {
  initialCash: 100_000,
  fees: FEES,
  slippageBps: 0,
  candleFill: 'open' as const,
  riskFreeRate: 0,
  latency: { submitMs: [5, 10, 20], cancelMs: 5 },
};

function wire(metrics: Metrics): Record<string, number | null> {
  return Object.fromEntries(
    Object.entries(metrics).map(([k, v]: [string, number]) => [k, Number.isFinite(v) ? v : null]),
  );
}

describe('event-mode runs, walk-forward, honesty and export through the App API', () => {
  let session: TestApp;
  let app: App;
  let client: ApiClient;
  let dataDir: string;
  let recorded: { instrument: string; from: number; to: number };
  const jobs: Job[] = [];

  async function finished(jobId: string): Promise<Job> {
    await expect
      .poll(() => jobs.find((j) => j.id === jobId && j.state !== 'running')?.state, { timeout: 100_000 })
      .toBeDefined();
    const job = jobs.find((j) => j.id === jobId && j.state !== 'running');
    expect(job?.error ?? null).toBeNull();
    expect(job?.state).toBe('done');
    if (job === undefined) throw new Error(`job ${jobId} did not finish`);
    return job;
  }

  /** The recorded events of the range, replayed here straight from the workspace. */
  function replayDirect(engine: EventBacktest): void {
    const db = new Database(path.join(dataDir, 'workspace.sqlite'), { readonly: true });
    try {
      const recordedEvents = new RecordedEvents(db);
      const replay = replayFrom(
        (visit) => {
          recordedEvents.replay(recorded.instrument, recorded.from, recorded.to, visit);
        },
        recorded.instrument,
        recorded.from,
      );
      replay((event) => {
        engine.onEvent(event);
      });
    } finally {
      db.close();
    }
  }

  function secondBars(): CandleSeries {
    const columns = app.store.candleColumns(recorded.instrument, '1s', recorded.from, recorded.to);
    return { ...columns, barMs: 1000 };
  }

  beforeAll(() => {
    dataDir = testDataDir('tw-backtests-v2');
    recorded = recordDemo(path.join(dataDir, 'workspace.sqlite'), MINUTES, { seed: 9 });
    session = startTestApp({ dataDir });
    ({ app, client } = session);
    client.subscribe('jobs', {}, (job) => jobs.push(job));
  }, 120_000);

  afterAll(async () => {
    await session.stop();
  });

  it(
    'runs the book imbalance strategy over recorded trades and books with sampled latency, as EventBacktest does, with its honesty stored',
    { timeout: 120_000 },
    async () => {
      const params = { entry: 0.3, exit: 0.1, minIntervalMs: 2000 };
      const { jobId } = await client.call('backtests.run', {
        instrument: recorded.instrument,
        timeframe: '1s',
        from: recorded.from,
        to: recorded.to,
        mode: 'event',
        strategy: 'book-imbalance',
        costs: COSTS,
        params,
      });
      const job = await finished(jobId);
      const { runId } = job.result as { runId: number };

      const engine = new EventBacktest({
        strategy: new BookImbalance(bookImbalanceParams.parse(params)),
        initialCash: COSTS.initialCash,
        fees: FEES,
        latency: { kind: 'empirical', samplesMs: [5, 10, 20], cancelSamplesMs: [5] },
        seed: EVENT_RUN_SEED,
        barMs: 1000,
        equityIntervalMs: 1000,
        log: 'trades',
      });
      replayDirect(engine);
      const expected = engine.finish();
      expect(expected.trips.length).toBeGreaterThan(10);

      const run = await client.call('backtests.get', { id: runId, maxPoints: 1_000_000 });
      expect(run).toMatchObject({ kind: 'single', mode: 'event', strategy: 'book-imbalance', costs: COSTS });
      expect(run.metrics).toEqual(wire(resultMetrics(expected, { periodsPerYear: PERIODS_PER_YEAR })));
      expect(run.curve?.equity).toEqual([...expected.curve.equity]);
      expect(run.trades).toEqual(expected.trips);

      const honesty = run.honesty;
      if (honesty === null) throw new Error('a single run without its honesty reading');
      const psr = probabilisticSharpeRatio(sharpeEstimate(periodReturns(expected.curve.equity)));
      expect(honesty.probabilisticSharpe).toBeCloseTo(psr, 12);
      const { lower, upper } = honesty.sharpeInterval;
      expect(lower).not.toBeNull();
      expect(lower ?? 0).toBeLessThan(upper ?? 0);
      const mc = honesty.monteCarlo;
      if (mc === null) throw new Error('no Monte Carlo with more than 2 trades');
      expect(mc.runs).toBe(1000);
      expect(mc.maxDrawdown).toHaveLength(1000);
      expect(mc.finalPnl).toHaveLength(1000);
      expect(mc.maxDrawdown).toEqual([...mc.maxDrawdown].sort((a, b) => a - b));
      // Resampling the trades with replacement: the mean final PnL is the total net PnL, give or
      // take 4 standard errors of the mean of 1000 resamples.
      const net = expected.trips.map((t) => t.netPnl);
      const total = net.reduce((s, v) => s + v, 0);
      const sd = Math.sqrt(
        (net.length * net.reduce((s, v) => s + (v - total / net.length) ** 2, 0)) / net.length,
      );
      expect(Math.abs(mean(mc.finalPnl) - total)).toBeLessThan((4 * sd) / Math.sqrt(1000));
    },
  );

  it(
    'sweeps an event-mode grid in 2 workers, bar strategies on bars built from trades',
    { timeout: 120_000 },
    async () => {
      const { jobId } = await client.call('backtests.sweep', {
        instrument: recorded.instrument,
        timeframe: '1s',
        from: recorded.from,
        to: recorded.to,
        mode: 'event',
        strategy: 'sma-crossover',
        costs: COSTS,
        grid: { fast: [5, 10], slow: [30, 60] },
        base: { allowShort: true },
        workers: 2,
      });
      const job = await finished(jobId);
      const { runId } = job.result as { runId: number };
      const run = await client.call('backtests.get', { id: runId });
      // A sweep stores no curve; its honesty is the best configuration's PSR (issue #13).
      expect(run).toMatchObject({ kind: 'sweep', mode: 'event', curve: null });
      expect(run.honesty?.probabilisticSharpe).toBeGreaterThanOrEqual(0);
      expect(run.honesty?.probabilisticSharpe).toBeLessThanOrEqual(1);
      const rows = run.sweep?.rows ?? [];
      expect(rows).toHaveLength(4);

      const engine = new EventBacktest({
        strategy: new SmaCrossover(smaCrossoverParams.parse({ fast: 10, slow: 30, allowShort: true })),
        initialCash: COSTS.initialCash,
        fees: FEES,
        latency: { kind: 'empirical', samplesMs: [5, 10, 20], cancelSamplesMs: [5] },
        seed: EVENT_RUN_SEED,
        barMs: 1000,
        equityIntervalMs: 1000,
        log: 'trades',
      });
      replayDirect(engine);
      const expected = engine.finish();
      expect(expected.trips.length).toBeGreaterThan(5);
      expect(rows[2]?.params).toEqual({ fast: 10, slow: 30, quantity: 1, allowShort: true });
      expect(rows[2]?.metrics).toEqual(wire(resultMetrics(expected, { periodsPerYear: PERIODS_PER_YEAR })));
    },
  );

  it('refuses the book imbalance strategy in candle mode before starting a job', async () => {
    await expect(
      client.call('backtests.run', {
        instrument: recorded.instrument,
        timeframe: '1s',
        from: recorded.from,
        to: recorded.to,
        strategy: 'book-imbalance',
      }),
    ).rejects.toMatchObject({ kind: 'bad_request' });
  });

  it(
    'walks forward over candles: best in-sample configuration per fold, out-of-sample curves stitched, as computed directly',
    { timeout: 120_000 },
    async () => {
      const grid = { fast: [5, 10], slow: [30, 60] };
      const { jobId } = await client.call('backtests.walkForward', {
        instrument: recorded.instrument,
        timeframe: '1s',
        from: recorded.from,
        to: recorded.to,
        strategy: 'sma-crossover',
        costs: COSTS,
        grid,
        base: { allowShort: true },
        trainBars: 600,
        testBars: 300,
        workers: 2,
      });
      const job = await finished(jobId);
      const { runId } = job.result as { runId: number };
      const run = await client.call('backtests.get', { id: runId, maxPoints: 1_000_000 });
      expect(run).toMatchObject({ kind: 'walk-forward', mode: 'candle', sweep: null });
      const wf = run.walkForward;
      if (wf === null || run.curve === null) throw new Error('a walk-forward run without its folds or curve');

      // The same evaluation computed here with shared/backtest alone.
      const series = secondBars();
      const configurations = [
        { fast: 5, slow: 30 },
        { fast: 5, slow: 60 },
        { fast: 10, slow: 30 },
        { fast: 10, slow: 60 },
      ];
      const slice = (start: number, end: number): CandleSeries => ({
        length: end - start,
        barMs: 1000,
        openTime: series.openTime.subarray(start, end),
        open: series.open.subarray(start, end),
        high: series.high.subarray(start, end),
        low: series.low.subarray(start, end),
        close: series.close.subarray(start, end),
        volume: series.volume.subarray(start, end),
      });
      const runOn = (bars: CandleSeries, config: { fast: number; slow: number }) =>
        new CandleBacktest({
          strategy: new SmaCrossover(smaCrossoverParams.parse({ ...config, allowShort: true })),
          initialCash: COSTS.initialCash,
          fees: FEES,
          log: 'trades',
        }).run(bars);
      const splits = walkForwardSplits({ length: series.length, train: 600, test: 300 });
      expect(splits.length).toBeGreaterThanOrEqual(3);
      expect(wf.folds).toHaveLength(splits.length);
      expect(wf.trials).toBe(4);
      const stitched: number[] = [];
      const trips = [];
      const variances: number[] = [];
      let carried = COSTS.initialCash;
      for (const [k, split] of splits.entries()) {
        const train = slice(split.trainStart, split.trainEnd);
        const sharpes = configurations.map(
          (config) => sharpeEstimate(periodReturns(runOn(train, config).curve.equity)).sharpe,
        );
        const best = sharpes.indexOf(Math.max(...sharpes));
        const m = mean(sharpes);
        variances.push(sharpes.reduce((s, v) => s + (v - m) ** 2, 0) / (sharpes.length - 1));
        const test = runOn(
          slice(split.testStart, split.testEnd),
          configurations[best] ?? { fast: 0, slow: 0 },
        );
        expect(wf.folds[k]).toMatchObject({
          trainFrom: series.openTime[split.trainStart],
          testFrom: series.openTime[split.testStart],
          bestIndex: best,
          outOfSample: wire(resultMetrics(test, { periodsPerYear: PERIODS_PER_YEAR })),
        });
        for (const value of test.curve.equity) stitched.push(value - COSTS.initialCash + carried);
        carried = stitched.at(-1) ?? carried;
        trips.push(...test.trips);
        // Continuous: each fold starts where the previous one ended, plus its first bar's PnL.
        const first = stitched.length - test.curve.equity.length;
        if (k > 0) {
          expect((run.curve.equity[first] ?? 0) - (run.curve.equity[first - 1] ?? 0)).toBeCloseTo(
            (test.curve.equity[0] ?? 0) - COSTS.initialCash,
            6,
          );
        }
      }
      expect(run.curve.equity).toHaveLength(stitched.length);
      run.curve.equity.forEach((value, i) => {
        expect(value).toBeCloseTo(stitched[i] ?? Number.NaN, 6);
      });
      expect(run.trades).toEqual(trips);
      const oos = wf.outOfSample;
      expect(oos.trades).toBe(trips.length);
      expect(oos.sharpe).toBeCloseTo(
        computeMetrics(
          {
            ts: new Float64Array(run.curve.ts),
            equity: Float64Array.from(stitched),
            position: new Float64Array(stitched.length),
            trips,
            feesPaid: 0,
            tradedNotional: 0,
          },
          { periodsPerYear: PERIODS_PER_YEAR },
        ).sharpe,
        9,
      );
      expect(run.metrics).toEqual(oos);
      const dsr = deflatedSharpeRatio(
        sharpeEstimate(periodReturns(Float64Array.from(stitched))),
        4,
        mean(variances),
      );
      expect(wf.deflatedSharpe).toBeCloseTo(dsr, 9);
      expect(run.honesty?.monteCarlo?.runs).toBe(1000);
      // Progress in fold-configurations: per fold, 4 in-sample runs and the out-of-sample one.
      expect(job).toMatchObject({
        unit: 'fold-configurations',
        total: splits.length * 5,
        done: splits.length * 5,
      });
    },
  );

  it(
    'walks forward over recorded events, folds cut on the bar grid of the timeframe',
    { timeout: 120_000 },
    async () => {
      const { jobId } = await client.call('backtests.walkForward', {
        instrument: recorded.instrument,
        timeframe: '1s',
        from: recorded.from,
        to: recorded.to,
        mode: 'event',
        strategy: 'book-imbalance',
        costs: COSTS,
        grid: { entry: [0.3, 0.5] },
        trainBars: 600,
        testBars: 600,
      });
      const job = await finished(jobId);
      const { runId } = job.result as { runId: number };
      const run = await client.call('backtests.get', { id: runId, maxPoints: 1_000_000 });
      expect(run).toMatchObject({ kind: 'walk-forward', mode: 'event', strategy: 'book-imbalance' });
      const wf = run.walkForward;
      if (wf === null || run.curve === null) throw new Error('a walk-forward run without its folds or curve');
      expect(wf.folds.map((f) => [f.trainFrom, f.testFrom, f.testTo])).toEqual([
        [recorded.from, recorded.from + 600_000, recorded.from + 1_200_000],
        [recorded.from + 600_000, recorded.from + 1_200_000, recorded.to],
      ]);
      expect(wf.outOfSample.trades).toBe(run.trades.length);
      expect(wf.folds.every((f) => f.outOfSample.sharpe !== undefined)).toBe(true);
      // Stitched: the test curves back to back in time, the equity carried across the seam.
      const seam = run.curve.ts.findIndex((ts) => ts >= recorded.from + 1_200_000);
      expect(seam).toBeGreaterThan(0);
      expect(run.curve.ts.every((ts, i) => i === 0 || ts > (run.curve?.ts[i - 1] ?? ts))).toBe(true);
      // Each test window starts flat at its first instant: its first point is the carried equity.
      expect(run.curve.ts[seam]).toBe(recorded.from + 1_200_000);
      expect(run.curve.equity[seam]).toBe(run.curve.equity[seam - 1]);
    },
  );

  it('exports a stored run as CSV and as a self-contained HTML report into the data folder', async () => {
    // The walk-forward run: it has a curve, trades, folds and the honesty reading to report.
    const stored = await client.call('backtests.list', {});
    const id = stored.find((r) => r.kind === 'walk-forward')?.id;
    if (id === undefined) throw new Error('no walk-forward run to export');
    const detail = await client.call('backtests.get', { id, maxPoints: 1_000_000 });
    for (const format of ['csv', 'html'] as const) {
      const file = await client.call('backtests.export', { id, format });
      expect(file.fileName).toMatch(new RegExp(`^backtest-${id}-\\d{8}-\\d{6}\\.${format}$`));
      expect(file.path).toBe(path.join(dataDir, 'exports', file.fileName));
      expect(existsSync(file.path)).toBe(true);
      expect(readFileSync(file.path, 'utf8')).toBe(file.content);
      if (format === 'csv') {
        expect(file.mimeType).toMatch(/^text\/csv/);
        expect(file.content).toContain('section,trades');
        expect(file.content).toContain('section,equity');
        // Every point of the curve, not the thinned screen version.
        const equityRows = file.content.split('section,equity')[1]?.trim().split('\r\n').length ?? 0;
        expect(equityRows - 1).toBe(detail.curve?.points);
      } else {
        expect(file.mimeType).toMatch(/^text\/html/);
        expect(file.content).toMatch(/^<!doctype html>/i);
        expect(file.content).toContain('<svg');
        expect(file.content).toContain('Walk-forward');
        expect(file.content).not.toMatch(/<script/i);
      }
    }
    await expect(client.call('backtests.export', { id: 999_999, format: 'csv' })).rejects.toMatchObject({
      kind: 'not_found',
    });
  });
});

describe('backtest runs stored before migration 0007', () => {
  it('open as candle runs with the default costs and no honesty reading', async () => {
    const dir = testDataDir('tw-backtests-old');
    const file = path.join(dir, 'workspace.sqlite');
    const old = openDatabase(file, { migrations: MIGRATIONS.slice(0, 6) });
    old
      .prepare(
        `INSERT INTO backtest_runs (created_at, kind, strategy, params, instrument, timeframe, from_ts, to_ts, metrics, equity_curve, trades)
         VALUES (5, 'single', 'sma-crossover', '{"fast":5}', 'demo:DEMO/USD', '1m', 0, 180000, ?, ?, ?)`,
      )
      .run(
        JSON.stringify({ metrics: { sharpe: 1.5 }, sweep: null }),
        Buffer.from(new Float64Array([60_000, 120_000, 100_000, 100_010, 0, 1]).buffer),
        Buffer.alloc(0),
      );
    old.close();
    const session = startTestApp({ dataDir: dir });
    try {
      const [row] = await session.client.call('backtests.list', {});
      expect(row).toMatchObject({
        kind: 'single',
        mode: 'candle',
        params: { fast: 5 },
        metrics: { sharpe: 1.5 },
      });
      const run = await session.client.call('backtests.get', { id: row?.id ?? 0 });
      expect(run).toMatchObject({
        costs: {
          initialCash: 100_000,
          fees: { maker: 0.0002, taker: 0.001 },
          latency: { submitMs: 0, cancelMs: 0 },
        },
        honesty: null,
        walkForward: null,
        curve: { points: 2, ts: [60_000, 120_000], equity: [100_000, 100_010] },
        trades: [],
      });
    } finally {
      await session.stop();
    }
  });
});
