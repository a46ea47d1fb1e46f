import { describe, expect, it } from 'vitest';
import { createRng } from '../../../../shared/market/rng.js';
import {
  ModelFormatError,
  modelParamsSchema,
  type ModelParamsOf,
  type TrainedModel,
} from '../../../../shared/models/model.js';
import {
  loadStackingModel,
  trainStacking,
  type BaseLearner,
  type StackingTrainingSet,
} from '../../../../shared/models/stacking.js';
import type { TreeTrainingSet } from '../../../../shared/models/trees/training-set.js';
import { accuracyOf } from './trees/builders.js';

const params = (overrides: Partial<ModelParamsOf<'stacking'>> = {}): ModelParamsOf<'stacking'> =>
  modelParamsSchema.parse({ kind: 'stacking', ...overrides }) as ModelParamsOf<'stacking'>;

const HORIZON = 3;

/** Column 0 is the row id; label windows reach HORIZON rows ahead. */
function dataset(rows: number, seed: number, noise: number): StackingTrainingSet {
  const rng = createRng(seed);
  const width = 4;
  const x = new Float64Array(rows * width);
  const y = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    x[r * width] = r;
    for (let c = 1; c < width; c++) x[r * width + c] = rng.next() * 2 - 1;
    const score = (x[r * width + 1] ?? 0) + 0.5 * (x[r * width + 2] ?? 0) + noise * rng.normal();
    y[r] = score > 0.3 ? 2 : score < -0.3 ? 0 : 1;
  }
  const ts = Float64Array.from({ length: rows }, (_, i) => i * 1000);
  const labelEnd = Float64Array.from(ts, (t) => Math.min((rows - 1) * 1000, t + HORIZON * 1000));
  return { x, y, rows, columns: ['id', 'a', 'b', 'c'], classes: 3, ts, labelEnd };
}

/**
 * A base learner that remembers the row ids it trained on and predicts, for each row, class 2
 * with probability 1 if that row or a row whose label window overlaps it was in its training
 * set (an in-fold or leaky prediction), else class 0.
 */
function spyLearner(fits: Set<number>[]): BaseLearner {
  return {
    name: 'spy',
    fit(train: TreeTrainingSet): TrainedModel {
      const seen = new Set<number>();
      for (let r = 0; r < train.rows; r++) seen.add(train.x[r * 4] ?? -1);
      fits.push(seen);
      return {
        kind: 'gbdt',
        columns: train.columns,
        window: 1,
        outputs: 3,
        predict(x, rows, out = new Float64Array(rows * 3)) {
          for (let r = 0; r < rows; r++) {
            const id = x[r * 4] ?? 0;
            let leaky = false;
            for (let d = -HORIZON; d <= HORIZON; d++) leaky ||= seen.has(id + d);
            out.set(leaky ? [0, 0, 1] : [1, 0, 0], r * 3);
          }
          return out;
        },
        save: () => Promise.reject(new Error('spy')),
        dispose: () => undefined,
      };
    },
  };
}

describe('stacking ensemble', () => {
  it('trains the meta-learner on out-of-fold predictions only, then refits on all rows', () => {
    const train = dataset(200, 1, 0.2);
    const fits: Set<number>[] = [];
    const seen: { features: Float64Array | null } = { features: null };
    trainStacking(train, null, params({ folds: 4 }), {}, [spyLearner(fits)], {
      onMetaFeatures: (features, rows, width) => {
        expect([rows, width]).toEqual([200, 3]);
        seen.features = features;
      },
    });
    const features = seen.features ?? new Float64Array(0);
    expect(features).toHaveLength(600);
    // Every row's meta features say "not seen, not overlapping": class 0 probability 1.
    for (let r = 0; r < 200; r++) expect([features[r * 3], features[r * 3 + 2]]).toEqual([1, 0]);
    // Four fold fits, then one on every row.
    expect(fits).toHaveLength(5);
    expect(fits[4]?.size).toBe(200);
  });

  it('does at least as well as the worse base learner out of sample, and stores nested artifacts', async () => {
    const train = dataset(1000, 2, 0.25);
    const test = dataset(1000, 3, 0.25);
    const progress: number[] = [];
    const model = trainStacking(train, test, params({ folds: 4 }), {
      onProgress: (p) => progress.push(p.step),
    });
    expect(progress).toEqual([1, 2, 3, 4, 5]);
    const stacked = accuracyOf(model.predict(test.x, test.rows), test.y, 3);
    const bases = model.bases.map(({ model: base }) =>
      accuracyOf(base.predict(test.x, test.rows), test.y, 3),
    );
    expect(bases).toHaveLength(2);
    expect(stacked).toBeGreaterThanOrEqual(Math.min(...bases));
    expect(stacked).toBeGreaterThan(0.75);

    const spread = model.uncertainty(test.x, 5, 2);
    expect(spread.every((s) => s >= 0 && s <= 0.5)).toBe(true);
    const artifact = await model.save();
    const loaded = loadStackingModel(artifact);
    expect(Array.from(loaded.predict(test.x, test.rows))).toEqual(
      Array.from(model.predict(test.x, test.rows)),
    );
    expect(Array.from(loaded.uncertainty(test.x, 5, 2))).toEqual(Array.from(spread));
    if (artifact.format !== 'json') throw new Error('expected json');
    const doc = JSON.parse(artifact.json) as { bases: { json: string }[] };
    const first = doc.bases[0];
    if (first === undefined) throw new Error('no base');
    first.json = first.json.replace('"trees":[', '"trees":"');
    expect(() => loadStackingModel({ ...artifact, json: JSON.stringify(doc) })).toThrow(ModelFormatError);
    expect(() => loadStackingModel({ ...artifact, json: JSON.stringify(doc) })).toThrow(
      /base learner 0 \(gbdt\)/,
    );
  }, 60_000);

  it('refuses a regression target', () => {
    const train = { ...dataset(50, 4, 0), classes: 0 };
    expect(() => trainStacking(train, null, params())).toThrow(/2 or 3 classes/);
  });
});
