// npm run bench [-- <name> ...]: runs the named benchmarks (all by default) and writes
// bench/results/<name>.json for each.
import path from 'node:path';
import { backtestBenchmark } from './backtest.js';
import { demoBenchmark } from './demo.js';
import { featuresBenchmark } from './features.js';
import { modelsBenchmark } from './models.js';
import { recordBenchmark } from './record.js';
import { tradingBenchmark } from './trading.js';
import { writeReport, type Benchmark } from './report.js';

const root = path.resolve(import.meta.dirname, '../../..');
const benchmarks: readonly Benchmark[] = [
  demoBenchmark(root),
  recordBenchmark(root),
  backtestBenchmark(),
  featuresBenchmark(root),
  modelsBenchmark(),
  tradingBenchmark(),
];

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
  const unknown = wanted.filter((name) => !benchmarks.some((b) => b.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `unknown benchmark ${unknown.join(', ')}; known: ${benchmarks.map((b) => b.name).join(', ')}`,
    );
  }
  for (const benchmark of benchmarks) {
    if (wanted.length > 0 && !wanted.includes(benchmark.name)) continue;
    process.stdout.write(`bench ${benchmark.name}: ${benchmark.summary}\n`);
    const figures = await benchmark.run();
    writeReport(root, benchmark.name, figures);
    for (const figure of figures) {
      const value = Math.abs(figure.value) >= 100 ? figure.value.toFixed(0) : figure.value.toPrecision(4);
      process.stdout.write(`  ${figure.name.padEnd(34)} ${value.padStart(14)} ${figure.unit}\n`);
    }
    process.stdout.write(`  -> bench/results/${benchmark.name}.json\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
