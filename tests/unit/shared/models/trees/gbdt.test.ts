import { describe, expect, it } from 'vitest';
import {
  modelParamsSchema,
  ModelFormatError,
  type ModelParamsOf,
  type TrainingProgress,
} from '../../../../../shared/models/model.js';
import { loadTreeModel } from '../../../../../shared/models/trees/artifact.js';
import { trainGbdt } from '../../../../../shared/models/trees/gbdt.js';
import { accuracyOf, linear3, ruleSet, xor } from './builders.js';

const params = (overrides: Partial<ModelParamsOf<'gbdt'>> = {}): ModelParamsOf<'gbdt'> =>
  modelParamsSchema.parse({ kind: 'gbdt', ...overrides }) as ModelParamsOf<'gbdt'>;

describe('gradient-boosted trees', () => {
  it('learns XOR, which no single split separates', () => {
    const train = ruleSet(2000, 1, xor, 2, 2);
    const test = ruleSet(1000, 2, xor, 2, 2);
    const model = trainGbdt(train, null, params({ trees: 60, depth: 3, minLeaf: 5 }));
    expect(model.outputs).toBe(2);
    const probs = model.predict(test.x, test.rows);
    expect(accuracyOf(probs, test.y, 2)).toBeGreaterThan(0.95);
    for (let r = 0; r < test.rows; r++)
      expect((probs[2 * r] ?? 0) + (probs[2 * r + 1] ?? 0)).toBeCloseTo(1, 12);
  });

  it('learns a linear three-class rule with softmax, leaf-wise and depth-wise', () => {
    const train = ruleSet(3000, 3, linear3, 3);
    const test = ruleSet(1000, 4, linear3, 3);
    for (const growth of ['depth-wise', 'leaf-wise'] as const) {
      const model = trainGbdt(train, null, params({ trees: 80, depth: 4, growth, leaves: 8 }));
      expect(model.outputs).toBe(3);
      expect(accuracyOf(model.predict(test.x, test.rows), test.y, 3)).toBeGreaterThan(0.93);
    }
  });

  it('lowers the training loss every round and reports each tree', () => {
    const train = ruleSet(1000, 5, linear3, 3);
    const valid = ruleSet(500, 6, linear3, 3);
    const progress: TrainingProgress[] = [];
    trainGbdt(train, valid, params({ trees: 20, patience: 0 }), { onProgress: (p) => progress.push(p) });
    expect(progress.map((p) => p.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    for (let i = 1; i < progress.length; i++)
      expect(progress[i]?.trainLoss).toBeLessThan(progress[i - 1]?.trainLoss ?? 0);
    expect(progress[0]?.trainLoss).toBeGreaterThan(0.6);
    expect(progress[19]?.trainLoss).toBeLessThan(0.3);
    expect(progress[19]?.validLoss).toBeLessThan(progress[0]?.validLoss ?? 0);
    expect(progress.every((p) => p.unit === 'tree' && p.steps === 20)).toBe(true);
  });

  it('stops early when validation loss stops improving and keeps the best rounds', () => {
    // Pure noise labels: validation loss is best within a few rounds and then only rises.
    const train = ruleSet(600, 7, () => 0, 2, 3);
    const valid = ruleSet(600, 8, () => 0, 2, 3);
    const noisy = (set: typeof train, seed: number): typeof train => ({
      ...set,
      y: Float64Array.from(set.y, (_, i) => ((i * 7919 + seed) % 13) % 2),
    });
    const progress: TrainingProgress[] = [];
    const model = trainGbdt(
      noisy(train, 1),
      noisy(valid, 5),
      params({ trees: 500, patience: 5, minLeaf: 2, learningRate: 0.3 }),
      {
        onProgress: (p) => progress.push(p),
      },
    );
    expect(progress.length).toBeLessThan(500);
    const best = progress.reduce((a, b) => (b.validLoss < a.validLoss ? b : a));
    expect(progress.length).toBe(best.step + 5);
    expect(model.rounds).toBe(best.step);
  });

  it('regresses a target with squared error', () => {
    const train = ruleSet(2000, 9, (a, b) => 2 * a - b, 0);
    const model = trainGbdt(train, null, params({ trees: 200, depth: 4, learningRate: 0.2 }));
    const out = model.predict(Float64Array.of(0.5, -0.5), 1);
    expect(model.outputs).toBe(1);
    expect(out[0]).toBeCloseTo(1.5, 0);
  });

  it('sends missing values to the side where training saw them', () => {
    // Class 1 whenever feature 0 is missing; otherwise class 1 iff feature 0 > 0.5.
    const train = ruleSet(2000, 10, (a) => (a > 0.5 ? 1 : 0), 2);
    const x = Float64Array.from(train.x);
    const y = Float64Array.from(train.y);
    for (let r = 0; r < train.rows; r += 4) {
      x[r * 2] = Number.NaN;
      y[r] = 1;
    }
    const model = trainGbdt({ ...train, x, y }, null, params({ trees: 30, depth: 2, classWeights: false }));
    const probs = model.predict(Float64Array.of(Number.NaN, 0, -0.9, 0, 0.9, 0), 3);
    expect(probs[1]).toBeGreaterThan(0.9);
    expect(probs[3]).toBeLessThan(0.1);
    expect(probs[5]).toBeGreaterThan(0.9);
  });

  it('gives the same trees for the same seed with row and column subsampling', () => {
    const train = ruleSet(800, 11, linear3, 3, 4);
    const p = params({ trees: 10, rowSample: 0.7, colSample: 0.5, seed: 42 });
    const a = trainGbdt(train, null, p).predict(train.x, train.rows);
    const b = trainGbdt(train, null, p).predict(train.x, train.rows);
    const c = trainGbdt(train, null, { ...p, seed: 43 }).predict(train.x, train.rows);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('predicts identically after save and load', async () => {
    const train = ruleSet(1000, 12, linear3, 3, 2);
    const x = Float64Array.from(train.x);
    x[0] = Number.NaN;
    const model = trainGbdt({ ...train, x }, null, params({ trees: 15 }));
    const artifact = await model.save();
    expect(artifact.format).toBe('json');
    const loaded = loadTreeModel(artifact);
    expect(loaded.kind).toBe('gbdt');
    expect(Array.from(loaded.predict(x, train.rows))).toEqual(Array.from(model.predict(x, train.rows)));
  });

  it('rejects a corrupt artifact with a ModelFormatError that says what is wrong', async () => {
    const model = trainGbdt(ruleSet(300, 13, xor, 2), null, params({ trees: 3, minLeaf: 5 }));
    const artifact = await model.save();
    if (artifact.format !== 'json') throw new Error('expected json');
    expect(() => loadTreeModel({ ...artifact, json: artifact.json.slice(0, 40) })).toThrow(/not valid JSON/);
    const doc = JSON.parse(artifact.json) as { trees: { left: number[] }[] };
    const tree = doc.trees[0];
    if (tree === undefined) throw new Error('no tree');
    tree.left[0] = 0;
    expect(() => loadTreeModel({ ...artifact, json: JSON.stringify(doc) })).toThrow(ModelFormatError);
    expect(() => loadTreeModel({ ...artifact, json: JSON.stringify(doc) })).toThrow(
      /tree 0: node 0 has child 0/,
    );
    expect(() => loadTreeModel({ ...artifact, json: '{"format":"tree-model"}' })).toThrow(
      /malformed at "version"/,
    );
  });

  it('throws after dispose and stops when aborted', () => {
    const train = ruleSet(300, 14, xor, 2);
    const model = trainGbdt(train, null, params({ trees: 2, minLeaf: 5 }));
    model.dispose();
    expect(() => model.predict(train.x, 1)).toThrow(/disposed/);
    expect(() => trainGbdt(train, null, params({ trees: 2 }), { signal: { aborted: true } })).toThrow(
      /aborted/,
    );
  });
});
