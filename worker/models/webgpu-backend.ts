// The WebGPU backend in Node: Dawn (the `webgpu` package's dawn.node) drives the desktop's own
// GPU driver (Vulkan on Linux, D3D12 on Windows, Metal on macOS), so a trader's GPU trains
// without CUDA. Both packages are optionalDependencies and are imported by a non-literal
// specifier, like the native tfjs backends. A software (CPU) adapter such as SwiftShader or
// lavapipe is never picked silently: it is slower than wasm, so it is refused unless the user
// (or a test) opts in with WORKSTATION_ALLOW_SOFTWARE_GPU=1.
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';

/** Set to 1 to let webgpu run on a software (CPU) adapter: for tests and CI, or by choice. */
export const ALLOW_SOFTWARE_GPU_ENV = 'WORKSTATION_ALLOW_SOFTWARE_GPU';

const DAWN_PACKAGE = 'webgpu';
const TFJS_WEBGPU_PACKAGE = '@tensorflow/tfjs-backend-webgpu';

/** The adapter that webgpu runs on, as the Training view shows it. */
export interface GpuAdapterSummary {
  /** The driver's own description, else vendor and architecture. */
  readonly name: string;
  /** A CPU implementation of the GPU API (adapter info's isFallbackAdapter). */
  readonly software: boolean;
}

// The slice of the WebGPU API used here. The worker's tsconfig has no DOM or @webgpu/types, and
// these objects come from an optional native module, so they are checked at run time.
interface GpuAdapterInfo {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly description?: string;
  readonly isFallbackAdapter?: boolean;
}
export interface GpuAdapter {
  readonly info: GpuAdapterInfo;
  readonly isFallbackAdapter?: boolean;
  readonly features: { has(name: string): boolean };
  readonly limits: Readonly<Record<string, number>>;
  requestDevice(descriptor: object): Promise<object>;
}
interface Gpu {
  requestAdapter(options: { powerPreference: 'high-performance' }): Promise<GpuAdapter | null>;
}
interface DawnModule {
  create(flags: string[]): Gpu;
  readonly globals: Readonly<Record<string, unknown>>;
}
type WebgpuBackendClass = new (device: object, info: GpuAdapterInfo) => tf.KernelBackend;

function isDawnModule(value: unknown): value is DawnModule {
  if (typeof value !== 'object' || value === null) return false;
  return 'create' in value && typeof value.create === 'function' && 'globals' in value;
}

function backendClassOf(value: unknown): WebgpuBackendClass | null {
  if (typeof value !== 'object' || value === null || !('WebGPUBackend' in value)) return null;
  const backend = value.WebGPUBackend;
  // A type guard on a class constructor: it can only be checked to be a function.
  return typeof backend === 'function' ? (backend as WebgpuBackendClass) : null;
}

