import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelRegistry } from '../../../../main/models/registry.js';
import { runSearch, type SearchCommand } from '../../../../main/models/search-run.js';
import { TrainingStopped, type TrainingOutcome } from '../../../../main/models/training-runner.js';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import { MIGRATIONS } from '../../../../main/storage/migrations/index.js';
import type { FoldReport } from '../../../../shared/api/domains/models.js';
import { modelParamsSchema, type ModelParams } from '../../../../shared/models/model.js';
import type { TrainingStep } from '../../../../shared/models/training-protocol.js';

const request = (overrides: Partial<SearchCommand> = {}): SearchCommand => ({
  featureSetId: 'set',
  from: 0,
  to: 1,
  label: { kind: 'fixed-horizon', horizon: 1, threshold: 0 },
  validation: { scheme: 'walk-forward', folds: 2, embargo: 0, anchored: false },
  normalization: 'zscore',
  name: 'search',
  params: modelParamsSchema.parse({ kind: 'gbdt', trees: 10 }),
  space: { depth: { type: 'int', min: 1, max: 8 } },
  method: 'random',
  trials: 6,
  workers: 2,
  prune: false,
  ...overrides,
});

/** A fold whose test log loss is `loss`. */
function fold(loss: number): FoldReport {
  const scores = {
    accuracy: 0.5,
    precision: 0.5,
    recall: 0.5,
    f1: 0.5,
    logLoss: loss,
    rocAuc: 0.5,
    mse: null,
    correlation: null,
    backtestSharpe: null,
    backtestReturn: null,
  };
  return {
    fold: 0,
    trainRows: 10,
    testRows: 10,
    purged: 1,
    embargoed: 0,
    testFrom: 0,
    testTo: 1,
    scores,
    curve: { trainLoss: [], validLoss: [] },
    confusion: [],
    roc: null,
  };
}

const outcome = (loss: number): TrainingOutcome => ({
  folds: [fold(loss), fold(loss + 0.02)],
  backend: { name: 'cpu', version: 'typescript', simd: null, threads: null, skipped: [] },
  trainingMs: 1,
  normalization: null,
  artifact: null,
});

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

/** Registers a real model row (trials reference models), returning its id. */
function registerModel(registry: ModelRegistry, name: string): number {
  return registry.insert({
    info: {
      name,
      kind: 'gbdt',
      createdAt: 1,
      instrument: 'i',
      featureSetId: 'set',
      featureSetHash: 'h',
      from: 0,
      to: 1,
      label: { kind: 'fixed-horizon', horizon: 1, threshold: 0 },
      params: modelParamsSchema.parse({ kind: 'gbdt' }),
      validation: { scheme: 'walk-forward', folds: 2, embargo: 0, anchored: false },
      scores: fold(0.6).scores,
      backend: 'cpu',
      trainingMs: 1,
      codeVersion: 'test',
      searchId: null,
      columns: ['a'],
    },
    folds: [],
    normalization: {
      method: 'zscore',
      columns: ['a'],
      center: [0],
      scale: [1],
      count: [1],
      trainFrom: 0,
      trainTo: 1,
    },
    artifact: { format: 'json', kind: 'gbdt', json: '{}' },
  });
}

