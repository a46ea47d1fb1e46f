import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { TrainingProgress } from '../../../../shared/models/model.js';
import { NET_KINDS, type NetKind } from '../../../../shared/models/nets/architectures.js';
import type { SequenceData } from '../../../../shared/models/nets/sequences.js';
import { trainNetwork } from '../../../../shared/models/nets/train.js';
import {
  selectBackend,
  settleOnCpu,
  useTrainingBackend,
  type BackendName,
} from '../../../../worker/models/tf-backend.js';
import { asInput, signTask, smallParams } from '../../shared/models/nets/net-fixtures.js';

// The software Vulkan driver Debian's chromium ships: CI installs chromium and libvulkan1, so
// these tests run there. The product never points Vulkan at it; only tests set the variable.
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const VULKAN_LOADERS = [
  '/usr/lib/x86_64-linux-gnu/libvulkan.so.1',
  '/usr/lib/aarch64-linux-gnu/libvulkan.so.1',
];

function missingDriver(): string | null {
  if (process.platform !== 'linux') return 'the software adapter is set up for Linux only';
  if (!VULKAN_LOADERS.some((file) => existsSync(file))) return 'libvulkan1 is not installed';
  if (!existsSync(SWIFTSHADER_ICD)) return `${SWIFTSHADER_ICD} is missing (Debian chromium)`;
  return null;
}
const missing = missingDriver();
// Read by the Vulkan loader when Dawn creates its instance, so set before the first adapter.
if (missing === null) process.env['VK_ICD_FILENAMES'] ??= SWIFTSHADER_ICD;

/**
 * Float32 on both sides, but the GPU sums in another order (workgroup reductions), so a few
 * Adam steps drift apart by rounding: losses and probabilities must agree to 1e-3.
 */
const TOLERANCE = 1e-3;
/** Short windows: SwiftShader runs every kernel dispatch on the CPU, and LSTMs dispatch per step. */
const WINDOW = 4;

interface Run {
  readonly losses: number[];
  readonly validLosses: number[];
  readonly probabilities: Float64Array;
}

/**
 * Trains `kind` a few Adam steps on `backend` and predicts the validation windows the way the
 * training worker does: settleOnCpu after training, then the synchronous NetworkModel.predict.
 */
async function trainOn(
  backend: BackendName,
  kind: NetKind,
  train: SequenceData,
  valid: SequenceData,
): Promise<Run> {
  const info = await selectBackend({ prefer: [backend], allowSoftwareGpu: true });
  expect(info.name).toBe(backend);
  const progress: TrainingProgress[] = [];
  const model = await trainNetwork(
    train,
    valid,
    smallParams(kind, { window: WINDOW, epochs: 1, batchSize: 16 }),
    {
      onProgress: (p) => progress.push(p),
    },
  );
  expect(model.meta.backend).toBe(backend);
  await settleOnCpu();
  // webgpu hands over to the best synchronous backend here, wasm (nothing native is installed).
  expect(tf.getBackend()).toBe('wasm');
  const probabilities = model.predict(asInput(valid), valid.rows);
  model.dispose();
  return {
    losses: progress.map((p) => p.trainLoss),
    validLosses: progress.map((p) => p.validLoss),
    probabilities,
  };
}

function largestGap(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let gap = 0;
  for (let i = 0; i < a.length; i++) gap = Math.max(gap, Math.abs((a[i] ?? NaN) - (b[i] ?? NaN)));
  return gap;
}

// SwiftShader compiles every new kernel shape on the CPU: a few seconds per network when idle.
const SLOW_ADAPTER = { timeout: 120_000 };

describe.skipIf(missing !== null)(
  `webgpu backend on the software adapter${missing ? ` (skipped: ${missing})` : ''}`,
  SLOW_ADAPTER,
  () => {
    it('skips a software-only adapter with that reason unless the user opted in', async () => {
      const info = await selectBackend({ prefer: ['webgpu', 'wasm'], allowSoftwareGpu: false });
      expect(info.name).toBe('wasm');
      expect(info.skipped).toHaveLength(1);
      expect(info.skipped[0]?.name).toBe('webgpu');
      expect(info.skipped[0]?.reason).toMatch(
        /^the only WebGPU adapter is a software one \(SwiftShader.*\).*WORKSTATION_ALLOW_SOFTWARE_GPU=1/,
      );
    });

    it('loads on the software adapter when opted in and names it', async () => {
      const info = await selectBackend({ prefer: ['webgpu'], allowSoftwareGpu: true });
      expect(info).toMatchObject({
        name: 'webgpu',
        version: '4.22.0',
        simd: null,
        threads: null,
        skipped: [],
      });
      expect(info.gpu).toEqual({ name: expect.stringMatching(/SwiftShader/) as unknown, software: true });
      expect(tf.getBackend()).toBe('webgpu');
      const sum = tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4]));
      expect(Array.from(await sum.data())).toEqual([4, 6]);
      sum.dispose();
    });

    it('says why instead of failing inside tfjs when code reads a GPU tensor synchronously', async () => {
      await selectBackend({ prefer: ['webgpu'], allowSoftwareGpu: true });
      const product = tf.matMul(tf.ones([4, 4]), tf.ones([4, 4]));
      expect(() => product.dataSync()).toThrow(/webgpu in Node reads GPU memory only asynchronously/);
      // Once read asynchronously the values sit on the CPU and synchronous reads work.
      expect(Array.from(await product.data())).toEqual(new Array<number>(16).fill(4));
      expect(Array.from(product.dataSync())).toEqual(new Array<number>(16).fill(4));
      product.dispose();
    });

    it('trains on webgpu again after settleOnCpu moved predictions to wasm', async () => {
      await selectBackend({ prefer: ['webgpu'], allowSoftwareGpu: true });
      await settleOnCpu();
      expect(tf.getBackend()).toBe('wasm');
      await useTrainingBackend();
      expect(tf.getBackend()).toBe('webgpu');
    });

    // 64 rows in batches of 16: four Adam steps, then a validation pass and the predictions.
    const train = signTask(64, WINDOW, 3, 2, 11);
    const valid = signTask(32, WINDOW, 3, 2, 12);
    for (const kind of NET_KINDS) {
      it(`trains ${kind} four steps to the wasm backend's losses and predictions within ${TOLERANCE}`, async () => {
        const onWasm = await trainOn('wasm', kind, train, valid);
        const onGpu = await trainOn('webgpu', kind, train, valid);
        expect(onGpu.losses).toHaveLength(1);
        expect(onGpu.losses.every(Number.isFinite)).toBe(true);
        expect(largestGap(onGpu.losses, onWasm.losses)).toBeLessThan(TOLERANCE);
        expect(largestGap(onGpu.validLosses, onWasm.validLosses)).toBeLessThan(TOLERANCE);
        expect(onGpu.probabilities).toHaveLength(valid.rows * 2);
        expect(largestGap(onGpu.probabilities, onWasm.probabilities)).toBeLessThan(TOLERANCE);
      });
    }
  },
);
