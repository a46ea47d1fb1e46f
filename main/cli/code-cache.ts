import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/**
 * A CLI command group (a CommonJS bundle of about a megabyte, main/scripts/build.mjs) loaded
 * with V8's code cache, as Node 22's module.enableCompileCache does for every module (Node 20
 * has no such switch, and its code cache API, vm.Script's cachedData, takes scripts, not ES
 * modules). Compiling the bundle, and then each function the first time it is called, was
 * about a sixth of a whole-process CLI backtest (`cli_backtest_45k_s`, tests/bench/backtest.ts);
 * the cache holds the bytecode of the top level and of every function the last command ran.
 *
 * One cache per command, beside the bundle (`<file>.<command>.code-cache`): what a backtest
 * runs is not what `runs` or a --help runs. It is written after a command that found none or
 * found one V8 refused (another Node, another build of the bundle, which the build also
 * removes with the rest of dist/main). A folder the CLI may not write (an installed App) only
 * means every command compiles from source, as without the cache.
 */
export interface CachedModule {
  readonly exports: unknown;
  /** True when V8 took the stored bytecode. */
  readonly fromCache: boolean;
  /** Stores the bytecode compiled so far, if the cache was missing or refused; never throws. */
  saveCache(): void;
}

function readCache(cacheFile: string): Buffer | undefined {
  try {
    return readFileSync(cacheFile);
  } catch {
    return undefined; // none yet, or unreadable: compiled from source
  }
}

export function cacheFileOf(file: string, command: string): string {
  return `${file}.${command.replace(/[^a-z0-9-]/gi, '_')}.code-cache`;
}

/** Loads `file` for `command` (which names its cache). */
export function requireWithCodeCache(file: string, command: string): CachedModule {
  const cacheFile = cacheFileOf(file, command);
  const source = readFileSync(file, 'utf8');
  const cachedData = readCache(cacheFile);
  // The wrapper Node's own CommonJS loader puts around a file, so the bundle runs unchanged.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(cachedData === undefined ? {} : { cachedData }),
    // `import()` inside the bundle (esbuild, loaded only for user strategies) resolves as
    // in any module of the main context.
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const fromCache = cachedData !== undefined && !script.cachedDataRejected;
  const module: { exports: unknown } = { exports: {} };
  const wrapper: unknown = script.runInThisContext();
  if (typeof wrapper !== 'function') throw new Error(`${file} did not compile to a module wrapper`);
  (wrapper as (...args: unknown[]) => void)(
    module.exports,
    createRequire(file),
    module,
    file,
    path.dirname(file),
  );
  return {
    get exports() {
      return module.exports;
    },
    fromCache,
    saveCache: () => {
      if (fromCache) return;
      // Written aside and renamed, so a command starting meanwhile reads a whole file or none.
      const partial = `${cacheFile}.${process.pid}.tmp`;
      try {
        writeFileSync(partial, script.createCachedData());
        renameSync(partial, cacheFile);
      } catch {
        // Best effort (see above): the next command compiles from source again.
        rmSync(partial, { force: true });
      }
    },
  };
}
