import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runSweep, type SweepOutcome } from '../../main/backtests/sweep-pool.js';
import { sweepConfigurations } from '../../main/backtests/param-grid.js';
import { openDatabase } from '../../main/storage/database.js';
import { MarketStore } from '../../main/storage/market-store.js';
import type { Candle } from '../../shared/domain/candle.js';
import { CandleBacktest, EventBacktest, type CandleSeries } from '../../shared/backtest/engine.js';
import { BookImbalance, bookImbalanceParams } from '../../shared/backtest/strategies/book-imbalance.js';
import { SmaCrossover, smaCrossoverParams } from '../../shared/backtest/strategies/sma-crossover.js';
import type { MarketEvent } from '../../shared/domain/market.js';
import { DemoMarket } from '../../shared/market/demo-market.js';
import { OrderBook } from '../../shared/market/order-book.js';
import { createRng } from '../../shared/market/rng.js';
import { median, type Benchmark, type Figure } from './report.js';

const START = Date.UTC(2026, 0, 5, 0, 0, 0);
const MINUTE = 60_000;
const FEES = { maker: 0.0002, taker: 0.001 };
const FAST = 10;
const SLOW = 30;
const INITIAL_CASH = 1_000_000;

function seconds(began: bigint): number {
  return Number(process.hrtime.bigint() - began) / 1e9;
}

/** A random walk of one-minute OHLCV bars in typed columns (built before any timing). */
function randomBars(length: number, seed: number): CandleSeries {
  const rng = createRng(seed);
  const openTime = new Float64Array(length);
  const open = new Float64Array(length);
  const high = new Float64Array(length);
  const low = new Float64Array(length);
  const close = new Float64Array(length);
  const volume = new Float64Array(length);
  let price = 100;
  for (let i = 0; i < length; i++) {
    openTime[i] = START + i * MINUTE;
    open[i] = price;
    price *= Math.exp(0.001 * rng.normal());
    close[i] = price;
    const wick = price * 0.0005 * rng.next();
    high[i] = Math.max(open[i] ?? price, price) + wick;
    low[i] = Math.min(open[i] ?? price, price) - wick;
    volume[i] = 1 + rng.next();
  }
  return { length, barMs: MINUTE, openTime, open, high, low, close, volume };
}

/**
 * The engine with the SMA crossover. `trades` logging is how sweeps run (round trips and the
 * curve, no per-order history); `full` keeps every fill and order event for the report.
 */
function engineRun(
  series: CandleSeries,
  log: 'full' | 'trades',
): { seconds: number; equity: number; fills: number } {
  const strategy = new SmaCrossover(smaCrossoverParams.parse({ fast: FAST, slow: SLOW }));
  const began = process.hrtime.bigint();
  const result = new CandleBacktest({ strategy, initialCash: INITIAL_CASH, fees: FEES, log }).run(series);
  // Every round trip is two fills; an open position at the end adds one.
  const fills = result.trips.length * 2 + (result.position !== 0 ? 1 : 0);
  return { seconds: seconds(began), equity: result.finalEquity, fills };
}

/**
 * The same positions and costs in a bare loop: rolling sums, the crossover rule, market
 * orders at the next open with the taker fee, equity marked at each close into an array.
 * What the engine adds on top (order objects, lifecycle events, the strategy interface,
 * round-trip attribution) is what the ratio measures.
 */
function plainRun(series: CandleSeries): { seconds: number; equity: number; fills: number } {
  const { open, close, length } = series;
  const began = process.hrtime.bigint();
  const fastRing = new Float64Array(FAST);
  const slowRing = new Float64Array(SLOW);
  const equityCurve = new Float64Array(length);
  let fastSum = 0;
  let slowSum = 0;
  let seen = 0;
  let cash = INITIAL_CASH;
  let position = 0;
  let pending = 0; // quantity to trade at the next open
  let fills = 0;
  let lastSign = 0;
  for (let i = 0; i < length; i++) {
    const o = open[i] ?? 0;
    const c = close[i] ?? 0;
    if (pending !== 0) {
      cash -= pending * o + Math.abs(pending) * o * FEES.taker;
      position += pending;
      pending = 0;
      fills++;
    }
    equityCurve[i] = cash + position * c;
    // Same operation order as the engine's rolling window, so the sums agree bit for bit.
    fastSum -= fastRing[i % FAST] ?? 0;
    fastSum += c;
    fastRing[i % FAST] = c;
    slowSum -= slowRing[i % SLOW] ?? 0;
    slowSum += c;
    slowRing[i % SLOW] = c;
    if (++seen < SLOW) continue;
    // The crossover convention (shared/backtest/README.md): a cross against the last non-zero
    // difference; a tie is none, and nothing is entered before the first cross.
    const difference = fastSum * SLOW - slowSum * FAST;
    if (difference === 0) continue;
    const sign = difference > 0 ? 1 : -1;
    const crossed = lastSign !== 0 && sign !== lastSign;
    lastSign = sign;
    if (!crossed) continue;
    const target = sign > 0 ? 1 : 0;
    if (target !== position) pending = target - position;
  }
  return { seconds: seconds(began), equity: cash + position * (close[length - 1] ?? 0), fills };
}

