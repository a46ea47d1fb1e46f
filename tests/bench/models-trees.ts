import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createRng } from '../../shared/market/rng.js';
import { modelParamsSchema, type ModelParamsOf, type TrainedModel } from '../../shared/models/model.js';
import { trainRandomForest } from '../../shared/models/trees/forest.js';
import { trainGbdt, type GbdtModel, type GbdtParams } from '../../shared/models/trees/gbdt.js';
import { SerialHistograms, type HistogramBuilder } from '../../shared/models/trees/histogram.js';
import type { TreeTrainingSet } from '../../shared/models/trees/training-set.js';
import { ThreadedHistograms } from '../../worker/models/histogram-threads.js';
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

interface Fit {
  readonly model: GbdtModel;
  readonly seconds: number;
  readonly cpuSeconds: number;
}

function fitGbdt(data: TreeTrainingSet, params: GbdtParams, histograms: HistogramBuilder): Fit {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const model = trainGbdt(data, null, params, { histograms });
  const seconds = (performance.now() - started) / 1000;
  // CPU time beside wall time: on a shared machine the wall figure mostly measures the neighbours.
  const cpuSeconds = process.cpuUsage(cpuBefore).user / 1e6;
  return { model, seconds, cpuSeconds };
}

/** The same rows, rounds, depth, bins, learning rate and L2 in xgboost's `hist` method. */
const XGBOOST_FIT = `
import sys, time, json
import numpy as np, xgboost as xgb
path, rows, width, bins, depth, trees, eta, l2 = sys.argv[1:9]
rows, width = int(rows), int(width)
data = np.fromfile(path, dtype=np.float64)
x = data[: rows * width].reshape(rows, width)
y = data[rows * width :]
matrix = xgb.DMatrix(x, label=y)
out = {}
for threads in (1, 2):
    params = {"tree_method": "hist", "objective": "multi:softprob", "num_class": 3, "max_bin": int(bins),
              "max_depth": int(depth), "eta": float(eta), "lambda": float(l2), "nthread": threads}
    started = time.perf_counter()
    xgb.train(params, matrix, num_boost_round=int(trees))
    out[str(threads)] = time.perf_counter() - started
print(json.dumps(out))
`;

/**
 * The python to compare with: $BENCH_PYTHON, else Debian's own (/usr/bin/python3, where apt puts
 * python3-xgboost and python3-torch), else the first python3 on the PATH. A pyenv or venv python
 * earlier on the PATH does not see the Debian packages.
 */
function referencePython(): string {
  const chosen = process.env.BENCH_PYTHON;
  if (chosen !== undefined && chosen !== '') return chosen;
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/** xgboost hist fit seconds on 1 and 2 threads, or why it could not run. */
function xgboostFit(data: TreeTrainingSet, params: GbdtParams): { one: number; two: number } | string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'bench-xgboost-'));
  try {
    const file = path.join(folder, 'rows.f64');
    const all = new Float64Array(data.x.length + data.rows);
    all.set(data.x);
    all.set(data.y, data.x.length);
    writeFileSync(file, all);
    const args = [file, data.rows, data.columns.length, params.bins, params.depth, params.trees];
    const run = spawnSync(
      referencePython(),
      ['-c', XGBOOST_FIT, ...args.map(String), String(params.learningRate), String(params.l2)],
      { encoding: 'utf8' },
    );
    if (run.error !== undefined) return `python3 did not start: ${run.error.message}`;
    if (run.status !== 0) return run.stderr.trim().split('\n').at(-1) ?? `python3 exited with ${run.status}`;
    const times = JSON.parse(run.stdout) as Record<string, number>;
    return { one: times['1'] ?? Number.NaN, two: times['2'] ?? Number.NaN };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** The built histogram helper beside the built bench (dist/tests/bench -> dist/worker). */
const HELPER_ENTRY = pathToFileURL(path.resolve(import.meta.dirname, '../../worker/tree-histograms.js'));

/**
 * The tree figures of the models benchmark: GBDT fit time on 100k rows x 30 features (100
 * trees, depth 6, 3 classes) with histograms built in 1 and in 2 threads (the same trees), and
 * beside xgboost hist on the same rows in the same run where python3 has it; single-row predict
 * p99 and batched throughput of the GBDT and of a random forest (100 trees, depth 8).
 */
export async function treeFigures(): Promise<Figure[]> {
  const data = syntheticSet(ROWS, 1);
  const gbdtParams = modelParamsSchema.parse({
    kind: 'gbdt',
    trees: 100,
    depth: 6,
    patience: 0,
  }) as ModelParamsOf<'gbdt'>;
  const one = fitGbdt(data, gbdtParams, new SerialHistograms());
  const threads = new ThreadedHistograms(1, HELPER_ENTRY);
  let two: Fit;
  try {
    two = fitGbdt(data, gbdtParams, threads);
  } finally {
    await threads.close();
  }
  const gbdt = one.model;
  const figures: Figure[] = [
    { name: 'gbdt_fit_s', value: one.seconds, unit: 's', better: 'lower' },
    { name: 'gbdt_fit_cpu_s', value: one.cpuSeconds, unit: 's', better: 'lower' },
    { name: 'gbdt_fit_s_1w', value: one.seconds, unit: 's', better: 'lower' },
    { name: 'gbdt_fit_s_2w', value: two.seconds, unit: 's', better: 'lower' },
    // Both threads' CPU: beside gbdt_fit_cpu_s it is the cost of sharing the work.
    { name: 'gbdt_fit_cpu_s_2w', value: two.cpuSeconds, unit: 's', better: 'lower' },
    { name: 'gbdt_fit_speedup_2w', value: one.seconds / two.seconds, unit: 'ratio', better: 'higher' },
  ];
  const xgboost = xgboostFit(data, gbdtParams);
  if (typeof xgboost === 'string') {
    process.stdout.write(`  gbdt_fit_vs_xgboost skipped: ${xgboost}\n`);
  } else {
    figures.push(
      { name: 'xgboost_fit_s_1t', value: xgboost.one, unit: 's', better: 'lower' },
      { name: 'xgboost_fit_s_2t', value: xgboost.two, unit: 's', better: 'lower' },
      { name: 'gbdt_fit_vs_xgboost', value: one.seconds / xgboost.one, unit: 'ratio', better: 'lower' },
      { name: 'gbdt_fit_vs_xgboost_2w', value: two.seconds / xgboost.two, unit: 'ratio', better: 'lower' },
    );
  }
  const forestParams = modelParamsSchema.parse({
    kind: 'random-forest',
    trees: 100,
    depth: 8,
  }) as ModelParamsOf<'random-forest'>;
  // Training blocks the thread for seconds: let pending output and timers run before timing inference.
  await new Promise((resolve) => setImmediate(resolve));
  const forest = trainRandomForest(data, null, forestParams);
  return [...figures, ...inference('gbdt', gbdt, data), ...inference('random-forest', forest, data)];
}
