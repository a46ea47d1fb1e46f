// Figures of the TensorFlow.js networks: training speed of the reference LSTM on every
// backend that loads here (webgpu on SwiftShader where there is no GPU), and single-prediction
// latency and batched throughput of each network kind through the plain forward pass (what live
// signals use) beside tfjs on wasm (the backend the workstation picks on this machine).
import { existsSync } from 'node:fs';
import { modelParamsSchema, type TrainedModel } from '../../shared/models/model.js';
import { NET_KINDS, type NetKind, type NetParams } from '../../shared/models/nets/architectures.js';
import { PlainForwardNetwork } from '../../shared/models/nets/forward/plain-network.js';
import { untrainedNetwork } from '../../shared/models/nets/network-model.js';
import type { SequenceData } from '../../shared/models/nets/sequences.js';
import { trainNetwork } from '../../shared/models/nets/train.js';
import { selectBackend, type BackendInfo, type BackendName } from '../../worker/models/tf-backend.js';
import { median, type Figure } from './report.js';

const N = 2048;
const T = 32;
const F = 16;
const CLASSES = 3;
const BATCH = 128;
const TIMED_EPOCHS = 3;
const LATENCY_CALLS = 300;
const THROUGHPUT_BATCH = 256;
const THROUGHPUT_REPEATS = 8;
/** Latency runs per path: the figure is their median, the worst one is reported beside it. */
const LATENCY_RUNS = 3;

function params(kind: NetKind, overrides: Record<string, unknown> = {}): NetParams {
  return modelParamsSchema.parse({ kind, window: T, ...overrides }) as NetParams;
}

/** Seeded noise windows with 3 balanced classes (labels do not matter for speed). */
function referenceData(): SequenceData {
  let state = 12345;
  const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const x = new Float32Array(N * T * F);
  for (let i = 0; i < x.length; i++) x[i] = random();
  const y = new Float64Array(N);
  for (let row = 0; row < N; row++) y[row] = row % CLASSES;
  return { x, y, rows: N, window: T, features: F, classes: CLASSES };
}

/**
 * ms per epoch of LSTM(32) + Dense(3) softmax, Adam, batch 128, through trainNetwork (the path
 * the product trains on): median of 3 epochs after a warm-up epoch, or with `warmUp` false the
 * first epoch alone (kernel compilation included).
 */
async function lstmEpochMs(data: SequenceData, warmUp = true): Promise<number> {
  const timedEpochs = warmUp ? TIMED_EPOCHS : 1;
  const skip = warmUp ? 1 : 0;
  const stamps: number[] = [];
  const start = performance.now();
  const model = await trainNetwork(
    data,
    null,
    params('lstm', {
      units: 32,
      dropout: 0,
      batchSize: BATCH,
      epochs: skip + timedEpochs,
      patience: 0,
      classWeights: false,
    }),
    { onProgress: () => stamps.push(performance.now()) },
  );
  model.dispose();
  const epochs = stamps.map((at, i) => at - (i === 0 ? start : (stamps[i - 1] ?? start)));
  return median(epochs.slice(skip));
}

/** Debian chromium's software Vulkan driver, for the webgpu figure on machines without a GPU. */
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Points the Vulkan loader at SwiftShader unless the caller chose a driver (before Dawn starts). */
function useSoftwareVulkanIfNoDriverChosen(): void {
  if (process.env['VK_ICD_FILENAMES'] === undefined && existsSync(SWIFTSHADER_ICD))
    process.env['VK_ICD_FILENAMES'] = SWIFTSHADER_ICD;
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? NaN;
}

/**
 * Single-window latencies of `predict` over LATENCY_CALLS calls after a warm-up, ms: wall
 * time, and the CPU time the process spent (user + system), which leaves out the time it
 * waited for a core while other work shared the machine.
 */
function latencies(
  model: TrainedModel,
  batch: Float64Array,
  span: number,
  out: Float64Array,
): { wall: number[]; cpu: number[] } {
  for (let i = 0; i < 20; i++) model.predict(batch.subarray(0, span), 1, out);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < LATENCY_CALLS; i++) {
    const row = i % THROUGHPUT_BATCH;
    const cpuAt = process.cpuUsage();
    const at = performance.now();
    model.predict(batch.subarray(row * span, (row + 1) * span), 1, out);
    wall.push(performance.now() - at);
    const used = process.cpuUsage(cpuAt);
    cpu.push((used.user + used.system) / 1000);
  }
  return { wall, cpu };
}

function perSecond(model: TrainedModel, batch: Float64Array, out: Float64Array): number {
  model.predict(batch, THROUGHPUT_BATCH, out);
  const at = performance.now();
  for (let i = 0; i < THROUGHPUT_REPEATS; i++) model.predict(batch, THROUGHPUT_BATCH, out);
  return (THROUGHPUT_BATCH * THROUGHPUT_REPEATS) / ((performance.now() - at) / 1000);
}

/**
 * Latency of one prediction (one window) on both paths side by side, default params: the
 * plain forward pass live inference uses (`infer_p99_ms_<kind>`) and tfjs on wasm
 * (`..._tfjs`), each the median p99 of LATENCY_RUNS runs, with the worst run beside it; and
 * predictions/s in batches of 256 on both.
 */
