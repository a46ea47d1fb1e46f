import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeatureSetInfo } from '../../shared/api/domains/features.js';
import type { Job } from '../../shared/api/domains/jobs.js';
import type { FoldReport, TrainingProgressWire } from '../../shared/api/domains/models.js';
import { recordDemo } from '../fixtures/recorded-demo.js';
import { startTestApp, testDataDir, type TestApp } from '../fixtures/test-app.js';

const MINUTES = 20;
const FOLDS = 3;
const EPOCHS = 8;

describe('resuming a cancelled training job through the App API', () => {
  let dataDir: string;
  let session: TestApp;
  let set: FeatureSetInfo;
  let range: { from: number; to: number };
  const jobs: Job[] = [];
  const progress: TrainingProgressWire[] = [];

  const connect = (): void => {
    session = startTestApp({ dataDir });
    session.client.subscribe('jobs', {}, (job) => jobs.push(job));
    session.client.subscribe('models.training', {}, (step) => progress.push(step));
  };

  async function settled(jobId: string): Promise<Job> {
    await expect
      .poll(() => jobs.find((j) => j.id === jobId && j.state !== 'running'), {
        timeout: 50_000,
        interval: 100,
      })
      .toBeDefined();
    const job = jobs.find((j) => j.id === jobId && j.state !== 'running');
    if (job === undefined) throw new Error(`job ${jobId} did not end`);
    return job;
  }

  beforeAll(async () => {
    dataDir = testDataDir('tw-models-resume');
    const recorded = recordDemo(path.join(dataDir, 'workspace.sqlite'), MINUTES);
    connect();
    set = await session.client.call('features.sets.save', {
      name: 'book',
      instrument: recorded.instrument,
      sampling: '1s',
      features: [
        { kind: 'book_imbalance', params: { levels: 5 } },
        { kind: 'spread', params: {} },
      ],
    });
    range = { from: recorded.from + 60_000, to: recorded.to };
  });

  afterAll(async () => {
    await session.app.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the finished folds and the checkpoint across a restart, and resumes from them', async () => {
    const { client } = session;
    const { jobId } = await client.call('models.train', {
      name: 'lstm resumable',
      featureSetId: set.id,
      ...range,
      label: { kind: 'fixed-horizon', horizon: 5, threshold: 0 },
      validation: { scheme: 'walk-forward', folds: FOLDS, embargo: 0, anchored: false },
      params: { kind: 'lstm', units: 4, window: 8, epochs: EPOCHS, batchSize: 64, patience: 0 },
    });
    // Fold 1's second epoch: fold 0 has reported and fold 1 checkpointed epoch 1 (sent before it).
    await expect
      .poll(() => progress.some((p) => p.jobId === jobId && p.fold >= 1 && p.step >= 2), {
        timeout: 45_000,
        interval: 20,
      })
      .toBe(true);
    // A running job is not resumable: it is neither listed nor taken.
    expect(await client.call('models.checkpoints', {})).toEqual([]);
    await expect(client.call('models.resume', { jobId })).rejects.toMatchObject({ kind: 'bad_request' });
    await client.call('jobs.cancel', { id: jobId });
    expect((await settled(jobId)).state).toBe('cancelled');
    const kept = session.app.models.checkpoints.load(jobId);
    const keptFolds: readonly FoldReport[] = kept?.reports ?? [];
    expect(keptFolds.length).toBeGreaterThanOrEqual(1);
    expect(kept?.checkpoint?.fold).toBe(keptFolds.length);
    // Nothing was registered for the cancelled job.
    expect(await client.call('models.list', { query: 'lstm resumable', limit: 10 })).toEqual([]);

    await session.app.stop();
    connect();
    const listed = await session.client.call('models.checkpoints', {});
    expect(listed).toHaveLength(1);
    const [entry] = listed;
    expect(entry).toMatchObject({ jobId, name: 'lstm resumable', kind: 'lstm', folds: FOLDS + 1 });
    expect(entry?.foldsDone).toBe(keptFolds.length);
    expect(entry?.step).toBe(kept?.checkpoint?.epoch);

    const resumed = await session.client.call('models.resume', { jobId });
    // The stopped job's run moved to the new job: a second resume finds nothing.
    await expect(session.client.call('models.resume', { jobId })).rejects.toMatchObject({
      kind: 'not_found',
    });
    const job = await settled(resumed.jobId);
    expect(job.error).toBeNull();
    expect(job.state).toBe('done');
    const { modelId } = job.result as { modelId: number };
    const model = await session.client.call('models.get', { id: modelId });
    expect(model.name).toBe(`lstm resumable (resumed from job ${jobId})`);
    expect(model.folds.map((f) => f.fold)).toEqual([0, 1, 2]);
    // The folds done before the cancel are the stored reports, unchanged.
    expect(model.folds.slice(0, keptFolds.length)).toEqual(keptFolds);
    // The resumed job starts at the epoch after the checkpoint of the fold in progress.
    const steps = progress.filter((p) => p.jobId === resumed.jobId);
    expect(steps[0]).toMatchObject({ fold: keptFolds.length, step: (kept?.checkpoint?.epoch ?? 0) + 1 });
    expect(steps.every((p) => p.fold >= keptFolds.length && p.folds === FOLDS + 1)).toBe(true);
    expect(steps.filter((p) => p.fold === FOLDS)).toHaveLength(EPOCHS);
    // Registered: the run and its checkpoint are gone.
    expect(await session.client.call('models.checkpoints', {})).toEqual([]);
    expect(session.app.models.checkpoints.load(resumed.jobId)).toBeNull();
  });
});
