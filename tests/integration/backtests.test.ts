import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../main/host/app.js';
import type { ApiClient } from '../../shared/api/client.js';
import type { SweepSummary } from '../../shared/api/domains/backtests.js';
import type { Job } from '../../shared/api/domains/jobs.js';
import { CandleBacktest, type CandleSeries } from '../../shared/backtest/engine.js';
import { deflatedSharpeRatio, sharpeEstimate } from '../../shared/backtest/honesty.js';
import { periodReturns, resultMetrics, type Metrics } from '../../shared/backtest/metrics.js';
import { SmaCrossover, smaCrossoverParams } from '../../shared/backtest/strategies/sma-crossover.js';
import { recordDemo } from '../fixtures/recorded-demo.js';
import { startTestApp, testDataDir, type TestApp } from '../fixtures/test-app.js';

const HOURS = 3;
const COSTS = {
  initialCash: 100_000,
  fees: { maker: 0.0002, taker: 0.001 },
  slippageBps: 1,
  candleFill: 'open' as const,
  riskFreeRate: 0,
};
const PERIODS_PER_YEAR = 365 * 24 * 60;

/** The wire form of metrics, computed here independently: undefined values are null. */
function wire(metrics: Metrics): Record<string, number | null> {
  return Object.fromEntries(
    Object.entries(metrics).map(([k, v]: [string, number]) => [k, Number.isFinite(v) ? v : null]),
  );
}

