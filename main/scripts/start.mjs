// npm start: the Electron window where the Electron binary is installed, otherwise one line
// saying so and the same workstation served in the browser by the headless host.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const require = createRequire(path.join(root, 'package.json'));
const passThrough = process.argv.slice(2);

function electronBinary() {
  try {
    // electron's index.js returns the binary's path, and throws when it was never downloaded.
    return require('electron');
  } catch {
    return null;
  }
}

function step(args) {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

step(['main/scripts/build.mjs']);
const binary = electronBinary();
let child;
if (binary === null) {
  console.log(
    'Electron binary not installed (it could not be downloaded); serving the workstation in your browser instead:',
  );
  child = spawn(process.execPath, ['dist/main/serve.js', ...passThrough], { cwd: root, stdio: 'inherit' });
} else {
  step(['main/scripts/native.mjs', 'electron']);
  child = spawn(binary, ['.', ...passThrough], { cwd: root, stdio: 'inherit' });
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
