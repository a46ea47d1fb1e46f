import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

/** vitest globalSetup: the integration tests run the built worker, so build main and workers. */
export function setup(): void {
  execFileSync(process.execPath, ['main/scripts/build.mjs', '--main-only'], { cwd: root, stdio: 'inherit' });
}