function isModuleNotFound(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  return error.code === 'ERR_MODULE_NOT_FOUND' || error.code === 'MODULE_NOT_FOUND';
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

async function importOptional(specifier: string, what: string): Promise<unknown> {
  try {
    return (await import(specifier)) as unknown;
  } catch (error) {
    throw new Error(
      isModuleNotFound(error)
        ? `${specifier} is not installed (optional dependency)`
        : `${specifier} failed to load ${what}: ${firstLine(error)}`,
      { cause: error },
    );
  }
}

/** How the Training view names the adapter, and whether it is a CPU posing as a GPU. */
export function summarize(adapter: GpuAdapter): GpuAdapterSummary {
  const info = adapter.info;
  const named = [info.vendor, info.architecture].filter((part) => part !== undefined && part !== '');
  const name = info.description !== undefined && info.description !== '' ? info.description : named.join(' ');
  return {
    name: name === '' ? 'unnamed adapter' : name,
    software: info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false,
  };
}

/**
 * tfjs's webgpu backend needs `navigator.gpu` (its constructor checks it) and the WebGPU
 * constants (GPUBufferUsage ...) as globals, as in a browser. Node 21+ has a `navigator`
 * without `gpu`; Node 20 has none.
 */
function installGlobals(dawn: DawnModule, gpu: Gpu): void {
  for (const [name, value] of Object.entries(dawn.globals))
    if (!(name in globalThis))
      Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  const host: object =
    'navigator' in globalThis && typeof globalThis.navigator === 'object' ? globalThis.navigator : {};
  Object.defineProperty(host, 'gpu', { value: gpu, configurable: true });
  if (!('navigator' in globalThis))
    Object.defineProperty(globalThis, 'navigator', { value: host, configurable: true });
}

/**
 * tfjs reads webgpu tensors synchronously through an OffscreenCanvas, which Node lacks, and
 * fails with "OffscreenCanvas is not defined". Values already copied to the CPU (by an
 * asynchronous read) are still returned; anything else fails with a message that says why.
 */
function guardSyncReads(backend: tf.KernelBackend): void {
  const readSync = backend.readSync.bind(backend);
  backend.readSync = (dataId: object) => {
    try {
      return readSync(dataId);
    } catch (error) {
      if (error instanceof ReferenceError && /OffscreenCanvas/.test(error.message))
        throw new Error(
          'webgpu in Node reads GPU memory only asynchronously (data(), not dataSync()): ' +
            'move the tensors to a CPU backend first (settleOnCpu)',
          { cause: error },
        );
      throw error;
    }
  };
}

interface LoadedWebgpu {
  readonly adapter: GpuAdapterSummary;
  readonly version: string;
}

let loading: Promise<{ adapter: GpuAdapter; backend: WebgpuBackendClass; version: string }> | null = null;
let registered: LoadedWebgpu | null = null;

async function findAdapter(): Promise<{ adapter: GpuAdapter; backend: WebgpuBackendClass; version: string }> {
  const dawn = await importOptional(DAWN_PACKAGE, 'dawn.node');
  if (!isDawnModule(dawn)) throw new Error(`${DAWN_PACKAGE} does not export create() and globals`);
  // Imported before navigator.gpu exists, so the package does not register a factory of its own
  // that would request an adapter again without the software check below.
  const tfjsWebgpu = await importOptional(TFJS_WEBGPU_PACKAGE, 'the tfjs webgpu kernels');
  const backend = backendClassOf(tfjsWebgpu);
  if (backend === null) throw new Error(`${TFJS_WEBGPU_PACKAGE} does not export WebGPUBackend`);
  const gpu = dawn.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null)
    throw new Error(
      'no WebGPU adapter: Dawn found no GPU driver it can use (Vulkan, D3D12 or Metal); ' +
        'on Linux install the GPU vendor Vulkan driver and libvulkan1',
    );
  installGlobals(dawn, gpu);
  const require = createRequire(import.meta.url);
  const manifest: unknown = require(`${TFJS_WEBGPU_PACKAGE}/package.json`);
  const version =
    typeof manifest === 'object' &&
    manifest !== null &&
    'version' in manifest &&
    typeof manifest.version === 'string'
      ? manifest.version
      : tf.version_core;
  return { adapter, backend, version };
}

/** The device limits tfjs's own webgpu factory asks for: the adapter's, not WebGPU's defaults. */
const REQUIRED_LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
] as const;

/**
 * Registers tfjs's 'webgpu' backend on the best adapter Dawn finds and makes it active.
 * Rejects, naming the reason, when the packages or a driver are missing, or when the only
 * adapter is a software one and `allowSoftware` is false.
 */
export async function activateWebgpu(allowSoftware: boolean): Promise<LoadedWebgpu> {
  loading ??= findAdapter();
  const found = await loading.catch((error: unknown) => {
    loading = null; // a later call may find a driver installed meanwhile
    throw error;
  });
  const adapter = summarize(found.adapter);
  if (adapter.software && !allowSoftware)
    throw new Error(
      `the only WebGPU adapter is a software one (${adapter.name}), slower than wasm; ` +
        `set ${ALLOW_SOFTWARE_GPU_ENV}=1 to use it anyway`,
    );
  if (registered === null) {
    const limits: Record<string, number> = {};
    for (const name of REQUIRED_LIMITS) {
      const value = found.adapter.limits[name];
      if (value !== undefined) limits[name] = value;
    }
    const device = await found.adapter.requestDevice({
      requiredFeatures: found.adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
      requiredLimits: limits,
    });
    const backend = new found.backend(device, found.adapter.info);
    guardSyncReads(backend);
    tf.registerBackend('webgpu', () => backend, 3);
    registered = { adapter, version: found.version };
  }
  const ok = await tf.setBackend('webgpu');
  if (!ok) throw new Error("tf.setBackend('webgpu') failed");
  await tf.ready();
  return registered;
}
