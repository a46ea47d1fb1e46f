import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordedLatencyOf, replayFrom, type EventReplay } from '../../main/backtests/event-run.js';
import { EVENT_RUN_SEED } from '../../main/backtests/sweep-pool.js';
import { RecordedEvents } from '../../main/features/recorded-events.js';
import { openDatabase } from '../../main/storage/database.js';
import { MarketStore } from '../../main/storage/market-store.js';
import { Recorder } from '../../main/storage/recorder.js';
import type { ApiClient } from '../../shared/api/client.js';
import type { Job } from '../../shared/api/domains/jobs.js';
import type { LatencyConfig } from '../../shared/backtest/costs.js';
import { EventBacktest } from '../../shared/backtest/engine.js';
import { BookImbalance, bookImbalanceParams } from '../../shared/backtest/strategies/book-imbalance.js';
import type { MarketEvent } from '../../shared/domain/market.js';
import { DemoMarket } from '../../shared/market/demo-market.js';
import { startTestApp, testDataDir, type TestApp } from '../fixtures/test-app.js';

const START = Date.UTC(2026, 0, 5);
const MINUTES = 10;
const FEES = { maker: 0.0002, taker: 0.001 };
const PARAMS = { entry: 0.3, exit: 0.1, minIntervalMs: 2000 };

/** A feed's delay (ms) for one message: 3..99 ms with a slow tail at 150 more, like a real feed. */
function delayOf(key: number): number {
  return 3 + (key % 97) + (key % 13 === 0 ? 150 : 0);
}

/** The receive time a message gets: the same for every delta of one book message (ts, seq). */
function receivedAt(event: MarketEvent): number {
  return event.ts + delayOf(event.ts * 31 + event.seq);
}

interface Recorded {
  readonly instrument: string;
  readonly from: number;
  readonly to: number;
  /** [ts, seq, localTs] of every trade, in recording order. */
  readonly trades: [number, number, number][];
  /** Receive time of each book message by `${ts}:${seq}`. */
  readonly messages: Map<string, number>;
}

/**
 * The demo market recorded through the recorder with a receive time on every event, as the
 * live feed stamps them (trades carry `localTs`, as book messages do).
 */
function recordWithReceiveTimes(file: string): Recorded {
  const db = openDatabase(file);
  try {
    const store = new MarketStore(db);
    const market = new DemoMarket({ seed: 21, startTs: START });
    store.upsertInstrument(market.instrument);
    const recorder = new Recorder(store);
    const trades: [number, number, number][] = [];
    const messages = new Map<string, number>();
    const out: MarketEvent[] = [];
    const end = START + MINUTES * 60_000;
    for (let t = START + 100; t <= end; t += 100) {
      out.length = 0;
      market.advanceTo(t, out);
      for (const event of out) {
        const localTs = receivedAt(event);
        if (event.kind === 'trade') trades.push([event.ts, event.seq, localTs]);
        else messages.set(`${event.ts}:${event.seq}`, localTs);
        recorder.record({ ...event, localTs });
      }
      if ((t - START) % 10_000 === 0) recorder.flush();
    }
    recorder.flush();
    return { instrument: market.instrument.id, from: START, to: end, trades, messages };
  } finally {
    db.close();
  }
}

