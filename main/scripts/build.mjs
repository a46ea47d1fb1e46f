// Builds what Node and Electron run: main, the workers and the benchmarks with esbuild,
// the renderer with Vite. Usage: node main/scripts/build.mjs [--main-only]
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '../..');
const mainOnly = process.argv.includes('--main-only');
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  // Dependencies load from node_modules at run time: native modules (better-sqlite3)
  // cannot be bundled, and keeping them all external keeps the build a second long.
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  define: { WORKSTATION_VERSION: JSON.stringify(version) },
};

/**
 * Every package stays external except zod, which the CLI bundles carry inside them: zod loads
 * as about a hundred ES modules, and resolving them was a tenth of a second of every CLI
 * command (a whole-process backtest is timed: `cli_backtest_45k_s`, tests/bench/backtest.ts).
 */
const zodInside = {
  name: 'zod-inside',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path === 'zod' || args.path.startsWith('zod/') ? undefined : { path: args.path, external: true },
    );
  },
};

await rm(path.join(root, 'dist/main'), { recursive: true, force: true });
await Promise.all([
  build({
    ...common,
    format: 'esm',
    outdir: 'dist',
    outbase: '.',
    entryPoints: [
      'main/serve.ts',
      'main/electron/main.ts',
      'worker/features.ts',
      'worker/training.ts',
      'worker/tree-histograms.ts',
      'main/features/matrix-worker.ts',
      'main/backtests/backtest-worker.ts',
      'main/history/history-worker.ts',
      'tests/bench/run.ts',
      'tests/exchange-sim/serve.ts',
      'tests/tools/screenshots.ts',
    ],
  }),
  build({
    ...common,
    packages: undefined,
    plugins: [zodInside],
    format: 'esm',
    outdir: 'dist',
    outbase: '.',
    entryPoints: ['main/cli.ts'],
  }),
  // The CLI's command groups, loaded on demand by main/cli.ts. CommonJS, because Node 20 keeps
  // V8's code cache for scripts only (main/cli/code-cache.ts); `import.meta.url` is the file's.
  build({
    ...common,
    packages: undefined,
    plugins: [zodInside],
    format: 'cjs',
    outdir: 'dist',
    outbase: '.',
    outExtension: { '.js': '.cjs' },
    // `import()` becomes `require()`: a script compiled by vm.Script could only import through
    // an experimental loader hook (esbuild, imported for user strategies, is CommonJS too).
    supported: { 'dynamic-import': false },
    define: { ...common.define, 'import.meta.url': '__cliModuleUrl' },
    banner: { js: 'const __cliModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
    entryPoints: [
      'main/cli/workspace-commands.ts',
      'main/cli/workspace-usage.ts',
      'main/cli/research-commands.ts',
      'main/cli/model-commands.ts',
    ],
  }),
  // Sandboxed preloads cannot be ES modules.
  build({
    ...common,
    format: 'cjs',
    entryPoints: ['main/electron/preload.ts'],
    outfile: 'dist/main/electron/preload.cjs',
  }),
]);

if (!mainOnly) {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: path.join(root, 'renderer/vite.config.ts'), logLevel: 'warn' });
}
