// Figures of the TensorFlow.js networks: training speed of the reference LSTM on every
// backend that loads here (webgpu on SwiftShader where there is no GPU), and single-prediction
// latency and batched throughput of each network kind on wasm (the backend the workstation
// picks on this machine).
import { existsSync } from 'node:fs';
import { modelParamsSchema } from '../../shared/models/model.js';
import { NET_KINDS, type NetKind, type NetParams } from '../../shared/models/nets/architectures.js';
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

/** Latency of one prediction (one window) and predictions/s in batches of 256, default params. */
function inference(kind: NetKind, data: SequenceData): Figure[] {
  const model = untrainedNetwork(params(kind), { window: T, features: F, classes: CLASSES });
  const span = T * F;
  const batch = Float64Array.from(data.x.subarray(0, THROUGHPUT_BATCH * span));
  const single = batch.subarray(0, span);
  const out = new Float64Array(THROUGHPUT_BATCH * CLASSES);
  for (let i = 0; i < 20; i++) model.predict(single, 1, out);
  const latencies: number[] = [];
  for (let i = 0; i < LATENCY_CALLS; i++) {
    const at = performance.now();
    model.predict(batch.subarray((i % THROUGHPUT_BATCH) * span, ((i % THROUGHPUT_BATCH) + 1) * span), 1, out);
    latencies.push(performance.now() - at);
  }
  model.predict(batch, THROUGHPUT_BATCH, out);
  const at = performance.now();
  for (let i = 0; i < THROUGHPUT_REPEATS; i++) model.predict(batch, THROUGHPUT_BATCH, out);
  const perSecond = (THROUGHPUT_BATCH * THROUGHPUT_REPEATS) / ((performance.now() - at) / 1000);
  model.dispose();
  return [
    { name: `infer_p99_ms_${kind}`, value: p99(latencies), unit: 'ms', better: 'lower' },
    { name: `infer_batch${THROUGHPUT_BATCH}_per_s_${kind}`, value: perSecond, unit: '1/s', better: 'higher' },
  ];
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
