import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pathToFileURL } from 'node:url';
import { LivePipeline } from '../../main/host/live-pipeline.js';
import { openDatabase } from '../../main/storage/database.js';
import { MarketStore } from '../../main/storage/market-store.js';
import { Recorder } from '../../main/storage/recorder.js';
import { FeatureWorker } from '../../main/workers/feature-worker.js';
import type { MarketEvent } from '../../shared/domain/market.js';
import { DemoMarket } from '../../shared/market/demo-market.js';
import { median, type Benchmark, type Figure } from './report.js';

const START = Date.UTC(2026, 0, 5, 0, 0, 0);
const MINUTE = 60_000;
/** Market time the generator produces per batch, as the live source does every tick. */
const BATCH_MS = 100;

function generate(minutes: number, seed: number): { events: number; seconds: number } {
  const market = new DemoMarket({ seed, startTs: START });
  const out: MarketEvent[] = [];
  let events = 0;
  const began = process.hrtime.bigint();
  for (let ts = START + BATCH_MS; ts <= START + minutes * MINUTE; ts += BATCH_MS) {
    out.length = 0;
    market.advanceTo(ts, out);
    events += out.length;
  }
  return { events, seconds: Number(process.hrtime.bigint() - began) / 1e9 };
}

interface LivePathRig {
  readonly pipeline: LivePipeline;
  readonly worker: FeatureWorker;
  readonly market: DemoMarket;
  signals: number;
  setMarketTime(ts: number): void;
  close(): Promise<void>;
}

/**
 * The live path as the App wires it: generator -> validation -> recorder (SQLite file, batched
 * transactions, candles) -> feature worker thread (features + imbalance signal), on a fresh
 * workspace in a temp folder, driven faster than the wall clock.
 */
function openLivePath(root: string, seed: number): LivePathRig {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tw-bench-'));
  const db = openDatabase(path.join(dataDir, 'workspace.sqlite'));
  const store = new MarketStore(db);
  const recorder = new Recorder(store);
  let marketTime = START;
  let pipeline: LivePipeline | null = null;
  const worker = new FeatureWorker(pathToFileURL(path.join(root, 'dist/worker/features.js')), {
    onProcessed: (_events, features, fired) => {
      rig.signals += fired.length;
      pipeline?.onFeatures(features, fired);
    },
    onError: (message) => {
      throw new Error(message);
    },
  });
  pipeline = new LivePipeline({ recorder, features: worker, clock: () => marketTime });
  const market = new DemoMarket({ seed, startTs: START });
  store.upsertInstrument(market.instrument);
  const rig: LivePathRig = {
    pipeline,
    worker,
    market,
    signals: 0,
    setMarketTime: (ts) => (marketTime = ts),
    async close() {
      await worker.stop();
      db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return rig;
}

/** Timed from the first event to the last recorded row and the last processed batch. */
async function livePath(
  root: string,
  minutes: number,
): Promise<{ events: number; seconds: number; signals: number }> {
  const rig = openLivePath(root, 7);
  const out: MarketEvent[] = [];
  let batches = 0;
  const began = process.hrtime.bigint();
  for (let ts = START + BATCH_MS; ts <= START + minutes * MINUTE; ts += BATCH_MS) {
    rig.setMarketTime(ts);
    out.length = 0;
    rig.market.advanceTo(ts, out);
    rig.pipeline.ingest(out);
    if (++batches % 10 === 0) rig.pipeline.flush();
    // Back-pressure as the host would apply it: never more than a few batches in flight.
    if (rig.worker.pending > 8) await rig.worker.whenDrained();
  }
  await rig.worker.whenDrained();
  rig.pipeline.flush();
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  const result = { events: rig.pipeline.eventsTotal, seconds, signals: rig.signals };
  await rig.close();
  return result;
}

/** A full garbage collection, so heap samples measure what is kept, not what is pending. */
const collectGarbage: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/**
 * Hours of recording in a row (market time, at full speed): the heap after a full GC at the
 * end of each hour. What the live path keeps must stay bounded however long it records.
 */
async function soak(root: string, hours: number): Promise<number[]> {
  const rig = openLivePath(root, 11);
  const out: MarketEvent[] = [];
  const heapMb: number[] = [];
  const stepMs = 1000;
  for (let ts = START + stepMs; ts <= START + hours * 60 * MINUTE; ts += stepMs) {
    rig.setMarketTime(ts);
    out.length = 0;
    rig.market.advanceTo(ts, out);
    rig.pipeline.ingest(out);
    rig.pipeline.flush();
    if (rig.worker.pending > 8) await rig.worker.whenDrained();
    if ((ts - START) % (60 * MINUTE) === 0) {
      await rig.worker.whenDrained();
      rig.pipeline.flush();
      collectGarbage();
      heapMb.push(process.memoryUsage().heapUsed / 1e6);
    }
  }
  await rig.close();
  return heapMb;
}

export function demoBenchmark(root: string): Benchmark {
  return {
    name: 'demo',
    summary: 'demo market generation, and the live path from event to recorded row and signal',
    async run(): Promise<Figure[]> {
      generate(2, 99); // warm-up: let the JIT settle before timing
      const generatorRates = [1, 2, 3].map((seed) => {
        const run = generate(30, seed);
        return run.events / run.seconds;
      });
      const liveRates: number[] = [];
      for (let i = 0; i < 3; i++) {
        const run = await livePath(root, 20);
        liveRates.push(run.events / run.seconds);
      }
      const heap = await soak(root, 4);
      const firstHour = heap[0] ?? Number.NaN;
      const lastHour = heap.at(-1) ?? Number.NaN;
      const generatorRate = median(generatorRates);
      const liveRate = median(liveRates);
      return [
        { name: 'generator_events_per_s', value: generatorRate, unit: '1/s', better: 'higher' },
        { name: 'live_path_events_per_s', value: liveRate, unit: '1/s', better: 'higher' },
        { name: 'live_path_vs_generator', value: liveRate / generatorRate, unit: 'ratio', better: 'higher' },
        // Heap after a full GC at the end of hour 1 and the growth per hour over the next three:
        // a recorder that keeps something per event would show megabytes per hour here.
        { name: 'soak_heap_mb_after_1h', value: firstHour, unit: 'MB', better: 'lower' },
        {
          name: 'soak_heap_growth_mb_per_h',
          value: (lastHour - firstHour) / Math.max(1, heap.length - 1),
          unit: 'MB/h',
          better: 'lower',
        },
      ];
    },
  };
}
