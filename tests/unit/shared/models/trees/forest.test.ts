import { describe, expect, it } from 'vitest';
import { modelParamsSchema, type ModelParamsOf } from '../../../../../shared/models/model.js';
import { loadTreeModel } from '../../../../../shared/models/trees/artifact.js';
import {
  featuresPerSplit,
  ForestModel,
  trainRandomForest,
} from '../../../../../shared/models/trees/forest.js';
import { accuracyOf, linear3, ruleSet, xor } from './builders.js';

const params = (overrides: Partial<ModelParamsOf<'random-forest'>> = {}): ModelParamsOf<'random-forest'> =>
  modelParamsSchema.parse({ kind: 'random-forest', ...overrides }) as ModelParamsOf<'random-forest'>;

describe('random forest', () => {
  it('learns XOR and a linear three-class rule', () => {
    const xorModel = trainRandomForest(ruleSet(2000, 1, xor, 2), null, params({ trees: 30, colSample: 1 }));
    const xorTest = ruleSet(1000, 2, xor, 2);
    expect(accuracyOf(xorModel.predict(xorTest.x, xorTest.rows), xorTest.y, 2)).toBeGreaterThan(0.95);
    const model = trainRandomForest(ruleSet(3000, 3, linear3, 3, 2), null, params({ trees: 40 }));
    const test = ruleSet(1000, 4, linear3, 3, 2);
    expect(accuracyOf(model.predict(test.x, test.rows), test.y, 3)).toBeGreaterThan(0.9);
  });

  it('averages the leaf class shares of its trees', () => {
    const train = ruleSet(500, 5, linear3, 3);
    const model = trainRandomForest(train, null, params({ trees: 7, depth: 3 }));
    const row = Float64Array.of(0.1, 0.2);
    const mean = new Float64Array(3);
    for (const tree of model.state.trees) {
      const single = new ForestModel({ ...model.state, trees: [tree] }).predict(row, 1);
      for (let k = 0; k < 3; k++) mean[k] = (mean[k] ?? 0) + (single[k] ?? 0) / 7;
    }
    const probs = model.predict(row, 1);
    for (let k = 0; k < 3; k++) expect(probs[k]).toBeCloseTo(mean[k] ?? 0, 14);
    expect((probs[0] ?? 0) + (probs[1] ?? 0) + (probs[2] ?? 0)).toBeCloseTo(1, 14);
  });

  it('reports the spread of its trees as uncertainty: wide near the boundary, none far from it', () => {
    const model = trainRandomForest(ruleSet(2000, 6, xor, 2), null, params({ trees: 50, colSample: 1 }));
    const spread = model.uncertainty(Float64Array.of(0.9, 0.9, 0.001, -0.001), 2, 50);
    expect(spread[0]).toBeLessThan(0.05);
    expect(spread[1]).toBeGreaterThan(0.1);
    // One member has no spread.
    expect(model.uncertainty(Float64Array.of(0.001, -0.001), 1, 1)[0]).toBe(0);
  });

  it('draws sqrt(F) features per split unless told', () => {
    expect(featuresPerSplit(30, null)).toBe(5);
    expect(featuresPerSplit(30, 0.5)).toBe(15);
    expect(featuresPerSplit(2, 0.01)).toBe(1);
  });

  it('fits a regression target by variance reduction', () => {
    const model = trainRandomForest(
      ruleSet(3000, 7, (a) => 3 * a, 0),
      null,
      params({ trees: 30, colSample: 1 }),
    );
    expect(model.outputs).toBe(1);
    expect(model.predict(Float64Array.of(0.5, 0), 1)[0]).toBeCloseTo(1.5, 0);
  });

  it('predicts identically after save and load and keeps its uncertainty', async () => {
    const train = ruleSet(800, 8, linear3, 3, 3);
    const model = trainRandomForest(train, null, params({ trees: 12 }));
    const loaded = loadTreeModel(await model.save());
    expect(loaded).toBeInstanceOf(ForestModel);
    if (!(loaded instanceof ForestModel)) return;
    expect(Array.from(loaded.predict(train.x, train.rows))).toEqual(
      Array.from(model.predict(train.x, train.rows)),
    );
    expect(Array.from(loaded.uncertainty(train.x, 50, 12))).toEqual(
      Array.from(model.uncertainty(train.x, 50, 12)),
    );
  });

  it('reports validation loss per tree', () => {
    const losses: number[] = [];
    trainRandomForest(ruleSet(800, 9, linear3, 3), ruleSet(400, 10, linear3, 3), params({ trees: 10 }), {
      onProgress: (p) => losses.push(p.validLoss),
    });
    expect(losses).toHaveLength(10);
    expect(losses[9]).toBeLessThan(losses[0] ?? 0);
  });
});
