import { beforeAll, describe, expect, it } from 'vitest';
import { backtestCostsSchema } from '../../../../shared/api/domains/backtests.js';
import type { FoldReport } from '../../../../shared/api/domains/models.js';
import { modelParamsSchema } from '../../../../shared/models/model.js';
import type {
  CheckpointWire,
  FromTrainingWorker,
  TrainingStep,
  TrainRequest,
} from '../../../../shared/models/training-protocol.js';
import { train } from '../../../../worker/training.js';
import { useWasm } from '../../shared/models/nets/net-fixtures.js';

const HORIZON = 3;
const ROWS = 400;
const EPOCHS = 4;

/** Rows 1 s apart, x = [sin, cos] of the row; the price moves 1% over HORIZON rows with x[0]'s sign. */
function request(epochs = EPOCHS): TrainRequest {
  const ts = Float64Array.from({ length: ROWS }, (_, i) => 1_000 * i);
  const x = new Float64Array(ROWS * 2);
  const prices = new Float64Array(ROWS).fill(100);
  for (let i = 0; i < ROWS; i++) {
    x[i * 2] = Math.sin(i * 1.7);
    x[i * 2 + 1] = Math.cos(i * 0.3);
    if (i >= HORIZON)
      prices[i] = (prices[i - HORIZON] ?? 100) * ((x[(i - HORIZON) * 2] ?? 0) > 0 ? 1.01 : 0.99);
  }
  return {
    params: modelParamsSchema.parse({
      kind: 'lstm',
      units: 4,
      window: 4,
      epochs,
      batchSize: 32,
      patience: 0,
    }),
    validation: { scheme: 'walk-forward', folds: 2, embargo: 0, anchored: true },
    normalization: 'zscore',
    dataset: {
      columns: ['a', 'b'],
      ts: ts.buffer,
      values: x.buffer,
      prices: prices.buffer,
      label: { kind: 'fixed-horizon', horizon: HORIZON, threshold: 0 },
    },
    candles: null,
    costs: backtestCostsSchema.parse({}),
    finalFit: false,
    // A resumable run from its start: nothing done yet, no checkpoint.
    resume: { foldsDone: 0, checkpoint: null },
  };
}

interface Run {
  readonly steps: TrainingStep[];
  readonly folds: FoldReport[];
  readonly checkpoints: CheckpointWire[];
}

async function run(req: TrainRequest): Promise<Run> {
  const messages: FromTrainingWorker[] = [];
  await train(req, (message) => messages.push(message));
  return {
    steps: messages.flatMap((m) => (m.type === 'progress' ? [m.payload] : [])),
    folds: messages.flatMap((m) => (m.type === 'fold' ? [m.payload] : [])),
    checkpoints: messages.flatMap((m) => (m.type === 'checkpoint' ? [m.payload] : [])),
  };
}

describe('resuming a network fit in the training worker', () => {
  let first: Run;

  beforeAll(async () => {
    await useWasm();
    first = await run(request());
  }, 60_000);

  it('checkpoints every improvement of the fit in progress, with the curve up to that epoch', () => {
    expect(first.folds.map((f) => f.fold)).toEqual([0, 1]);
    expect(first.checkpoints.length).toBeGreaterThanOrEqual(2);
    // The first epoch always improves on nothing: every fit checkpoints epoch 1.
    expect(first.checkpoints.filter((c) => c.epoch === 1).map((c) => c.fold)).toEqual([0, 1]);
    for (const c of first.checkpoints) {
      const report = first.folds[c.fold];
      expect(c.curve.trainLoss).toEqual(report?.curve.trainLoss.slice(0, c.epoch));
      expect(c.curve.validLoss).toEqual(report?.curve.validLoss.slice(0, c.epoch));
      expect(c.artifact.format).toBe('tfjs');
    }
  });

  it('skips the fits already done and continues the next one at the epoch after its checkpoint', async () => {
    const checkpoint = first.checkpoints.find((c) => c.fold === 1 && c.epoch === 1);
    if (checkpoint === undefined) throw new Error('no checkpoint of fold 1 at epoch 1');
    const resumed = await run({ ...request(), resume: { foldsDone: 1, checkpoint } });
    expect(resumed.steps.map((s) => [s.fold, s.step, s.folds])).toEqual([
      [1, 2, 2],
      [1, 3, 2],
      [1, 4, 2],
    ]);
    expect(resumed.folds.map((f) => f.fold)).toEqual([1]);
    const curve = resumed.folds[0]?.curve;
    expect(curve?.trainLoss).toHaveLength(EPOCHS);
    expect(curve?.trainLoss[0]).toBe(checkpoint.curve.trainLoss[0]);
    // Later checkpoints are of the resumed fit, numbered on from the checkpoint's epoch.
    expect(resumed.checkpoints.every((c) => c.fold === 1 && c.epoch > 1)).toBe(true);
  }, 60_000);

  it("predicts with the checkpoint's weights when no epoch is left: the fold scores as the original best epoch did", async () => {
    const best = first.checkpoints.filter((c) => c.fold === 1).at(-1);
    if (best === undefined) throw new Error('no checkpoint of fold 1');
    // patience 0 keeps the best epoch's weights, which are the last checkpoint's.
    const resumed = await run({ ...request(best.epoch), resume: { foldsDone: 1, checkpoint: best } });
    expect(resumed.steps).toEqual([]);
    const original = first.folds[1];
    const again = resumed.folds[0];
    if (original === undefined || again === undefined) throw new Error('fold 1 did not report');
    expect(again.scores).toEqual(original.scores);
    expect(again.confusion).toEqual(original.confusion);
    expect(again.roc).toEqual(original.roc);
    expect(again.curve.trainLoss).toEqual(original.curve.trainLoss.slice(0, best.epoch));
  }, 60_000);

  it('sends no checkpoint for a run that is not resumable (a search trial)', async () => {
    const { resume: _resumable, ...trial } = request(2);
    const plain = await run(trial);
    expect(plain.folds).toHaveLength(2);
    expect(plain.checkpoints).toEqual([]);
  }, 60_000);

  it('refuses a checkpoint of another fit and a resume with nothing left to fit', async () => {
    const checkpoint = first.checkpoints.find((c) => c.fold === 1);
    if (checkpoint === undefined) throw new Error('no checkpoint of fold 1');
    await expect(run({ ...request(), resume: { foldsDone: 0, checkpoint } })).rejects.toThrow(
      /the checkpoint is of fit 1, the run resumes at fit 0/,
    );
    await expect(run({ ...request(), resume: { foldsDone: 2, checkpoint: null } })).rejects.toThrow(
      /nothing is left to fit/,
    );
  });
});
