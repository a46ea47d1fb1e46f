import { describe, expect, it } from 'vitest';
import { summarize, type GpuAdapter } from '../../../../worker/models/webgpu-backend.js';

function adapter(info: GpuAdapter['info'], isFallbackAdapter?: boolean): GpuAdapter {
  return {
    info,
    ...(isFallbackAdapter === undefined ? {} : { isFallbackAdapter }),
    features: { has: () => false },
    limits: {},
    requestDevice: () => Promise.resolve({}),
  };
}

describe('webgpu adapter summary', () => {
  it("names a GPU by its driver's description and does not call it software", () => {
    expect(
      summarize(
        adapter({ vendor: 'nvidia', architecture: 'ampere', description: 'NVIDIA GeForce RTX 3060' }),
      ),
    ).toEqual({ name: 'NVIDIA GeForce RTX 3060', software: false });
  });

  it('falls back to vendor and architecture when the driver gives no description', () => {
    expect(summarize(adapter({ vendor: 'apple', architecture: 'metal-3', description: '' }))).toEqual({
      name: 'apple metal-3',
      software: false,
    });
  });

  it('calls an adapter software when its info or (older Dawn) the adapter itself says fallback', () => {
    expect(summarize(adapter({ description: 'SwiftShader driver 5.0.0', isFallbackAdapter: true }))).toEqual({
      name: 'SwiftShader driver 5.0.0',
      software: true,
    });
    expect(summarize(adapter({ description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }, true)).software).toBe(true);
    expect(summarize(adapter({})).name).toBe('unnamed adapter');
  });
});
