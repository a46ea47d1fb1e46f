import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheFileOf, requireWithCodeCache } from '../../../../main/cli/code-cache.js';

/** A CommonJS bundle as esbuild writes one: exports, require and __dirname in use. */
const BUNDLE = `
const path = require('node:path');
function total(values) {
  let sum = 0;
  for (const value of values) sum += value;
  return sum;
}
module.exports.cli = { total, folder: path.basename(__dirname), url: __filename.endsWith('.cjs') };
`;

describe('CLI command groups loaded with a code cache', () => {
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tw-code-cache-'));
    file = path.join(dir, 'group.cjs');
    writeFileSync(file, BUNDLE);
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function cli(module: { exports: unknown }): {
    total(values: number[]): number;
    folder: string;
    url: boolean;
  } {
    return (module.exports as { cli: { total(values: number[]): number; folder: string; url: boolean } }).cli;
  }

  it('runs the bundle as CommonJS, stores the cache of one command after it, and takes it on the next load', () => {
    const first = requireWithCodeCache(file, 'backtest');
    expect(first.fromCache).toBe(false);
    expect(cli(first).total([1, 2, 3.5])).toBe(6.5);
    expect([cli(first).folder, cli(first).url]).toEqual([path.basename(dir), true]);
    expect(existsSync(cacheFileOf(file, 'backtest'))).toBe(false);

    first.saveCache();
    expect(readdirSync(dir).sort()).toEqual(['group.cjs', 'group.cjs.backtest.code-cache']);

    const second = requireWithCodeCache(file, 'backtest');
    expect(second.fromCache).toBe(true);
    expect(cli(second).total([4, 5])).toBe(9);
    // Another command has a cache of its own.
    expect(requireWithCodeCache(file, 'runs').fromCache).toBe(false);
  });

  it('compiles from source when the bundle changed since its cache was stored, and stores a new one', () => {
    requireWithCodeCache(file, 'backtest').saveCache();
    writeFileSync(file, BUNDLE.replace('sum += value', 'sum += 2 * value'));

    const changed = requireWithCodeCache(file, 'backtest');
    expect(changed.fromCache).toBe(false);
    expect(cli(changed).total([1, 2])).toBe(6);
    changed.saveCache();
    expect(requireWithCodeCache(file, 'backtest').fromCache).toBe(true);
  });

  it('runs without a cache where none can be read or written (a folder in its place)', () => {
    mkdirSync(cacheFileOf(file, 'backtest'));
    const module = requireWithCodeCache(file, 'backtest');
    expect(module.fromCache).toBe(false);
    expect(cli(module).total([2, 2])).toBe(4);
    expect(() => {
      module.saveCache();
    }).not.toThrow();
    expect(readdirSync(dir).sort()).toEqual(['group.cjs', 'group.cjs.backtest.code-cache']);
  });

  it('names the cache after a command in characters a file name takes', () => {
    expect(path.basename(cacheFileOf(file, 'walk-forward'))).toBe('group.cjs.walk-forward.code-cache');
    expect(path.basename(cacheFileOf(file, '../x'))).toBe('group.cjs.___x.code-cache');
  });
});
