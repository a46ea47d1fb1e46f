import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../worker/models/tf-backend.js';

// A file of its own: once the wasm module has failed to start it refuses new paths for the
// life of the process, so this cannot share a process with the test that loads wasm.
describe('tf backend fallback', () => {
  const empty = mkdtempSync(path.join(tmpdir(), 'no-wasm-'));
  afterAll(() => {
    rmSync(empty, { recursive: true, force: true });
  });

  it('falls back to cpu and records why wasm was skipped when its binaries are missing', async () => {
    const info = await selectBackend({ prefer: ['wasm', 'cpu'], wasmFolder: `${empty}${path.sep}` });
    expect(info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(info.skipped).toHaveLength(1);
    expect(info.skipped[0]?.name).toBe('wasm');
    expect(info.skipped[0]?.reason).toMatch(/tfjs-backend-wasm-simd\.wasm.* not found in /);
  });
});