function demoEvents(minutes: number, seed: number): MarketEvent[] {
  const market = new DemoMarket({ seed, startTs: START });
  const events: MarketEvent[] = [{ kind: 'book_snapshot', ...market.snapshot() }];
  market.advanceTo(START + minutes * MINUTE, events);
  return events;
}

function eventRun(events: readonly MarketEvent[]): { seconds: number; fills: number } {
  const strategy = new BookImbalance(bookImbalanceParams.parse({ minIntervalMs: 500 }));
  const began = process.hrtime.bigint();
  const result = new EventBacktest({
    strategy,
    initialCash: INITIAL_CASH,
    fees: FEES,
    latency: { kind: 'empirical', samplesMs: [2, 3, 5, 8, 13, 40] },
    seed: 1,
  }).run(events);
  return { seconds: seconds(began), fills: result.fills.length };
}

/** Book maintenance alone over the same events: the floor under event mode. */
function bookReplay(events: readonly MarketEvent[]): number {
  const book = new OrderBook();
  let checksum = 0;
  const began = process.hrtime.bigint();
  for (const event of events) {
    switch (event.kind) {
      case 'book_snapshot':
        book.applySnapshot(event);
        break;
      case 'book_delta':
        book.applyDelta(event);
        break;
      case 'trade':
        break;
      default:
        event satisfies never;
    }
    checksum += book.volume('bid', 5) - book.volume('ask', 5);
  }
  const elapsed = seconds(began);
  if (Number.isNaN(checksum)) throw new Error('book replay produced NaN');
  return elapsed;
}

const YEAR_OF_MINUTES = 365 * 24 * 60;

/**
 * A year of synthetic 1m candles in a temp workspace. Not recorded through the recorder: a
 * year of demo trades would take far longer to generate than the sweep takes to run, so a
 * seeded random walk is written directly through MarketStore.upsertCandles.
 */
function yearWorkspace(dir: string, length = YEAR_OF_MINUTES): { databaseFile: string; instrument: string } {
  const databaseFile = path.join(dir, 'workspace.sqlite');
  const db = openDatabase(databaseFile);
  try {
    const store = new MarketStore(db);
    const instrument = new DemoMarket({ seed: 1, startTs: START }).instrument;
    store.upsertInstrument(instrument);
    const bars = randomBars(length, 11);
    const candles: Candle[] = [];
    for (let i = 0; i < bars.length; i++) {
      const volume = bars.volume[i] ?? 0;
      const close = bars.close[i] ?? 0;
      candles.push({
        instrument: instrument.id,
        timeframe: '1m',
        openTime: bars.openTime[i] ?? 0,
        open: bars.open[i] ?? 0,
        high: bars.high[i] ?? 0,
        low: bars.low[i] ?? 0,
        close,
        volume,
        quoteVolume: volume * close,
        trades: 1,
      });
    }
    store.upsertCandles(candles);
    return { databaseFile, instrument: instrument.id };
  } finally {
    db.close();
  }
}

/** 100 SMA-crossover configurations (10 fast x 10 slow windows) over the year, in a pool of `workers`. */
async function yearSweep(
  workspace: { databaseFile: string; instrument: string },
  workers: number,
): Promise<{ seconds: number; outcome: SweepOutcome }> {
  const { configurations } = sweepConfigurations('sma-crossover', {
    fast: [2, 4, 6, 8, 10, 12, 14, 16, 18, 20],
    slow: [25, 50, 75, 100, 125, 150, 175, 200, 225, 250],
  });
  // Built by main/scripts/build.mjs beside this bundle: dist/tests/bench -> dist/main/backtests.
  const root = path.resolve(import.meta.dirname, '../../..');
  const began = process.hrtime.bigint();
  const outcome = await runSweep(
    {
      range: {
        instrument: workspace.instrument,
        timeframe: '1m',
        from: START,
        to: START + YEAR_OF_MINUTES * MINUTE,
      },
      mode: 'candle',
      strategy: 'sma-crossover',
      costs: {
        initialCash: INITIAL_CASH,
        fees: FEES,
        slippageBps: 0,
        candleFill: 'open',
        riskFreeRate: 0,
        latency: { submitMs: 0, cancelMs: 0 },
        account: { kind: 'spot', allowShort: true },
        sizing: { kind: 'fixed' },
        lot: 0,
        tick: 0,
      },
      configurations,
      workers,
    },
    {
      workerEntry: pathToFileURL(path.join(root, 'dist/main/backtests/backtest-worker.js')),
      databaseFile: workspace.databaseFile,
    },
  );
  if (outcome.rows.length !== 100 || outcome.bars !== YEAR_OF_MINUTES)
    throw new Error(`the sweep ran ${outcome.rows.length} configurations over ${outcome.bars} bars`);
  return { seconds: seconds(began), outcome };
}

