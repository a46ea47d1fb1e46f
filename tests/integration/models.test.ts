import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../shared/api/client.js';
import type { FeatureSetInfo } from '../../shared/api/domains/features.js';
import type { Job } from '../../shared/api/domains/jobs.js';
import type { ModelDetail, TrainingProgressWire } from '../../shared/api/domains/models.js';
import { applyNormalization } from '../../shared/features/pipeline/normalize.js';
import { loadNetwork } from '../../shared/models/nets/index.js';
import { loadTreeModel } from '../../shared/models/trees/artifact.js';
import type { App } from '../../main/host/app.js';
import { recordDemo } from '../fixtures/recorded-demo.js';
import { startTestApp, testDataDir, type TestApp } from '../fixtures/test-app.js';

const MINUTES = 20;
const LABEL = { kind: 'fixed-horizon', horizon: 5, threshold: 0 } as const;

describe('models through the App API', () => {
  let session: TestApp;
  let app: App;
  let client: ApiClient;
  let set: FeatureSetInfo;
  let range: { from: number; to: number };
  const jobs: Job[] = [];
  const progress: TrainingProgressWire[] = [];

  async function settled(jobId: string, timeout = 50_000): Promise<Job> {
    await expect
      .poll(() => jobs.find((j) => j.id === jobId && j.state !== 'running')?.state, {
        timeout,
        interval: 100,
      })
      .toBeDefined();
    const job = jobs.find((j) => j.id === jobId && j.state !== 'running');
    if (job === undefined) throw new Error(`job ${jobId} did not end`);
    return job;
  }

  async function done(jobId: string): Promise<Job> {
    const job = await settled(jobId);
    expect(job.error).toBeNull();
    expect(job.state).toBe('done');
    return job;
  }

  beforeAll(async () => {
    const dataDir = testDataDir('tw-models');
    const recorded = recordDemo(path.join(dataDir, 'workspace.sqlite'), MINUTES);
    session = startTestApp({ dataDir });
    ({ app, client } = session);
    client.subscribe('jobs', {}, (job) => jobs.push(job));
    client.subscribe('models.training', {}, (step) => progress.push(step));
    set = await client.call('features.sets.save', {
      name: 'book',
      instrument: recorded.instrument,
      sampling: '1s',
      features: [
        { kind: 'book_imbalance', params: { levels: 5 } },
        { kind: 'spread', params: {} },
        { kind: 'ofi', params: { windowMs: 5_000 } },
      ],
    });
    // Skip the first minute: the features' windows fill there.
    range = { from: recorded.from + 60_000, to: recorded.to };
  });

  afterAll(async () => {
    await session.stop();
  });

  let gbdt: ModelDetail;
  let lstmId: number;

  it('trains a GBDT with purged walk-forward validation and stores it with its lineage', async () => {
    const { jobId } = await client.call('models.train', {
      name: 'gbdt wf',
      featureSetId: set.id,
      ...range,
      label: LABEL,
      validation: { scheme: 'walk-forward', folds: 3, embargo: 0, anchored: false },
      params: { kind: 'gbdt', trees: 20, depth: 3, minLeaf: 10, patience: 0 },
    });
    const job = await done(jobId);
    const { modelId } = job.result as { modelId: number };
    gbdt = await client.call('models.get', { id: modelId });
    expect(gbdt).toMatchObject({
      name: 'gbdt wf',
      kind: 'gbdt',
      instrument: set.instrument,
      featureSetId: set.id,
      featureSetHash: set.hash,
      from: range.from,
      to: range.to,
      label: LABEL,
      validation: { scheme: 'walk-forward', folds: 3 },
      backend: 'cpu',
      columns: set.columns,
      searchId: null,
    });
    expect(gbdt.params).toMatchObject({ kind: 'gbdt', trees: 20, depth: 3, learningRate: 0.1 });
    expect(gbdt.trainingMs).toBeGreaterThan(0);
    expect(gbdt.codeVersion.length).toBeGreaterThan(0);
    expect(gbdt.folds).toHaveLength(3);
    for (const fold of gbdt.folds) {
      // The last `horizon` training rows see labels inside the test block: purged.
      expect(fold.purged).toBe(LABEL.horizon);
      expect(fold.trainRows).toBeGreaterThan(100);
      expect(fold.scores.accuracy).toBeGreaterThan(0.2);
      expect(fold.scores.rocAuc).not.toBeNull();
      expect(fold.confusion.flat().reduce((a, b) => a + b, 0)).toBe(fold.testRows);
      expect(fold.roc?.fpr[0]).toBe(0);
      expect(fold.roc?.tpr.at(-1)).toBe(1);
      expect(fold.scores.backtestSharpe).not.toBeNull();
      expect(fold.curve.trainLoss).toHaveLength(20);
    }
    // Later test blocks start after earlier ones: time order, nothing shuffled.
    expect(gbdt.folds[1]?.testFrom).toBeGreaterThan(gbdt.folds[0]?.testTo ?? Infinity);
    const mean = gbdt.folds.reduce((sum, f) => sum + (f.scores.accuracy ?? 0), 0) / 3;
    expect(gbdt.scores.accuracy).toBeCloseTo(mean, 12);
    const listed = await client.call('models.list', { query: 'GBDT', limit: 10 });
    expect(listed.map((m) => m.id)).toContain(gbdt.id);
  });

  it('exports a model and imports it back with identical predictions', async () => {
    const exported = await client.call('models.export', { id: gbdt.id });
    expect(exported.files.sort()).toEqual(['card.json', 'model.json']);
    const imported = await client.call('models.import', { path: exported.path });
    expect(imported.id).not.toBe(gbdt.id);
    expect(imported).toMatchObject({ kind: 'gbdt', featureSetHash: set.hash, columns: set.columns });
    const original = app.models.registry.load(gbdt.id);
    const copy = app.models.registry.load(imported.id);
    if (original === null || copy === null) throw new Error('models not stored');
    expect(copy.normalization).toEqual(original.normalization);
    const width = set.columns.length;
    const rows = 64;
    const x = new Float64Array(rows * width).map((_, i) => Math.sin(i * 0.37) * 3);
    const a = loadTreeModel(original.artifact).predict(applyNormalization(original.normalization, x), rows);
    const b = loadTreeModel(copy.artifact).predict(applyNormalization(copy.normalization, x), rows);
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('refuses a corrupt model folder with an error naming the file', async () => {
    const exported = await client.call('models.export', { id: gbdt.id });
    const modelFile = path.join(exported.path, 'model.json');
    writeFileSync(modelFile, readFileSync(modelFile, 'utf8').slice(0, 200));
    await expect(client.call('models.import', { path: exported.path })).rejects.toMatchObject({
      kind: 'bad_request',
      message: expect.stringMatching(/^model\.json: .*not valid JSON/) as unknown,
    });
    const card = path.join(exported.path, 'card.json');
    writeFileSync(card, JSON.stringify({ format: 'something else' }));
    await expect(client.call('models.import', { path: exported.path })).rejects.toMatchObject({
      kind: 'bad_request',
      message: expect.stringMatching(/^card\.json is not a model card/) as unknown,
    });
  });

  it('trains a small LSTM on the wasm backend, streaming per-epoch progress', async () => {
    const { jobId } = await client.call('models.train', {
      name: 'lstm',
      featureSetId: set.id,
      ...range,
      label: LABEL,
      validation: { scheme: 'walk-forward', folds: 2, embargo: 0, anchored: false },
      params: { kind: 'lstm', units: 4, window: 8, epochs: 2, batchSize: 64, patience: 0 },
    });
    const job = await done(jobId);
    const { modelId } = job.result as { modelId: number };
    const model = await client.call('models.get', { id: modelId });
    expect(model.backend).toBe('wasm');
    expect(model.folds).toHaveLength(2);
    const steps = progress.filter((p) => p.jobId === jobId);
    // Two epochs for each of the two folds and the final fit.
    expect(steps.filter((p) => p.unit === 'epoch')).toHaveLength(6);
    expect(steps.map((p) => p.fold)).toEqual([0, 0, 1, 1, 2, 2]);
    expect(steps.every((p) => p.folds === 3 && p.steps === 2 && p.trainLoss !== null)).toBe(true);
    // The job's progress bar counts epochs over all fits, with an ETA.
    const running = jobs.filter((j) => j.id === jobId && j.state === 'running' && j.total !== null);
    expect(running.at(-1)?.total).toBe(6);
    expect(running.some((j) => j.etaMs !== null && j.unit === 'steps')).toBe(true);
    lstmId = modelId;
  });

  it('exports a network in the TensorFlow.js layout and imports it with identical predictions', async () => {
    const exported = await client.call('models.export', { id: lstmId });
    expect(exported.files.sort()).toEqual(['card.json', 'model.json', 'weights.bin']);
    const manifest = JSON.parse(readFileSync(path.join(exported.path, 'model.json'), 'utf8')) as {
      modelTopology: unknown;
      weightsManifest: { paths: string[]; weights: unknown[] }[];
    };
    expect(manifest.modelTopology).toBeTypeOf('object');
    expect(manifest.weightsManifest).toHaveLength(1);
    expect(manifest.weightsManifest[0]?.paths).toEqual(['weights.bin']);
    const imported = await client.call('models.import', { path: exported.path });
    const original = app.models.registry.load(lstmId);
    const copy = app.models.registry.load(imported.id);
    if (original?.artifact.format !== 'tfjs' || copy?.artifact.format !== 'tfjs') throw new Error('not tfjs');
    expect(new Uint8Array(copy.artifact.weightData)).toEqual(new Uint8Array(original.artifact.weightData));
    const rows = 5;
    const x = new Float64Array(rows * 8 * set.columns.length).map((_, i) => Math.cos(i * 0.11));
    const a = await loadNetwork(original.artifact);
    const b = await loadNetwork(copy.artifact);
    expect(Array.from(b.predict(x, rows))).toEqual(Array.from(a.predict(x, rows)));
    a.dispose();
    b.dispose();

    // A truncated weights file is refused, naming the file and the sizes.
    const weights = path.join(exported.path, 'weights.bin');
    writeFileSync(weights, readFileSync(weights).subarray(0, 16));
    await expect(client.call('models.import', { path: exported.path })).rejects.toMatchObject({
      kind: 'bad_request',
      message: expect.stringMatching(
        /^weights\.bin holds 16 bytes but model\.json lists \d+ bytes/,
      ) as unknown,
    });
  });

  it('reports the TensorFlow.js backend the workers load, asking a worker once', async () => {
    const backend = await client.call('models.backend', {});
    expect(backend.name).toBe('wasm');
    // webgpu: no GPU here, and a software adapter is never picked unless the user opts in.
    expect(backend.skipped.map((s) => s.name)).toEqual(['tensorflow-gpu', 'webgpu', 'tensorflow']);
    expect(await client.call('models.backend', {})).toEqual(backend);
  });

  it('cancels a training job, ending its worker', async () => {
    const { jobId } = await client.call('models.train', {
      name: 'long',
      featureSetId: set.id,
      ...range,
      label: LABEL,
      validation: { scheme: 'walk-forward', folds: 3, embargo: 0, anchored: false },
      params: { kind: 'gbdt', trees: 5000, depth: 6, minLeaf: 2, patience: 0 },
    });
    await expect.poll(() => progress.some((p) => p.jobId === jobId), { timeout: 30_000 }).toBe(true);
    await client.call('jobs.cancel', { id: jobId });
    const job = await settled(jobId);
    expect(job.state).toBe('cancelled');
    // The worker was terminated: no step of this job arrives any more.
    const seen = progress.filter((p) => p.jobId === jobId).length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(progress.filter((p) => p.jobId === jobId).length).toBe(seen);
    const models = await client.call('models.list', { query: 'long', limit: 10 });
    expect(models).toEqual([]);
  });

  it('searches 4 random trials in 2 workers, recording every trial and registering the best', async () => {
    const { jobId } = await client.call('models.search', {
      name: 'search',
      featureSetId: set.id,
      ...range,
      label: LABEL,
      validation: { scheme: 'walk-forward', folds: 2, embargo: 0, anchored: false },
      params: { kind: 'gbdt', trees: 10, minLeaf: 10, patience: 0 },
      space: {
        depth: { type: 'int', min: 2, max: 4 },
        learningRate: { type: 'log-float', min: 0.03, max: 0.3 },
      },
      method: 'random',
      trials: 4,
      workers: 2,
      prune: true,
    });
    // The workspace's first search is search 1: watch its trials while it runs.
    let mostRunning = 0;
    const watch = setInterval(() => {
      const running = app.models.registry.search(1)?.trials.filter((t) => t.state === 'running').length ?? 0;
      mostRunning = Math.max(mostRunning, running);
    }, 20);
    const job = await done(jobId).finally(() => {
      clearInterval(watch);
    });
    const { searchId, bestModelId } = job.result as { searchId: number; bestModelId: number | null };
    expect(searchId).toBe(1);
    const search = await client.call('models.searches.get', { id: searchId });
    expect(search).toMatchObject({ id: searchId, method: 'random', kind: 'gbdt' });
    expect(search.trials.map((t) => t.trial)).toEqual([0, 1, 2, 3]);
    const complete = search.trials.filter((t) => t.state === 'complete');
    expect(complete.length).toBeGreaterThanOrEqual(2);
    for (const trial of search.trials) {
      expect(['complete', 'pruned']).toContain(trial.state);
      expect(trial.params.depth).toBeGreaterThanOrEqual(2);
      expect(trial.params.depth).toBeLessThanOrEqual(4);
      if (trial.state === 'pruned') expect(trial.modelId).toBeNull();
    }
    for (const trial of complete) {
      const model = await client.call('models.get', { id: trial.modelId ?? 0 });
      expect(model.searchId).toBe(searchId);
      expect(model.params).toMatchObject({
        depth: trial.params.depth,
        learningRate: trial.params.learningRate,
        trees: 10,
      });
      // The objective is the mean test log loss over the folds.
      expect(trial.value).toBeCloseTo(model.scores.logLoss ?? Number.NaN, 12);
    }
    const best = complete.reduce((a, b) => ((a.value ?? Infinity) <= (b.value ?? Infinity) ? a : b));
    expect(search.bestModelId).toBe(best.modelId);
    expect(bestModelId).toBe(best.modelId);
    // Progress of the trials streamed on the topic, tagged with the trial.
    const steps = progress.filter((p) => p.jobId === jobId);
    expect([...new Set(steps.map((p) => p.trial))].sort()).toEqual([0, 1, 2, 3]);
    // Two workers: two trials were running at once, never more.
    expect(mostRunning).toBe(2);
  });

  it('refuses a search over a parameter the model does not have', async () => {
    await expect(
      client.call('models.search', {
        name: 'bad',
        featureSetId: set.id,
        ...range,
        label: LABEL,
        params: { kind: 'gbdt' },
        space: { units: { type: 'int', min: 1, max: 8 } },
      }),
    ).rejects.toMatchObject({
      kind: 'bad_request',
      message: "'units' is not a hyper-parameter of gbdt models",
    });
  });

  it('deletes a model', async () => {
    expect(await client.call('models.delete', { id: gbdt.id })).toEqual({ deleted: true });
    await expect(client.call('models.get', { id: gbdt.id })).rejects.toMatchObject({ kind: 'not_found' });
    expect(await client.call('models.delete', { id: gbdt.id })).toEqual({ deleted: false });
  });
});
