import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../worker/models/tf-backend.js';

describe('tf backend selection', () => {
  it('passes over the native backends that are not installed and settles on wasm', async () => {
    const messages: string[] = [];
    const info = await selectBackend({ log: (message) => messages.push(message) });
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.version).toBe('4.22.0');
    expect(typeof info.simd).toBe('boolean');
    expect(typeof info.threads).toBe('boolean');
    expect(info.skipped.map((s) => s.name)).toEqual(['tensorflow-gpu', 'webgpu', 'tensorflow']);
    expect(info.skipped[0]?.reason).toMatch(/@tensorflow\/tfjs-node-gpu is not installed/);
    // No GPU here: Dawn finds no usable Vulkan driver, or only a software one, never picked unasked.
    expect(info.skipped[1]?.reason).toMatch(/^no WebGPU adapter|^the only WebGPU adapter is a software one/);
    expect(info.skipped[2]?.reason).toMatch(/@tensorflow\/tfjs-node is not installed/);
    expect(messages.at(-1)).toMatch(/^tfjs backend: wasm/);
    // The backend computes, not only loads.
    expect(Array.from(tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).dataSync()))).toEqual([
      4, 6,
    ]);
  });

  it('selects cpu when cpu is preferred', async () => {
    const info = await selectBackend({ prefer: ['cpu'] });
    expect(info).toMatchObject({ name: 'cpu', skipped: [] });
    expect(tf.getBackend()).toBe('cpu');
  });
});
