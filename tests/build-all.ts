import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

/** vitest globalSetup: the e2e tests run the built host and renderer, so build everything. */
export function setup(): void {
  execFileSync(process.execPath, ['main/scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
}
