import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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

/**
 * The live path at full speed: generator -> validation -> recorder (SQLite file, batched
 * transactions, candles) -> feature worker thread (features + imbalance signal), timed from
 * the first event to the last recorded row and the last processed batch.
 */
async function livePath(
  root: string,
  minutes: number,
): Promise<{ events: number; seconds: number; signals: number }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tw-bench-'));
  const db = openDatabase(path.join(dataDir, 'workspace.sqlite'));
  const store = new MarketStore(db);
  const recorder = new Recorder(store);
  let signals = 0;
  let pipeline: LivePipeline | null = null;
  const worker = new FeatureWorker(pathToFileURL(path.join(root, 'dist/worker/features.js')), {
    onProcessed: (_events, features, fired) => {
      signals += fired.length;
      pipeline?.onFeatures(features, fired);
    },
    onError: (message) => {
      throw new Error(message);
    },
  });
  let marketTime = START;
  pipeline = new LivePipeline({ recorder, features: worker, clock: () => marketTime });
  const market = new DemoMarket({ seed: 7, startTs: START });
  store.upsertInstrument(market.instrument);

  const out: MarketEvent[] = [];
  let batches = 0;
  const began = process.hrtime.bigint();
  for (marketTime = START + BATCH_MS; marketTime <= START + minutes * MINUTE; marketTime += BATCH_MS) {
    out.length = 0;
    market.advanceTo(marketTime, out);
    pipeline.ingest(out);
    if (++batches % 10 === 0) pipeline.flush();
    // Back-pressure as the host would apply it: never more than a few batches in flight.
    if (worker.pending > 8) await worker.whenDrained();
  }
  await worker.whenDrained();
  pipeline.flush();
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  const events = pipeline.eventsTotal;
  await worker.stop();
  db.close();
  rmSync(dataDir, { recursive: true, force: true });
  return { events, seconds, signals };
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
      const generatorRate = median(generatorRates);
      const liveRate = median(liveRates);
      return [
        { name: 'generator_events_per_s', value: generatorRate, unit: '1/s', better: 'higher' },
        { name: 'live_path_events_per_s', value: liveRate, unit: '1/s', better: 'higher' },
        { name: 'live_path_vs_generator', value: liveRate / generatorRate, unit: 'ratio', better: 'higher' },
      ];
    },
  };
}
