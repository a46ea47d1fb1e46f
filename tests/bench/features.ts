import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildMatrixInPool } from '../../main/features/matrix-pool.js';
import { FeatureWorker } from '../../main/workers/feature-worker.js';
import type { MarketEvent } from '../../shared/domain/market.js';
import { FeatureSetEngine } from '../../shared/features/engine.js';
import { compileFeatureSet, type FeatureSet } from '../../shared/features/feature-set.js';
import { warmupMs } from '../../shared/features/pipeline/warmup.js';
import { DemoMarket } from '../../shared/market/demo-market.js';
import { encodeEvents, RECORD_WIDTH, type EncodedEvents } from '../../shared/market/event-codec.js';
import { recordDemo } from '../fixtures/recorded-demo.js';
import { median, type Benchmark, type Figure } from './report.js';

const START = Date.UTC(2026, 0, 5);
const BATCH_EVENTS = 4096;
/** The timed pass replays the warm-up's events a day later, so the engine sees time move on. */
const SHIFT_MS = 86_400_000;
/** Where a record of the event codec keeps its ts: [kind, instrumentIndex, ts, seq, a, b, c]. */
const TS_FIELD = 2;

/** The 10-feature order-book and trade set the figures are named for. */
function benchSet(instrument: string, sampling: FeatureSet['sampling']): FeatureSet {
  return {
    name: 'bench: book + trades',
    instrument,
    sampling,
    features: [
      { kind: 'book_imbalance', params: { levels: 5 } },
      { kind: 'book_pressure', params: {} },
      { kind: 'spread', params: {} },
      { kind: 'microprice', params: {} },
      { kind: 'depth_near_mid', params: {} },
      { kind: 'book_slope', params: {} },
      { kind: 'ofi', params: {} },
      { kind: 'vwap', params: {} },
      { kind: 'trade_intensity', params: {} },
      { kind: 'execution_strength', params: {} },
    ],
  };
}

function demoEvents(minutes: number, seed: number): { instrument: string; events: MarketEvent[] } {
  const market = new DemoMarket({ seed, startTs: START });
  const events: MarketEvent[] = [];
  market.advanceTo(START + minutes * 60_000, events);
  return { instrument: market.instrument.id, events };
}

function encodeBatches(events: readonly MarketEvent[]): EncodedEvents[] {
  const batches: EncodedEvents[] = [];
  for (let at = 0; at < events.length; at += BATCH_EVENTS)
    batches.push(encodeEvents(events.slice(at, at + BATCH_EVENTS)));
  return batches;
}

/**
 * Events per second through the live feature worker thread running the set: batches are
 * encoded before the clock starts, so the figure is the worker's decode + book features +
 * imbalance signal + the set's FeatureSetEngine, and the transfer of rows back.
 */
async function streamThroughWorker(
  root: string,
  set: FeatureSet,
  events: readonly MarketEvent[],
): Promise<number> {
  const worker = new FeatureWorker(pathToFileURL(path.join(root, 'dist/worker/features.js')), {
    onProcessed: () => undefined,
    onError: (message) => {
      throw new Error(message);
    },
  });
  let rows = 0;
  worker.subscribeVectors({ onVectors: (vectors) => (rows += vectors.reduce((n, v) => n + v.ts.length, 0)) });
  worker.configureSets([
    {
      id: 'bench',
      set: {
        name: set.name,
        instrument: set.instrument,
        sampling: set.sampling ?? 'event',
        features: set.features.map((f) => ({ kind: f.kind, params: f.params ?? {} })),
      },
    },
  ]);
  // One full pass first, so the worker's JIT has settled before the clock starts; the set's
  // state carries on (the timed pass is the same events a day later on the same instrument).
  const warm = encodeBatches(events);
  // Shifted in the encoded records (every record carries its event's ts): the same batches as
  // encoding shifted copies, without leaving a copy of every event for the main thread's
  // collector to sweep while the clock runs.
  const batches = encodeBatches(events);
  for (const batch of batches) {
    const records = new Float64Array(batch.buffer);
    for (let at = TS_FIELD; at < records.length; at += RECORD_WIDTH)
      records[at] = (records[at] ?? Number.NaN) + SHIFT_MS;
  }
  const counted = events.length;
  for (const batch of warm) {
    worker.sendEncoded(batch);
    if (worker.pending > 16) await worker.whenDrained();
  }
  await worker.whenDrained();
  const began = process.hrtime.bigint();
  // All at once: whenDrained waits for an empty queue, so throttling with it would leave the
  // worker idle between rounds and time the main thread instead.
  for (const batch of batches) worker.sendEncoded(batch);
  await worker.whenDrained();
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  await worker.stop();
  if (rows === 0) throw new Error('the live set took no rows');
  return counted / seconds;
}