describe('receive times through recording, replay and the "recorded" latency model', () => {
  let session: TestApp;
  let client: ApiClient;
  let dataDir: string;
  let recorded: Recorded;
  const jobs: Job[] = [];

  /** The range replayed straight from the workspace, as the backtest worker replays it. */
  function withReplay<T>(use: (replay: EventReplay) => T): T {
    const db = new Database(path.join(dataDir, 'workspace.sqlite'), { readonly: true });
    try {
      const events = new RecordedEvents(db);
      return use(
        replayFrom(
          (visit) => {
            events.replay(recorded.instrument, recorded.from, recorded.to, visit);
          },
          recorded.instrument,
          recorded.from,
        ),
      );
    } finally {
      db.close();
    }
  }

  function directRun(latency: LatencyConfig): ReturnType<EventBacktest['finish']> {
    const engine = new EventBacktest({
      strategy: new BookImbalance(bookImbalanceParams.parse(PARAMS)),
      initialCash: 100_000,
      fees: FEES,
      latency,
      seed: EVENT_RUN_SEED,
      barMs: 1000,
      equityIntervalMs: 1000,
      log: 'trades',
    });
    withReplay((replay) => {
      replay((event) => {
        engine.onEvent(event);
      });
    });
    return engine.finish();
  }

  beforeAll(() => {
    dataDir = testDataDir('tw-recorded-latency');
    recorded = recordWithReceiveTimes(path.join(dataDir, 'workspace.sqlite'));
    session = startTestApp({ dataDir });
    ({ client } = session);
    client.subscribe('jobs', {}, (job) => jobs.push(job));
  }, 120_000);

  afterAll(async () => {
    await session.stop();
  });

  it('gives back every trade and book message with the exact receive time it was recorded with', () => {
    const trades: [number, number, number | undefined][] = [];
    let deltas = 0;
    withReplay((replay) => {
      replay((event) => {
        if (event.kind === 'trade') trades.push([event.ts, event.seq, event.localTs]);
        else if (event.kind === 'book_delta') {
          deltas++;
          expect(event.localTs).toBe(recorded.messages.get(`${event.ts}:${event.seq}`));
        }
      });
    });
    expect(recorded.trades.length).toBeGreaterThan(1000);
    expect(trades).toEqual(recorded.trades);
    expect(deltas).toBeGreaterThan(1000);
  });

  it(
    'runs an event backtest whose order delays are drawn from the recorded delays of the range',
    { timeout: 180_000 },
    async () => {
      const recordedDelays = new Set([
        ...recorded.trades.map(([ts, , localTs]) => localTs - ts),
        ...[...recorded.messages].map(([key, localTs]) => localTs - Number(key.split(':')[0])),
      ]);
      const latency = withReplay((replay) => recordedLatencyOf(replay, EVENT_RUN_SEED, 'the range'));
      if (latency.kind !== 'empirical') throw new Error(`recorded latency is ${latency.kind}`);
      expect(latency.samplesMs.length).toBe(10_000);
      expect(latency.samplesMs.every((ms) => recordedDelays.has(ms))).toBe(true);
      // The slow tail (150 ms more, one message in 13) is in the sample at about its share.
      const slow = latency.samplesMs.filter((ms) => ms >= 153).length / latency.samplesMs.length;
      expect(slow).toBeGreaterThan(0.04);
      expect(slow).toBeLessThan(0.12);

      const { jobId } = await client.call('backtests.run', {
        instrument: recorded.instrument,
        timeframe: '1s',
        from: recorded.from,
        to: recorded.to,
        mode: 'event',
        strategy: 'book-imbalance',
        costs: {
          initialCash: 100_000,
          fees: FEES,
          latency: { submitMs: 0, cancelMs: 0, model: 'recorded' },
        },
        params: PARAMS,
      });
      await expect
        .poll(() => jobs.find((j) => j.id === jobId && j.state !== 'running')?.state, { timeout: 150_000 })
        .toBe('done');
      const job = jobs.find((j) => j.id === jobId && j.state === 'done');
      const { runId } = job?.result as { runId: number };
      const run = await client.call('backtests.get', { id: runId, maxPoints: 1_000_000 });
      expect(run.costs.latency).toEqual({ submitMs: 0, cancelMs: 0, model: 'recorded' });

      const expected = directRun(latency);
      expect(expected.trips.length).toBeGreaterThan(5);
      expect(run.trades).toEqual(expected.trips);
      expect(run.curve?.equity).toEqual([...expected.curve.equity]);
      // The given numbers (0 ms) were not used: with them the orders land elsewhere.
      const immediate = directRun({ kind: 'constant', submitMs: 0, cancelMs: 0 });
      expect(immediate.trips).not.toEqual(expected.trips);
    },
  );
});
