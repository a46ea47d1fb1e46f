// Chooses the TensorFlow.js backend a worker trains and predicts on, best first: CUDA through
// tfjs-node-gpu, any desktop GPU through WebGPU (Dawn), native libtensorflow through tfjs-node,
// WebAssembly, plain JavaScript. The native packages are optionalDependencies whose install
// downloads libtensorflow or Dawn, so any may be missing or fail to load; every backend passed
// over is recorded with the reason, because the UI shows it and every model stores the backend
// it was trained on.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { BACKEND_NAMES, type BackendInfo } from '../../shared/api/domains/models.js';
import { activateWebgpu, ALLOW_SOFTWARE_GPU_ENV } from './webgpu-backend.js';

export type BackendName = (typeof BACKEND_NAMES)[number];
export type { BackendInfo };

export interface SelectBackendOptions {
  /** Backends to try, in order (default: all, best first). */
  readonly prefer?: readonly BackendName[];
  readonly log?: (message: string) => void;
  /** Folder holding the .wasm binaries (default: the installed package's dist folder). */
  readonly wasmFolder?: string;
  /**
   * Whether webgpu may run on a software (CPU) adapter (default: the environment variable
   * WORKSTATION_ALLOW_SOFTWARE_GPU is 1). Off, such an adapter is skipped with that reason.
   */
  readonly allowSoftwareGpu?: boolean;
}

/** The npm packages of the native backends; both register themselves as 'tensorflow'. */
const NATIVE_PACKAGES = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
} as const;

/** What the native packages export that is used here; imported by name at run time only. */
interface NativeTfjsModule {
  readonly version: Readonly<Record<string, string>>;
}

function isNativeTfjsModule(value: unknown): value is NativeTfjsModule {
  if (typeof value !== 'object' || value === null || !('version' in value)) return false;
  return typeof value.version === 'object' && value.version !== null;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message);
  return String(error);
}

function isModuleNotFound(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  return error.code === 'ERR_MODULE_NOT_FOUND' || error.code === 'MODULE_NOT_FOUND';
}

/**
 * The wasm package's dist folder, resolved from this module: under esbuild with packages
 * external the bundle sits in dist/worker and Node's resolution still finds node_modules.
 */
export function wasmDistFolder(): string {
  const require = createRequire(import.meta.url);
  return `${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}${path.sep}`;
}

async function activate(name: string): Promise<void> {
  // setBackend resolves to false (and tf warns) when the backend's factory fails.
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') failed`);
  await tf.ready();
}

async function tryNative(name: 'tensorflow-gpu' | 'tensorflow'): Promise<string> {
  const specifier: string = NATIVE_PACKAGES[name];
  let loaded: unknown;
  try {
    // A non-literal specifier: the package is optional, so neither tsc nor a bundler may
    // require it to exist; loading it links libtensorflow and registers 'tensorflow'.
    loaded = await import(specifier);
  } catch (error) {
    throw new Error(
      isModuleNotFound(error)
        ? `${specifier} is not installed (optional dependency)`
        : `${specifier} failed to load libtensorflow: ${describe(error)}`,
      { cause: error },
    );
  }
  if (!isNativeTfjsModule(loaded)) throw new Error(`${specifier} does not look like tfjs-node`);
  await activate('tensorflow');
  return loaded.version['tfjs-node'] ?? tf.version_core;
}

let wasmFolderUsed: string | null = null;

/** The binaries the wasm package picks from (plain, SIMD, SIMD + threads). */
const WASM_BINARIES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
];

async function tryWasm(folder: string): Promise<void> {
  // tf only says "Initialization of backend wasm failed"; name the missing file instead.
  const missing = WASM_BINARIES.filter((file) => !existsSync(path.join(folder, file)));
  if (missing.length > 0) throw new Error(`${missing.join(', ')} not found in ${folder}`);
  // The wasm module refuses a second path once it has started: keep the first one.
  if (wasmFolderUsed === null) {
    setWasmPaths(folder);
    wasmFolderUsed = folder;
  } else if (wasmFolderUsed !== folder) {
    throw new Error(`wasm was already set up from ${wasmFolderUsed}`);
  }
  await activate('wasm');
}