/** Both pool sizes, timed; the two must agree configuration for configuration. */
async function sweepFigures(): Promise<Figure[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tw-bench-sweep-'));
  try {
    const workspace = yearWorkspace(dir);
    const one = await yearSweep(workspace, 1);
    const two = await yearSweep(workspace, 2);
    const same = one.outcome.rows.every((row, i) => {
      const other = two.outcome.rows[i];
      return (
        other !== undefined &&
        Object.is(row.metrics.totalReturn, other.metrics.totalReturn) &&
        Object.is(row.estimate.sharpe, other.estimate.sharpe)
      );
    });
    if (!same) throw new Error('the 1- and 2-worker sweeps disagree');
    return [
      { name: 'sweep_100_1w_s', value: one.seconds, unit: 's', better: 'lower' },
      { name: 'sweep_100_2w_s', value: two.seconds, unit: 's', better: 'lower' },
      { name: 'sweep_2w_speedup', value: one.seconds / two.seconds, unit: 'ratio', better: 'higher' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A whole CLI process (`npm run cli -- backtest`) over 45k one-minute bars, the size of the
 * FTX BTC-PERP sample: start, open the workspace, run (in the CLI's own process), read its
 * honesty statistics, store, print. Three timed runs: their median and their spread (max - min),
 * which on a shared machine says how far to trust the median. Beside it, a bare `node -e 0`,
 * the floor no CLI command can go below on this machine.
 */
function cliFigures(): Figure[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'tw-bench-cli-'));
  try {
    yearWorkspace(dir, 45_000);
    const cli = path.resolve(import.meta.dirname, '../../main/cli.js');
    const time = (args: readonly string[]): number => {
      const began = process.hrtime.bigint();
      const run = spawnSync(process.execPath, args, { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`${args.join(' ')} failed: ${run.stderr}`);
      return seconds(began);
    };
    const backtest = [cli, 'backtest', '--strategy', 'sma-crossover', '--data-dir', dir];
    time(backtest); // warm-up: the file system cache and the first database open
    const runs: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < 3; i++) {
      runs.push(time(backtest));
      bare.push(time(['-e', '0']));
    }
    return [
      { name: 'cli_backtest_45k_s', value: median(runs), unit: 's', better: 'lower' },
      {
        name: 'cli_backtest_45k_spread_s',
        value: Math.max(...runs) - Math.min(...runs),
        unit: 's',
        better: 'lower',
      },
      {
        name: 'cli_backtest_vs_node_startup',
        value: median(runs) / median(bare),
        unit: 'ratio',
        better: 'lower',
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function backtestBenchmark(): Benchmark {
  return {
    name: 'backtest',
    summary: 'candle mode (SMA crossover with fees) vs a plain loop, and event mode with book and fills',
    async run(): Promise<Figure[]> {
      const bars = randomBars(2_000_000, 7);
      engineRun(randomBars(100_000, 1), 'full'); // warm-up: let the JIT settle before timing
      engineRun(randomBars(100_000, 1), 'trades');
      plainRun(randomBars(100_000, 1));
      const engineRates: number[] = [];
      const fullLogRates: number[] = [];
      const plainRates: number[] = [];
      for (let i = 0; i < 5; i++) {
        const engine = engineRun(bars, 'trades');
        const full = engineRun(bars, 'full');
        const plain = plainRun(bars);
        // The two must agree, or the ratio compares different work.
        if (engine.fills !== plain.fills || Math.abs(engine.equity - plain.equity) > 1e-6 * INITIAL_CASH) {
          throw new Error(
            `engine and plain loop disagree: ${engine.fills} vs ${plain.fills} fills, equity ${engine.equity} vs ${plain.equity}`,
          );
        }
        engineRates.push(bars.length / engine.seconds);
        fullLogRates.push(bars.length / full.seconds);
        plainRates.push(bars.length / plain.seconds);
      }

      const events = demoEvents(30, 3);
      eventRun(demoEvents(2, 4)); // warm-up
      const eventRates: number[] = [];
      const bookRates: number[] = [];
      for (let i = 0; i < 3; i++) {
        const run = eventRun(events);
        if (run.fills === 0)
          throw new Error('event mode made no fills: the benchmark would not measure fill simulation');
        eventRates.push(events.length / run.seconds);
        bookRates.push(events.length / bookReplay(events));
      }

      const candleRate = median(engineRates);
      const eventRate = median(eventRates);
      const sweeps = await sweepFigures();
      const cli = cliFigures();
      return [
        { name: 'candle_bars_per_s', value: candleRate, unit: '1/s', better: 'higher' },
        {
          name: 'candle_vs_plain_loop',
          value: candleRate / median(plainRates),
          unit: 'ratio',
          better: 'higher',
        },
        { name: 'candle_full_log_bars_per_s', value: median(fullLogRates), unit: '1/s', better: 'higher' },
        { name: 'event_events_per_s', value: eventRate, unit: '1/s', better: 'higher' },
        {
          name: 'event_vs_book_replay',
          value: eventRate / median(bookRates),
          unit: 'ratio',
          better: 'higher',
        },
        ...sweeps,
        ...cli,
      ];
    },
  };
}
