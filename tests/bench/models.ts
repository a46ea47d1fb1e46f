import { inferenceFigures, netFigures } from './models-nets.js';
import { treeFigures } from './models-trees.js';
import type { Benchmark } from './report.js';

/**
 * `npm run bench -- models`: tree models (GBDT fit on 100k x 30, single-row and batched
 * inference) and TensorFlow.js networks (LSTM epoch time on every backend that loads,
 * per-kind inference latency and batched throughput).
 */
export function modelsBenchmark(): Benchmark {
  return {
    name: 'models',
    summary: 'GBDT fit and inference; LSTM epoch per backend; network inference latency and throughput',
    // `npm run bench -- models --trees-only` skips the networks (minutes on wasm);
    // `--infer-only` measures only the networks' single-prediction latency on both paths.
    run: async () =>
      process.argv.includes('--infer-only')
        ? inferenceFigures()
        : [...(await treeFigures()), ...(process.argv.includes('--trees-only') ? [] : await netFigures())],
  };
}
