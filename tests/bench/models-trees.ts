import { performance } from 'node:perf_hooks';
import { createRng } from '../../shared/market/rng.js';
import { modelParamsSchema, type ModelParamsOf, type TrainedModel } from '../../shared/models/model.js';
import { trainRandomForest } from '../../shared/models/trees/forest.js';
import { trainGbdt } from '../../shared/models/trees/gbdt.js';
import type { TreeTrainingSet } from '../../shared/models/trees/training-set.js';
import type { Figure } from './report.js';

const ROWS = 100_000;
const FEATURES = 30;
const SINGLE_ROW_CALLS = 2000;
const BATCH_ROWS = 10_000;

/** 30 normal features, 3 classes from a noisy linear score of the first four. */
function syntheticSet(rows: number, seed: number): TreeTrainingSet {
  const rng = createRng(seed);
  const x = new Float64Array(rows * FEATURES);
  const y = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < FEATURES; f++) x[r * FEATURES + f] = rng.normal();
    const at = r * FEATURES;
    const score =
      (x[at] ?? 0) + 0.5 * (x[at + 1] ?? 0) - 0.5 * (x[at + 2] ?? 0) * (x[at + 3] ?? 0) + 0.5 * rng.normal();
    y[r] = score > 0.5 ? 2 : score < -0.5 ? 0 : 1;
  }
  const columns = Array.from({ length: FEATURES }, (_, f) => `f${f}`);
  return { x, y, rows, columns, classes: 3 };
}

function p99(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))] ?? Number.NaN;
}

/** Single-row predict latency p99 (ms) and batched rows per second. */
function inference(name: string, model: TrainedModel, data: TreeTrainingSet): Figure[] {
  const out = new Float64Array(model.outputs);
  const latencies: number[] = [];
  for (let i = 0; i < SINGLE_ROW_CALLS; i++) {
    const row = data.x.subarray((i % data.rows) * FEATURES, ((i % data.rows) + 1) * FEATURES);
    const started = performance.now();
    model.predict(row, 1, out);
    latencies.push(performance.now() - started);
  }
  const batch = data.x.subarray(0, BATCH_ROWS * FEATURES);
  const batchOut = new Float64Array(BATCH_ROWS * model.outputs);
  model.predict(batch, BATCH_ROWS, batchOut);
  const started = performance.now();
  model.predict(batch, BATCH_ROWS, batchOut);
  const seconds = (performance.now() - started) / 1000;
  return [
    {
      name: `infer_p99_ms_${name}`,
      value: p99(latencies.slice(SINGLE_ROW_CALLS / 10)),
      unit: 'ms',
      better: 'lower',
    },
    { name: `infer_rows_per_s_${name}`, value: BATCH_ROWS / seconds, unit: 'rows/s', better: 'higher' },
  ];
}

/**
 * The tree figures of the models benchmark: GBDT fit time on 100k rows x 30 features (100
 * trees, depth 6, 3 classes), single-row predict p99 and batched throughput of the GBDT and of
 * a random forest (100 trees, depth 8, trained on the same rows).
 */
export async function treeFigures(): Promise<Figure[]> {
  const data = syntheticSet(ROWS, 1);
  const gbdtParams = modelParamsSchema.parse({
    kind: 'gbdt',
    trees: 100,
    depth: 6,
    patience: 0,
  }) as ModelParamsOf<'gbdt'>;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const gbdt = trainGbdt(data, null, gbdtParams);
  const fitSeconds = (performance.now() - started) / 1000;
  // CPU time beside wall time: on a shared machine the wall figure mostly measures the neighbours.
  const fitCpuSeconds = process.cpuUsage(cpuBefore).user / 1e6;
  const forestParams = modelParamsSchema.parse({
    kind: 'random-forest',
    trees: 100,
    depth: 8,
  }) as ModelParamsOf<'random-forest'>;
  // Training blocks the thread for seconds: let pending output and timers run before timing inference.
  await new Promise((resolve) => setImmediate(resolve));
  const forest = trainRandomForest(data, null, forestParams);
  return [
    { name: 'gbdt_fit_s', value: fitSeconds, unit: 's', better: 'lower' },
    { name: 'gbdt_fit_cpu_s', value: fitCpuSeconds, unit: 's', better: 'lower' },
    ...inference('gbdt', gbdt, data),
    ...inference('random-forest', forest, data),
  ];
}