/** Per-event latency of the engine (apply the event, take its row), p99 over every event. */
function eventLatencyP99(set: FeatureSet, events: readonly MarketEvent[]): number {
  const engine = new FeatureSetEngine(set, { onRow: () => undefined });
  for (let i = 0; i < 50_000 && i < events.length; i++) engine.onEvent(events[i] as MarketEvent);
  const samples = new Float64Array(events.length - 50_000);
  for (let i = 50_000; i < events.length; i++) {
    const began = process.hrtime.bigint();
    engine.onEvent(events[i] as MarketEvent);
    samples[i - 50_000] = Number(process.hrtime.bigint() - began);
  }
  samples.sort();
  return (samples[Math.floor(samples.length * 0.99)] ?? Number.NaN) / 1000;
}

/** Engine alone on the main thread, for the ratio against the worker figure. */
function engineOnly(set: FeatureSet, events: readonly MarketEvent[]): number {
  const engine = new FeatureSetEngine(set, { onRow: () => undefined });
  const began = process.hrtime.bigint();
  for (const event of events) engine.onEvent(event);
  return events.length / (Number(process.hrtime.bigint() - began) / 1e9);
}

/** The stream figure alone (for a quick look while tuning): 20 demo minutes through the live worker. */
export async function streamFigure(root: string, sampling: FeatureSet['sampling']): Promise<number> {
  const { instrument, events } = demoEvents(20, 5);
  return streamThroughWorker(root, benchSet(instrument, sampling), events);
}

export function featuresBenchmark(root: string): Benchmark {
  return {
    name: 'features',
    summary:
      'feature engine in the live worker, and matrix builds over a recorded demo day with 1 and 2 workers',
    async run(): Promise<Figure[]> {
      const { instrument, events } = demoEvents(20, 5);
      const set = benchSet(instrument, '1s');
      const eventRows = benchSet(instrument, 'event');
      const streamRates: number[] = [];
      const eventRowRates: number[] = [];
      for (let i = 0; i < 3; i++) {
        streamRates.push(await streamThroughWorker(root, set, events));
        eventRowRates.push(await streamThroughWorker(root, eventRows, events));
      }
      const engineRates = [0, 1, 2].map(() => engineOnly(set, events));
      const p99 = eventLatencyP99(set, events);

      const dir = mkdtempSync(path.join(tmpdir(), 'tw-bench-features-'));
      try {
        const file = path.join(dir, 'workspace.sqlite');
        const began = process.hrtime.bigint();
        const day = recordDemo(file, 24 * 60, { seed: 3 });
        const recordSeconds = Number(process.hrtime.bigint() - began) / 1e9;
        process.stdout.write(
          `  recorded a demo day: ${day.events} events in ${recordSeconds.toFixed(0)} s\n`,
        );
        const daySet = benchSet(day.instrument, '1s');
        const build = async (workers: number): Promise<{ seconds: number; events: number }> => {
          const start = process.hrtime.bigint();
          const built = await buildMatrixInPool({
            workerEntry: pathToFileURL(path.join(root, 'dist/main/features/matrix-worker.js')),
            databaseFile: file,
            set: daySet,
            from: day.from,
            to: day.to,
            workers,
            warmupMs: warmupMs(compileFeatureSet(daySet)),
          });
          if (built.fallback !== null) throw new Error(built.fallback);
          return { seconds: Number(process.hrtime.bigint() - start) / 1e9, events: built.events };
        };
        const one = await build(1);
        const two = await build(2);
        const oneAgain = await build(1);
        const twoAgain = await build(2);
        const oneSeconds = Math.min(one.seconds, oneAgain.seconds);
        const twoSeconds = Math.min(two.seconds, twoAgain.seconds);
        const stream = median(streamRates);
        return [
          { name: 'stream_events_per_s', value: stream, unit: '1/s', better: 'higher' },
          {
            name: 'stream_events_per_s_event_rows',
            value: median(eventRowRates),
            unit: '1/s',
            better: 'higher',
          },
          {
            name: 'stream_vs_engine_alone',
            value: stream / median(engineRates),
            unit: 'ratio',
            better: 'higher',
          },
          { name: 'event_p99_us', value: p99, unit: 'us', better: 'lower' },
          { name: 'batch_day_1w_s', value: oneSeconds, unit: 's', better: 'lower' },
          { name: 'batch_day_2w_s', value: twoSeconds, unit: 's', better: 'lower' },
          { name: 'batch_day_2w_vs_1w', value: oneSeconds / twoSeconds, unit: 'ratio', better: 'higher' },
          {
            name: 'batch_day_events_per_s_1w',
            value: one.events / one.seconds,
            unit: '1/s',
            better: 'higher',
          },
        ];
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