function inference(kind: NetKind, data: SequenceData): Figure[] {
  const network = untrainedNetwork(params(kind), { window: T, features: F, classes: CLASSES });
  const plain = PlainForwardNetwork.tryOf(network);
  if ('unsupported' in plain) throw new Error(`${kind} has no plain forward pass: ${plain.unsupported}`);
  const span = T * F;
  const batch = Float64Array.from(data.x.subarray(0, THROUGHPUT_BATCH * span));
  const out = new Float64Array(THROUGHPUT_BATCH * CLASSES);
  const plainRuns: number[] = [];
  const tfjsRuns: number[] = [];
  const plainMedians: number[] = [];
  const tfjsMedians: number[] = [];
  const plainCpu: number[] = [];
  const tfjsCpu: number[] = [];
  // Interleaved, so a burst of load from another process hits both paths alike.
  for (let run = 0; run < LATENCY_RUNS; run++) {
    const plainTimes = latencies(plain, batch, span, out);
    const tfjsTimes = latencies(network, batch, span, out);
    plainRuns.push(p99(plainTimes.wall));
    tfjsRuns.push(p99(tfjsTimes.wall));
    plainMedians.push(median(plainTimes.wall));
    tfjsMedians.push(median(tfjsTimes.wall));
    plainCpu.push(p99(plainTimes.cpu));
    tfjsCpu.push(p99(tfjsTimes.cpu));
  }
  const plainPerSecond = perSecond(plain, batch, out);
  const tfjsPerSecond = perSecond(network, batch, out);
  plain.dispose();
  const ms = (name: string, value: number): Figure => ({ name, value, unit: 'ms', better: 'lower' });
  const rate = (name: string, value: number): Figure => ({ name, value, unit: '1/s', better: 'higher' });
  console.log(
    `${kind}: p99 per run, plain ${plainRuns.map((v) => v.toFixed(3)).join(' / ')} ms, tfjs ${tfjsRuns.map((v) => v.toFixed(2)).join(' / ')} ms; cpu p99 plain ${plainCpu.map((v) => v.toFixed(3)).join(' / ')} ms, tfjs ${tfjsCpu.map((v) => v.toFixed(2)).join(' / ')} ms; p50 plain ${plainMedians.map((v) => v.toFixed(3)).join(' / ')} ms, tfjs ${tfjsMedians.map((v) => v.toFixed(2)).join(' / ')} ms`,
  );
  return [
    ms(`infer_p99_ms_${kind}`, median(plainRuns)),
    ms(`infer_p99_ms_${kind}_worst_run`, Math.max(...plainRuns)),
    ms(`infer_p99_ms_${kind}_tfjs`, median(tfjsRuns)),
    ms(`infer_p99_ms_${kind}_tfjs_worst_run`, Math.max(...tfjsRuns)),
    // The median call: the arithmetic itself, where the p99 of a loaded machine is mostly
    // the time the process waited for a core.
    ms(`infer_p50_ms_${kind}`, median(plainMedians)),
    ms(`infer_p50_ms_${kind}_tfjs`, median(tfjsMedians)),
    ms(`infer_p99_cpu_ms_${kind}`, median(plainCpu)),
    ms(`infer_p99_cpu_ms_${kind}_tfjs`, median(tfjsCpu)),
    {
      name: `infer_p50_tfjs_vs_plain_${kind}`,
      value: median(tfjsMedians) / median(plainMedians),
      unit: 'ratio',
      better: 'higher',
    },
    {
      name: `infer_p99_tfjs_vs_plain_${kind}`,
      value: median(tfjsRuns) / median(plainRuns),
      unit: 'ratio',
      better: 'higher',
    },
    rate(`infer_batch${THROUGHPUT_BATCH}_per_s_${kind}`, plainPerSecond),
    rate(`infer_batch${THROUGHPUT_BATCH}_per_s_${kind}_tfjs`, tfjsPerSecond),
  ];
}

/** Only the inference figures of every kind on wasm (`npm run bench -- models --infer-only`). */
export async function inferenceFigures(): Promise<Figure[]> {
  await selectBackend({ prefer: ['wasm'] });
  const data = referenceData();
  return NET_KINDS.flatMap((kind) => inference(kind, data));
}

/** The networks' figures; the wasm backend is left active afterwards when it loads. */
export async function netFigures(): Promise<Figure[]> {
  const data = referenceData();
  const figures: Figure[] = [];
  const loaded: BackendName[] = [];
  for (const backend of ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const) {
    let info: BackendInfo;
    try {
      if (backend === 'webgpu') useSoftwareVulkanIfNoDriverChosen();
      // webgpu may run on a software adapter here: a correctness run, its time not a target.
      info = await selectBackend({ prefer: [backend], allowSoftwareGpu: true });
    } catch {
      continue; // not installed or failed to load here: no figure rather than a wrong one
    }
    if (info.gpu) console.log(`bench: webgpu on ${info.gpu.name}${info.gpu.software ? ' (software)' : ''}`);
    const software = info.gpu?.software ?? false;
    loaded.push(backend);
    figures.push({
      name: `lstm_epoch_ms_${backend}`,
      // A software adapter runs every dispatch on the CPU (minutes per epoch on a busy 2-core
      // machine): one epoch, compilation included, is enough for a correctness run.
      value: await lstmEpochMs(data, !software),
      unit: 'ms',
      better: 'lower',
    });
  }
  if (loaded.includes('wasm')) {
    await selectBackend({ prefer: ['wasm'] });
    for (const kind of NET_KINDS) figures.push(...inference(kind, data));
  }
  const wasm = figures.find((f) => f.name === 'lstm_epoch_ms_wasm');
  const cpu = figures.find((f) => f.name === 'lstm_epoch_ms_cpu');
  // The plain reference in the same run: how much faster wasm trains than tfjs's JS kernels.
  if (wasm && cpu)
    figures.push({
      name: 'lstm_epoch_cpu_vs_wasm',
      value: cpu.value / wasm.value,
      unit: 'ratio',
      better: 'higher',
    });
  return figures;
}
