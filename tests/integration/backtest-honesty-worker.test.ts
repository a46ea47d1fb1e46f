import { rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBacktestWork } from '../../main/backtests/backtest-work.js';
import { periodsPerYear, type RunCosts } from '../../main/backtests/candle-run.js';
import { runHonesty } from '../../main/backtests/run-honesty.js';
import { readHonesty, runSingle } from '../../main/backtests/sweep-pool.js';
import { openDatabase } from '../../main/storage/database.js';
import { MarketStore } from '../../main/storage/market-store.js';
import type { Candle } from '../../shared/domain/candle.js';
import { DemoMarket } from '../../shared/market/demo-market.js';
import { createRng } from '../../shared/market/rng.js';
import { testDataDir } from '../fixtures/test-app.js';

const START = Date.UTC(2026, 0, 5);
const MINUTE = 60_000;
// Over MAX_BOOTSTRAP_RETURNS (20k): the bootstrap reads the curve at a coarser period too.
const BARS = 25_000;
const COSTS: RunCosts = {
  initialCash: 100_000,
  fees: { maker: 0.001, taker: 0.001 },
  slippageBps: 0,
  candleFill: 'open',
  riskFreeRate: 0,
  latency: { submitMs: 0, cancelMs: 0 },
  account: { kind: 'spot', allowShort: false },
  sizing: { kind: 'all-in' },
  lot: 0.0001,
  tick: 0,
};

/** A seeded random walk of one-minute bars, written straight into the workspace. */
function writeBars(databaseFile: string): string {
  const db = openDatabase(databaseFile);
  try {
    const store = new MarketStore(db);
    const { instrument } = new DemoMarket({ seed: 1, startTs: START });
    store.upsertInstrument(instrument);
    const rng = createRng(5);
    const candles: Candle[] = [];
    let price = 40_000;
    for (let i = 0; i < BARS; i++) {
      const open = price;
      price *= Math.exp(0.002 * rng.normal());
      candles.push({
        instrument: instrument.id,
        timeframe: '1m',
        openTime: START + i * MINUTE,
        open,
        high: Math.max(open, price) * 1.0005,
        low: Math.min(open, price) * 0.9995,
        close: price,
        volume: 1 + rng.next(),
        quoteVolume: price,
        trades: 1,
      });
    }
    store.upsertCandles(candles);
    return instrument.id;
  } finally {
    db.close();
  }
}

describe('honesty statistics in the backtest worker', () => {
  let dataDir: string;
  let databaseFile: string;
  let instrument: string;
  // Built by the integration globalSetup (tests/build-once.ts).
  const workerEntry = pathToFileURL(
    path.resolve(import.meta.dirname, '../../dist/main/backtests/backtest-worker.js'),
  );

  beforeAll(() => {
    dataDir = testDataDir('tw-honesty-worker');
    databaseFile = path.join(dataDir, 'workspace.sqlite');
    instrument = writeBars(databaseFile);
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  const spec = (): Parameters<typeof runSingle>[0] => ({
    range: { instrument, timeframe: '1m', from: START, to: START + BARS * MINUTE },
    mode: 'candle',
    strategy: 'sma-crossover',
    costs: COSTS,
    params: { fast: 10, slow: 40 },
  });
  const reading = {
    periodsPerYear: periodsPerYear('1m'),
    riskFreeRate: COSTS.riskFreeRate,
    initialCash: COSTS.initialCash,
  };

  it('reads a single run where it ran: the same numbers as runHonesty over its curve and trips', async () => {
    const run = await runSingle(spec(), { workerEntry, databaseFile });
    expect(run.bars).toBe(BARS);
    expect(run.trips.length).toBeGreaterThan(10);
    expect(run.honesty.monteCarlo?.runs).toBe(1000);
    expect(run.honesty.sharpeInterval.lower).not.toBeNull();
    expect(run.honesty).toEqual(runHonesty(run.curve.equity, run.trips, reading));
  });

  it("runs one configuration in the caller's process (the CLI) with every number the worker gives", async () => {
    const inWorker = await runSingle(spec(), { workerEntry, databaseFile });
    const progress: number[] = [];
    const inProcess = await runSingle(spec(), {
      workerEntry,
      databaseFile,
      runInProcess: runBacktestWork,
      onProgress: (done) => progress.push(done),
    });
    expect(progress).toEqual([1]);
    expect(inProcess.bars).toBe(inWorker.bars);
    expect(inProcess.trips).toEqual(inWorker.trips);
    expect(inProcess.curve.equity).toEqual(inWorker.curve.equity);
    expect(inProcess.honesty).toEqual(inWorker.honesty);
    // NaN metrics compare equal under toEqual; Object.is would too.
    expect(inProcess.metrics).toEqual(inWorker.metrics);
    expect(inProcess.estimate).toEqual(inWorker.estimate);
  });

  it('reads a curve it did not run (a walk-forward stitched on the main thread) in a worker', async () => {
    const run = await runSingle(spec(), { workerEntry, databaseFile, runInProcess: runBacktestWork });
    const honesty = await readHonesty(run.curve, run.trips, reading, { workerEntry, databaseFile });
    expect(honesty).toEqual(runHonesty(run.curve.equity, run.trips, reading));
  });

  it('names the failure when the in-process run cannot read the workspace', async () => {
    await expect(
      runSingle(spec(), {
        workerEntry,
        databaseFile: path.join(dataDir, 'missing.sqlite'),
        runInProcess: runBacktestWork,
      }),
    ).rejects.toThrow(/missing\.sqlite|unable to open|does not exist/i);
  });
});