describe('backtests through the App API', () => {
  let session: TestApp;
  let app: App;
  let client: ApiClient;
  let dataDir: string;
  let recorded: { instrument: string; from: number; to: number };
  let series: CandleSeries;
  const jobs: Job[] = [];

  /** Shared/backtest run directly in the test: the reference the App must match. */
  function direct(params: Record<string, unknown>) {
    const result = new CandleBacktest({
      strategy: new SmaCrossover(smaCrossoverParams.parse(params)),
      initialCash: COSTS.initialCash,
      fees: COSTS.fees,
      slippageBps: COSTS.slippageBps,
      candleFill: COSTS.candleFill,
      log: 'trades',
    }).run(series);
    return {
      result,
      metrics: resultMetrics(result, { periodsPerYear: PERIODS_PER_YEAR, riskFreeRate: 0 }),
      estimate: sharpeEstimate(periodReturns(result.curve.equity)),
    };
  }

  async function finished(jobId: string): Promise<Job> {
    await expect
      .poll(() => jobs.find((j) => j.id === jobId && j.state !== 'running')?.state, { timeout: 30_000 })
      .toBe('done');
    const job = jobs.find((j) => j.id === jobId && j.state === 'done');
    if (job === undefined) throw new Error(`job ${jobId} did not finish`);
    return job;
  }

  async function sweep(workers: number): Promise<{ runId: number; sweep: SweepSummary }> {
    const { jobId } = await client.call('backtests.sweep', {
      instrument: recorded.instrument,
      timeframe: '1m',
      from: recorded.from,
      to: recorded.to,
      strategy: 'sma-crossover',
      costs: COSTS,
      grid: { fast: [3, 5, 8, 10], slow: [15, 20, 30] },
      base: { allowShort: true },
      workers,
    });
    const job = await finished(jobId);
    const { runId } = job.result as { runId: number };
    const run = await client.call('backtests.get', { id: runId });
    if (run.sweep === null) throw new Error('a sweep run without its sweep');
    return { runId, sweep: run.sweep };
  }

  beforeAll(() => {
    dataDir = testDataDir('tw-backtests');
    recorded = recordDemo(path.join(dataDir, 'workspace.sqlite'), HOURS * 60, { seed: 5 });
    session = startTestApp({ dataDir });
    ({ app, client } = session);
    client.subscribe('jobs', {}, (job) => jobs.push(job));
    const candles = app.store
      .candles(recorded.instrument, '1m', 10_000, recorded.to - 1)
      .filter((c) => c.openTime >= recorded.from);
    series = {
      length: candles.length,
      barMs: 60_000,
      openTime: Float64Array.from(candles, (c) => c.openTime),
      open: Float64Array.from(candles, (c) => c.open),
      high: Float64Array.from(candles, (c) => c.high),
      low: Float64Array.from(candles, (c) => c.low),
      close: Float64Array.from(candles, (c) => c.close),
      volume: Float64Array.from(candles, (c) => c.volume),
    };
  }, 60_000);

  afterAll(async () => {
    await session.stop();
  });

  it('runs a single backtest in a worker, stores it, and reads back what shared/backtest computes', async () => {
    expect(series.length).toBeGreaterThan(HOURS * 60 - 5);
    const params = { fast: 5, slow: 20, allowShort: true };
    const { jobId } = await client.call('backtests.run', {
      instrument: recorded.instrument,
      timeframe: '1m',
      from: recorded.from,
      to: recorded.to,
      strategy: 'sma-crossover',
      costs: COSTS,
      params,
    });
    const job = await finished(jobId);
    const { runId } = job.result as { runId: number };
    const expected = direct(params);
    expect(expected.result.trips.length).toBeGreaterThan(2);

    const run = await client.call('backtests.get', { id: runId, maxPoints: 1_000_000 });
    expect(run).toMatchObject({
      kind: 'single',
      strategy: 'sma-crossover',
      params: { fast: 5, slow: 20, quantity: 1, allowShort: true },
      instrument: recorded.instrument,
      timeframe: '1m',
      from: recorded.from,
      to: recorded.to,
      featureSetHash: null,
      sweep: null,
    });
    expect(run.metrics).toEqual(wire(expected.metrics));
    expect(run.curve?.points).toBe(expected.result.curve.ts.length);
    expect(run.curve?.ts).toEqual([...expected.result.curve.ts]);
    expect(run.curve?.equity).toEqual([...expected.result.curve.equity]);
    expect(run.trades).toEqual(expected.result.trips);

    const thinned = await client.call('backtests.get', { id: runId, maxPoints: 50 });
    expect(thinned.curve?.ts.length).toBeLessThanOrEqual(50);
    expect(thinned.curve?.ts.at(-1)).toBe(expected.result.curve.ts.at(-1));

    const list = await client.call('backtests.list', {});
    expect(list.find((r) => r.id === runId)?.metrics).toEqual(wire(expected.metrics));
  });

  it('sweeps 12 configurations with 1 and 2 workers to identical results, equal to running shared/backtest directly', async () => {
    const one = await sweep(1);
    const two = await sweep(2);
    expect(one.sweep.trials).toBe(12);
    expect(one.sweep.workers).toBe(1);
    expect(two.sweep.workers).toBe(2);
    expect({ ...two.sweep, workers: 1 }).toEqual(one.sweep);

    const fasts = [3, 5, 8, 10];
    const slows = [15, 20, 30];
    const expected = fasts.flatMap((fast) => slows.map((slow) => direct({ fast, slow, allowShort: true })));
    expect(one.sweep.rows.map((r) => r.params)).toEqual(
      fasts.flatMap((fast) => slows.map((slow) => ({ fast, slow, quantity: 1, allowShort: true }))),
    );
    expect(one.sweep.rows.map((r) => r.metrics)).toEqual(expected.map((e) => wire(e.metrics)));
    expect(one.sweep.rows.map((r) => r.periodSharpe)).toEqual(expected.map((e) => e.estimate.sharpe));

    const sharpes = expected.map((e) => e.estimate.sharpe);
    const best = sharpes.indexOf(Math.max(...sharpes));
    const bestRun = expected[best];
    if (bestRun === undefined) throw new Error('no best configuration');
    const mean = sharpes.reduce((s, v) => s + v, 0) / sharpes.length;
    const variance = sharpes.reduce((s, v) => s + (v - mean) ** 2, 0) / (sharpes.length - 1);
    expect(one.sweep.best).toBe(best);
    expect(one.sweep.sharpeVariance).toBeCloseTo(variance, 15);
    const dsr = deflatedSharpeRatio(bestRun.estimate, 12, variance);
    expect(one.sweep.deflatedSharpe).toBeCloseTo(dsr, 12);

    const list = await client.call('backtests.list', {});
    const stored = list.find((r) => r.id === one.runId);
    expect(stored).toMatchObject({ kind: 'sweep', params: { grid: { fast: fasts, slow: slows } } });
    expect(stored?.metrics).toEqual(wire(bestRun.metrics));
  });

  it('cancels a sweep through the job board, terminating its workers and storing nothing', async () => {
    const before = await client.call('backtests.list', {});
    const { jobId } = await client.call('backtests.sweep', {
      instrument: recorded.instrument,
      timeframe: '1m',
      from: recorded.from,
      to: recorded.to,
      strategy: 'sma-crossover',
      grid: {
        fast: Array.from({ length: 20 }, (_, i) => i + 1),
        slow: Array.from({ length: 50 }, (_, i) => i + 21),
      },
      workers: 2,
    });
    await client.call('jobs.cancel', { id: jobId });
    await expect
      .poll(() => jobs.find((j) => j.id === jobId && j.state !== 'running')?.state, { timeout: 30_000 })
      .toBe('cancelled');
    expect(await client.call('backtests.list', {})).toEqual(before);
  });

  it('refuses a grid with no valid configuration before starting a job, and deletes stored runs', async () => {
    await expect(
      client.call('backtests.sweep', {
        instrument: recorded.instrument,
        timeframe: '1m',
        from: recorded.from,
        to: recorded.to,
        strategy: 'sma-crossover',
        grid: { fast: [40, 50], slow: [30] },
      }),
    ).rejects.toMatchObject({ kind: 'bad_request' });
    const [newest] = await client.call('backtests.list', { limit: 1 });
    expect(newest).toBeDefined();
    const id = newest?.id ?? 0;
    expect(await client.call('backtests.delete', { id })).toEqual({ deleted: true });
    await expect(client.call('backtests.get', { id })).rejects.toMatchObject({ kind: 'not_found' });
  });
});
