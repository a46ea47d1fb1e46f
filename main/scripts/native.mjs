// Native pieces that npm's install cannot get right on its own.
//   node main/scripts/native.mjs node      (postinstall) check better-sqlite3 loads under Node,
//                                          and fetch the Electron binary where it can be fetched
//   node main/scripts/native.mjs electron  build better-sqlite3 for Electron's ABI into
//                                          native/electron/, kept apart from the Node build
//                                          that tests use (better-sqlite3's nativeBinding option)
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const require = createRequire(path.join(root, 'package.json'));
const mode = process.argv[2];

function run(command, args, options = {}) {
  return spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
}

function electronVersion() {
  return JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
}

export function electronBindingPath(version = electronVersion()) {
  return path.join(root, 'native', 'electron', version, 'better_sqlite3.node');
}

if (mode === 'node') {
  const probe = run(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], {
    stdio: 'ignore',
  });
  if (probe.status !== 0) {
    console.log('native: better-sqlite3 does not load under this Node; rebuilding it from source');
    const rebuilt = run('npm', ['rebuild', 'better-sqlite3', '--foreground-scripts']);
    if (rebuilt.status !== 0) process.exit(rebuilt.status ?? 1);
  }
  // Electron's own postinstall is not allowed to run (package.json allowScripts): offline it
  // fails the whole install. Here its download is tried, and a failure is one line, not an error.
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) process.exit(0);
  const fetched = run(process.execPath, [require.resolve('electron/install.js')], {
    stdio: 'pipe',
    timeout: 120_000,
  });
  console.log(
    fetched.status === 0
      ? 'native: Electron binary ready; npm start opens the window'
      : 'native: the Electron binary could not be downloaded; npm start will serve the workstation in your browser',
  );
} else if (mode === 'electron') {
  const version = electronVersion();
  const target = electronBindingPath(version);
  if (existsSync(target)) process.exit(0);
  // Build in a copy so the Node build in node_modules (used by tests and the CLI) stays intact.
  const work = mkdtempSync(path.join(tmpdir(), 'sqlite-electron-'));
  try {
    cpSync(path.dirname(require.resolve('better-sqlite3/package.json')), work, { recursive: true });
    rmSync(path.join(work, 'build'), { recursive: true, force: true });
    const gyp = require.resolve('node-gyp/bin/node-gyp.js');
    const built = run(
      process.execPath,
      [
        gyp,
        'rebuild',
        '--release',
        `--target=${version}`,
        '--dist-url=https://electronjs.org/headers',
        '--runtime=electron',
      ],
      { cwd: work },
    );
    if (built.status !== 0) {
      console.error(
        `native: could not build better-sqlite3 for Electron ${version} (headers need the network once)`,
      );
      process.exit(built.status ?? 1);
    }
    mkdirSync(path.dirname(target), { recursive: true });
    cpSync(path.join(work, 'build', 'Release', 'better_sqlite3.node'), target);
    console.log(`native: better-sqlite3 for Electron ${version} -> ${path.relative(root, target)}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
} else {
  console.error('usage: node main/scripts/native.mjs node|electron');
  process.exit(2);
}