async function wasmFlag(flag: 'WASM_HAS_SIMD_SUPPORT' | 'WASM_HAS_MULTITHREAD_SUPPORT'): Promise<boolean> {
  return (await tf.env().getAsync(flag)) === true;
}

/**
 * Loads the best backend that works here and makes it tf's active backend. Rejects only when
 * none of the preferred ones loads (cpu always does unless excluded).
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendInfo> {
  const prefer = options.prefer ?? BACKEND_NAMES;
  const log = options.log ?? (() => undefined);
  const skipped: { name: BackendName; reason: string }[] = [];
  const loadOptions: LoadOptions = {
    wasmFolder: options.wasmFolder ?? wasmDistFolder(),
    allowSoftwareGpu: options.allowSoftwareGpu ?? process.env[ALLOW_SOFTWARE_GPU_ENV] === '1',
  };
  for (const name of prefer) {
    try {
      const info = await load(name, loadOptions, skipped);
      selected = { info, options: loadOptions };
      log(
        `tfjs backend: ${name} ${info.version}${skipped.length > 0 ? ` (skipped ${skipped.map((s) => s.name).join(', ')})` : ''}`,
      );
      return info;
    } catch (error) {
      const reason = describe(error);
      skipped.push({ name, reason });
      log(`tfjs backend ${name} skipped: ${reason}`);
    }
  }
  throw new Error(
    `no TensorFlow.js backend loaded: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`,
  );
}

interface LoadOptions {
  readonly wasmFolder: string;
  readonly allowSoftwareGpu: boolean;
}

/** What selectBackend chose last, to train on again after settleOnCpu moved predictions off it. */
let selected: { readonly info: BackendInfo; readonly options: LoadOptions } | null = null;

/**
 * The backends whose tensors can be read synchronously, best first: every backend but webgpu,
 * which in Node reads GPU memory asynchronously only. NetworkModel.predict reads synchronously,
 * and a single live prediction is faster on the CPU than a GPU round trip anyway.
 */
export const PREDICTION_BACKENDS: readonly BackendName[] = BACKEND_NAMES.filter((name) => name !== 'webgpu');

/** Before training: back onto the backend selectBackend chose, if settleOnCpu left it. */
export async function useTrainingBackend(): Promise<void> {
  if (selected === null || tf.getBackend() === selected.info.name) return;
  await load(selected.info.name, selected.options, selected.info.skipped);
}

/**
 * After training on webgpu: copies every variable (the network's weights) to the CPU with
 * asynchronous reads, then makes the best synchronous backend active, so the synchronous
 * predictions that follow run there and tf moves the weights over from the CPU copies. Does
 * nothing on the other backends.
 */
export async function settleOnCpu(): Promise<void> {
  if (selected === null || tf.getBackend() !== 'webgpu') return;
  await Promise.all(Object.values(tf.engine().registeredVariables).map((variable) => variable.data()));
  const reasons: string[] = [];
  for (const name of PREDICTION_BACKENDS) {
    try {
      await load(name, selected.options, []);
      return;
    } catch (error) {
      reasons.push(`${name}: ${describe(error)}`);
    }
  }
  throw new Error(`no backend to predict on after training on webgpu: ${reasons.join('; ')}`);
}

async function load(
  name: BackendName,
  { wasmFolder, allowSoftwareGpu }: LoadOptions,
  skipped: readonly { name: BackendName; reason: string }[],
): Promise<BackendInfo> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow': {
      const version = await tryNative(name);
      return { name, version, simd: null, threads: null, skipped: [...skipped] };
    }
    case 'webgpu': {
      const { adapter, version } = await activateWebgpu(allowSoftwareGpu);
      return { name, version, simd: null, threads: null, gpu: adapter, skipped: [...skipped] };
    }
    case 'wasm': {
      await tryWasm(wasmFolder);
      return {
        name,
        version: version_wasm,
        simd: await wasmFlag('WASM_HAS_SIMD_SUPPORT'),
        threads: await wasmFlag('WASM_HAS_MULTITHREAD_SUPPORT'),
        skipped: [...skipped],
      };
    }
    case 'cpu':
      await activate('cpu');
      return { name, version: tf.version_core, simd: null, threads: null, skipped: [...skipped] };
    default: {
      const unknown: never = name;
      throw new Error(`unknown backend ${String(unknown)}`);
    }
  }
}
