import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelArtifact, TrainingProgress } from '../../../../../shared/models/model.js';
import { NET_KINDS } from '../../../../../shared/models/nets/architectures.js';
import { trainNetwork } from '../../../../../shared/models/nets/train.js';
import { asInput, at, signTask, smallParams, useWasm } from './net-fixtures.js';

beforeAll(useWasm);

function accuracy(probabilities: Float64Array, y: ArrayLike<number>, classes: number): number {
  let right = 0;
  for (let row = 0; row < y.length; row++) {
    let top = 0;
    for (let c = 1; c < classes; c++)
      if ((probabilities[row * classes + c] ?? 0) > (probabilities[row * classes + top] ?? 0)) top = c;
    if (top === y[row]) right++;
  }
  return right / y.length;
}

// Training on a shared 2-core machine: generous per-test limits, small networks.
describe('network training', { timeout: 30_000 }, () => {
  const train = signTask(256, 8, 3, 2, 1);
  const valid = signTask(128, 8, 3, 2, 2);

  for (const kind of NET_KINDS) {
    it(`${kind} learns the sign of feature 0's mean: the loss falls and it beats chance out of sample`, async () => {
      const progress: TrainingProgress[] = [];
      const model = await trainNetwork(train, valid, smallParams(kind, { epochs: 6 }), {
        onProgress: (p) => progress.push(p),
      });
      expect(progress.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(progress.every((p) => p.steps === 6 && p.unit === 'epoch')).toBe(true);
      const first = at(progress, 0);
      const last = at(progress, -1);
      expect(last.trainLoss).toBeLessThan(first.trainLoss * 0.8);
      expect(last.validLoss).toBeLessThan(first.validLoss);
      expect(last.metrics['validAccuracy']).toBeGreaterThan(0.7);
      expect(accuracy(model.predict(asInput(valid), valid.rows), valid.y, 2)).toBeGreaterThan(0.7);
      model.dispose();
    });
  }

  it('cnn-lstm learns the forward return with its second head', async () => {
    const model = await trainNetwork(
      train,
      valid,
      smallParams('cnn-lstm', { epochs: 6, regressionWeight: 1 }),
    );
    const forecast = model.predictReturn(asInput(valid), valid.rows);
    const target = at([valid.forwardReturn], 0);
    let num = 0;
    let a2 = 0;
    let b2 = 0;
    for (let i = 0; i < valid.rows; i++) {
      num += at(forecast, i) * at(target, i);
      a2 += at(forecast, i) ** 2;
      b2 += at(target, i) ** 2;
    }
    expect(num / Math.sqrt(a2 * b2)).toBeGreaterThan(0.5);
    // In the target's units (the head learns it standardised).
    expect(Math.max(...forecast.map(Math.abs))).toBeLessThan(0.05);
    model.dispose();
  });

  it('stops early when the validation loss stops improving and keeps the best epoch', async () => {
    // Labels unrelated to the windows: the validation loss can only get worse after a while.
    const noise = signTask(128, 8, 3, 2, 3);
    const shuffled = { ...noise, y: Float64Array.from(signTask(128, 8, 3, 2, 4).y) };
    const progress: TrainingProgress[] = [];
    const model = await trainNetwork(
      shuffled,
      valid,
      smallParams('lstm', { epochs: 60, patience: 2, learningRate: 0.05 }),
      {
        onProgress: (p) => progress.push(p),
      },
    );
    expect(model.report.stoppedEarly).toBe(true);
    expect(progress.length).toBeLessThan(60);
    const bestEpoch = model.report.bestEpoch;
    const bestLoss = Math.min(...progress.map((p) => p.validLoss));
    expect(progress[bestEpoch - 1]?.validLoss).toBe(bestLoss);
    expect(progress.length).toBe(bestEpoch + 2);
    // The model holds the best epoch's weights, not the last epoch's.
    const restored = tf.tidy(() => {
      const x = tf.tensor3d(valid.x, [valid.rows, 8, 3]);
      const y = tf.oneHot(tf.tensor1d(Array.from(valid.y), 'int32'), 2);
      const p = model.network.predict(x) as tf.Tensor;
      return at(tf.metrics.categoricalCrossentropy(y, p).mean().dataSync(), 0);
    });
    expect(restored).toBeCloseTo(bestLoss, 4);
    model.dispose();
  });

  it('offers a checkpoint at every improvement and resumes from one at the next epoch', async () => {
    const params = smallParams('lstm', { epochs: 6 });
    const checkpoints: { artifact: ModelArtifact; epoch: number }[] = [];
    const full = await trainNetwork(train, valid, params, {
      checkpoint: (artifact, epoch) => checkpoints.push({ artifact, epoch }),
    });
    const improving = full.report.history.filter((p, i, all) =>
      all.slice(0, i).every((q) => p.validLoss < q.validLoss),
    );
    expect(checkpoints.map((c) => c.epoch)).toEqual(improving.map((p) => p.step));
    expect(checkpoints.length).toBeGreaterThanOrEqual(2);

    const from = checkpoints.find((c) => c.epoch === 3) ?? at(checkpoints, 1);
    const progress: TrainingProgress[] = [];
    const resumed = await trainNetwork(train, valid, params, {
      resumeFrom: from,
      onProgress: (p) => progress.push(p),
    });
    expect(progress[0]?.step).toBe(from.epoch + 1);
    expect(progress.at(-1)?.step).toBe(6);
    // It starts from the checkpoint's weights: its first epoch is as good as the checkpoint or better.
    expect(at(progress, 0).validLoss).toBeLessThan(at(full.report.history, 0).validLoss);
    expect(resumed.meta.epoch).toBeGreaterThanOrEqual(from.epoch);
    full.dispose();
    resumed.dispose();
  });

  it('rejects with an AbortError when the signal is aborted mid-run', async () => {
    const signal = { aborted: false };
    let epochs = 0;
    const run = trainNetwork(train, valid, smallParams('lstm', { epochs: 50 }), {
      signal,
      onProgress: () => {
        if (++epochs === 2) signal.aborted = true;
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(epochs).toBe(2);
  });

  it('rejects rows with NaN in their window, label or return target and counts them', async () => {
    const holes = {
      ...train,
      x: Float32Array.from(train.x),
      y: Float64Array.from(train.y),
      forwardReturn: Float64Array.from(at([train.forwardReturn], 0)),
    };
    holes.x[5 * 24 + 7] = NaN;
    holes.x[9 * 24] = Infinity;
    holes.y[20] = NaN;
    holes.forwardReturn[30] = NaN;
    const lstm = await trainNetwork(holes, valid, smallParams('lstm', { epochs: 1 }));
    // The lstm has no return head, so a missing forward return does not cost it the row.
    expect(lstm.report.rejectedRows).toEqual({ train: 3, valid: 0 });
    lstm.dispose();
    const cnn = await trainNetwork(holes, valid, smallParams('cnn-lstm', { epochs: 1 }));
    expect(cnn.report.rejectedRows).toEqual({ train: 4, valid: 0 });
    expect(cnn.report.history[0]?.trainLoss).toSatisfy(Number.isFinite);
    cnn.dispose();
  });

  it('trains with focal loss and class weights on imbalanced three-class labels', async () => {
    const three = signTask(256, 8, 3, 3, 5);
    const counts = [0, 0, 0];
    for (let row = 0; row < three.rows; row++) counts[at(three.y, row)] = at(counts, at(three.y, row)) + 1;
    expect(Math.max(...counts) / Math.min(...counts)).toBeGreaterThan(2);
    const progress: TrainingProgress[] = [];
    const model = await trainNetwork(
      three,
      signTask(128, 8, 3, 3, 6),
      smallParams('lstm', { epochs: 6, loss: 'focal', focalGamma: 2, classWeights: true }),
      {
        onProgress: (p) => progress.push(p),
      },
    );
    expect(at(progress, -1).trainLoss).toBeLessThan(at(progress, 0).trainLoss);
    expect(model.outputs).toBe(3);
    model.dispose();
    // The weights reach the loss: the same run without them reports another training loss.
    const lossOf = async (classWeights: boolean) => {
      const run = await trainNetwork(three, null, smallParams('lstm', { epochs: 1, classWeights }));
      run.dispose();
      return at(run.report.history, 0).trainLoss;
    };
    expect(Math.abs((await lossOf(true)) - (await lossOf(false)))).toBeGreaterThan(1e-3);
    // Two outputs: the class weights go to the direction head only.
    const cnn = await trainNetwork(
      three,
      null,
      smallParams('cnn-lstm', { epochs: 1, classWeights: true, loss: 'focal' }),
    );
    expect(Number.isFinite(at(cnn.report.history, 0).trainLoss)).toBe(true);
    cnn.dispose();
  });

  it('leaves no tensors behind once the trained model is disposed', async () => {
    const before = tf.memory().numTensors;
    const model = await trainNetwork(train, valid, smallParams('cnn-lstm', { epochs: 2, dropout: 0.1 }), {
      checkpoint: () => undefined,
    });
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses windows that do not match params.window', async () => {
    await expect(trainNetwork(train, valid, smallParams('lstm', { window: 16 }))).rejects.toThrow(
      /params.window is 16/,
    );
  });
});
