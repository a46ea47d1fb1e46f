import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly better: 'higher' | 'lower';
}

export interface BenchmarkReport {
  readonly benchmark: string;
  readonly at: string;
  readonly machine: { readonly cpus: number; readonly node: string; readonly backend: string };
  readonly figures: readonly Figure[];
}

export interface Benchmark {
  readonly name: string;
  readonly summary: string;
  run(): Promise<Figure[]>;
}

/** Writes `bench/results/<name>.json` in the format of DESIGN.md and returns the report. */
export function writeReport(
  root: string,
  benchmark: string,
  figures: readonly Figure[],
  backend = 'none',
): BenchmarkReport {
  const report: BenchmarkReport = {
    benchmark,
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version, backend },
    figures,
  };
  const folder = path.join(root, 'bench', 'results');
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, `${benchmark}.json`), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

/** Median of a few repeated runs: absolute times on shared machines are noisy. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? NaN)
    : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}
