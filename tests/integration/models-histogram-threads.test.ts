import { availableParallelism } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { modelParamsSchema, type ModelParamsOf } from '../../shared/models/model.js';
import { trainGbdt } from '../../shared/models/trees/gbdt.js';
import { SerialHistograms } from '../../shared/models/trees/histogram.js';
import { probeBackend } from '../../main/models/training-runner.js';
import { ThreadedHistograms } from '../../worker/models/histogram-threads.js';
import { linear3, ruleSet } from '../unit/shared/models/trees/builders.js';

const entry = pathToFileURL(path.resolve(import.meta.dirname, '../../dist/worker/tree-histograms.js'));

/** Every tree as plain numbers: split features, thresholds, missing sides and leaf values. */
async function treesOf(model: ReturnType<typeof trainGbdt>): Promise<string> {
  const artifact = await model.save();
  if (artifact.format !== 'json') throw new Error(`a GBDT saved as ${artifact.format}`);
  return artifact.json;
}

describe('histogram threads', () => {
  const threaded = new ThreadedHistograms(1, entry);
  afterAll(() => threaded.close());

  it('grow bit-identical GBDT trees to the single-threaded build', async () => {
    // 20k rows: the root is 5 blocks of 4096 rows, so every helper builds blocks of real nodes.
    const data = ruleSet(20_000, 7, linear3, 3, 6);
    const params = modelParamsSchema.parse({
      kind: 'gbdt',
      trees: 8,
      depth: 5,
      rowSample: 0.8,
      colSample: 0.75,
      patience: 0,
    }) as ModelParamsOf<'gbdt'>;
    const serial = trainGbdt(data, null, params, { histograms: new SerialHistograms() });
    const parallel = trainGbdt(data, null, params, { histograms: threaded });
    expect(threaded.threads).toBe(2);
    expect(await treesOf(parallel)).toBe(await treesOf(serial));
    const rows = 200;
    const a = new Float64Array(rows * 3);
    const b = new Float64Array(rows * 3);
    serial.predict(data.x.subarray(0, rows * data.columns.length), rows, a);
    parallel.predict(data.x.subarray(0, rows * data.columns.length), rows, b);
    expect(Array.from(b)).toEqual(Array.from(a));
    // The model learned the rule, so the trees compared are not trivial.
    let hits = 0;
    for (let r = 0; r < rows; r++) {
      const p = a.subarray(r * 3, r * 3 + 3);
      const best = p.indexOf(Math.max(...p));
      if (best === data.y[r]) hits++;
    }
    expect(hits / rows).toBeGreaterThan(0.85);
  });

  it('refuses arrays it did not hand out, naming them', () => {
    const job = {
      binned: new Uint8Array(200),
      width: 2,
      values: threaded.floats(200),
      channels: 2,
      sample: threaded.ints(100),
      start: 0,
      end: 100,
      features: Int32Array.of(0, 1),
      binStride: 9,
    };
    expect(() => {
      threaded.build(job, new Float64Array(18));
    }).toThrow(/binned rows are not in memory/);
  });

  it('says which helper failed to start instead of waiting for it forever', async () => {
    const missing = pathToFileURL(path.resolve(import.meta.dirname, '../../dist/worker/no-such-helper.js'));
    const broken = new ThreadedHistograms(1, missing, 500);
    try {
      const data = ruleSet(10_000, 3, linear3, 3);
      const params = modelParamsSchema.parse({
        kind: 'gbdt',
        trees: 1,
        patience: 0,
      }) as ModelParamsOf<'gbdt'>;
      expect(() => trainGbdt(data, null, params, { histograms: broken })).toThrow(
        /helpers \(.*no-such-helper\.js\) did not start within 0\.5 s/,
      );
    } finally {
      await broken.close();
    }
  });

  it('are reported by the training worker: one per core', async () => {
    const training = pathToFileURL(path.resolve(import.meta.dirname, '../../dist/worker/training.js'));
    const info = await probeBackend(training);
    expect(info.treeThreads).toBe(availableParallelism());
  });
});