describe('the search loop', () => {
  let db: SqliteDatabase;
  let registry: ModelRegistry;
  let searchId: number;

  beforeEach(() => {
    db = openDatabase(':memory:', { migrations: MIGRATIONS });
    registry = new ModelRegistry(db);
    searchId = registry.createSearch({
      createdAt: 1,
      name: 's',
      method: 'random',
      kind: 'gbdt',
      request: {},
    });
  });

  afterEach(() => {
    db.close();
  });

  it('runs at most `workers` trials at once, records each and keeps the lowest mean test log loss', async () => {
    let running = 0;
    let most = 0;
    const registered: number[] = [];
    const result = await runSearch({
      request: request(),
      searchId,
      registry,
      signal: new AbortController().signal,
      train: async (params: ModelParams) => {
        running++;
        most = Math.max(most, running);
        await tick();
        running--;
        // Depth 4 is best: the loss grows with the distance from it.
        const depth = params.kind === 'gbdt' ? params.depth : 0;
        return outcome(0.6 + 0.01 * Math.abs(depth - 4));
      },
      register: (_params, { trial }) => {
        const id = registerModel(registry, `trial ${trial}`);
        registered.push(id);
        return id;
      },
      onTrialDone: () => undefined,
    });
    expect(most).toBe(2);
    const search = registry.search(searchId);
    expect(search?.trials).toHaveLength(6);
    expect(search?.trials.every((t) => t.state === 'complete' && t.modelId !== null)).toBe(true);
    const best = search?.trials.reduce((a, b) => ((a.value ?? 9) <= (b.value ?? 9) ? a : b));
    expect(best?.value).toBeCloseTo(0.61 + 0.01 * Math.abs((best?.params.depth as number) - 4), 12);
    expect(result.bestModelId).toBe(best?.modelId);
    expect(registered).toHaveLength(6);
  });

  it('prunes a trial whose first-fold validation loss is worse than the median of finished trials', async () => {
    const result = await runSearch({
      request: request({ prune: true, trials: 5, workers: 1 }),
      searchId,
      registry,
      signal: new AbortController().signal,
      train: async (_params, trial, onStep: (step: TrainingStep) => 'stop' | undefined) => {
        // Trials 0-2 learn; trial 3 and 4 get worse from step 3 on.
        for (let step = 1; step <= 5; step++) {
          const validLoss = trial < 3 ? 0.7 - 0.01 * step : 0.7 + 0.05 * step;
          const answer = onStep({
            fold: 0,
            folds: 3,
            step,
            steps: 5,
            unit: 'tree',
            trainLoss: 0.5,
            validLoss,
            metrics: {},
          });
          if (answer === 'stop') throw new TrainingStopped('pruned');
          await tick();
        }
        return outcome(0.6);
      },
      register: (_params, { trial }) => registerModel(registry, `trial ${trial}`),
      onTrialDone: () => undefined,
    });
    const trials = registry.search(searchId)?.trials ?? [];
    expect(trials.map((t) => t.state)).toEqual(['complete', 'complete', 'complete', 'pruned', 'pruned']);
    expect(
      trials.filter((t) => t.state === 'pruned').every((t) => t.modelId === null && t.value === null),
    ).toBe(true);
    expect(result.bestModelId).toBe(trials[0]?.modelId);
  });

  it('records a failed trial with its reason and goes on', async () => {
    await runSearch({
      request: request({ trials: 3, workers: 1 }),
      searchId,
      registry,
      signal: new AbortController().signal,
      train: (_params, trial) =>
        trial === 1 ? Promise.reject(new Error('out of memory')) : Promise.resolve(outcome(0.6)),
      register: (_params, { trial }) => registerModel(registry, `trial ${trial}`),
      onTrialDone: () => undefined,
    });
    const trials = registry.search(searchId)?.trials ?? [];
    expect(trials.map((t) => [t.state, t.error])).toEqual([
      ['complete', null],
      ['failed', 'out of memory'],
      ['complete', null],
    ]);
  });

  it('starts no new trial once cancelled and marks the running ones failed', async () => {
    const controller = new AbortController();
    let started = 0;
    await runSearch({
      request: request({ trials: 10, workers: 2 }),
      searchId,
      registry,
      signal: controller.signal,
      train: async () => {
        started++;
        await tick();
        controller.abort();
        throw new TrainingStopped('cancelled');
      },
      register: () => registerModel(registry, 'never'),
      onTrialDone: () => undefined,
    });
    expect(started).toBe(2);
    const trials = registry.search(searchId)?.trials ?? [];
    expect(trials.map((t) => [t.state, t.error])).toEqual([
      ['failed', 'cancelled'],
      ['failed', 'cancelled'],
    ]);
  });
});
