import { rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveConnection } from '../../main/host/api-server.js';
import { createApp, type App } from '../../main/host/app.js';
import { createMemoryPair } from '../../main/host/memory-transport.js';
import { createApiClient, type ApiClient } from '../../shared/api/client.js';
import type { FeatureSetInfo } from '../../shared/api/domains/features.js';
import type { Job } from '../../shared/api/domains/jobs.js';
import type { LiveModel, Prediction } from '../../shared/api/domains/models.js';
import { saveBookFeatureSet, trainQuickModel } from '../fixtures/quick-model.js';
import { testDataDir } from '../fixtures/test-app.js';

const LABEL = { kind: 'fixed-horizon', horizon: 5, threshold: 0 } as const;
/**
 * The demo market runs 20 times faster than the wall clock: a few seconds give minutes of
 * market to train on and labels mature within seconds. (Its data is recorded live by the App
 * itself: a history recorded beforehand with the same generator would share its trade ids,
 * and the recorder drops live trades whose id it has stored, leaving no candles to label with.)
 */
const SPEED = 20;
const wallStart = Date.now();
const marketClock = (): number => wallStart + (Date.now() - wallStart) * SPEED;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The App on a workspace folder with the fast market, over the in-memory transport. */
function startLiveApp(dataDir: string): { app: App; client: ApiClient } {
  const app = createApp({
    dataDir,
    version: 'test',
    transport: 'memory',
    workerEntry: pathToFileURL(path.resolve(import.meta.dirname, '../../dist/worker/features.js')),
    clock: marketClock,
  });
  const pair = createMemoryPair();
  serveConnection(app, pair.host);
  return { app, client: createApiClient(pair.client) };
}

describe('models running live on the demo stream', () => {
  let dataDir: string;
  let session: { app: App; client: ApiClient };
  let client: ApiClient;
  let set: FeatureSetInfo;
  let primaryId: number;
  let shadowId: number;
  const jobs: Job[] = [];

  const train = (name: string, trees: number, range: { from: number; to: number }) =>
    trainQuickModel(client, { name, featureSetId: set.id, trees, label: LABEL, ...range });

  beforeAll(async () => {
    dataDir = testDataDir('tw-models-live');
    session = startLiveApp(dataDir);
    ({ client } = session);
    client.subscribe('jobs', {}, (job) => jobs.push(job));
    set = await saveBookFeatureSet(client, '1s');
    // About 200 s of market, less the first 10 s while the book fills.
    const from = marketClock() + 10_000;
    await sleep(10_000);
    const range = { from, to: marketClock() };
    primaryId = await train('live gbdt', 10, range);
    shadowId = await train('shadow gbdt', 4, range);
  }, 60_000);

  afterAll(async () => {
    await session.app.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs a model as primary: predictions arrive on the topic, batched, with latency', async () => {
    const batches: Prediction[][] = [];
    const stop = client.subscribe('models.predictions', { instrument: set.instrument }, (batch) =>
      batches.push(batch),
    );
    const started = await client.call('models.live.start', { id: primaryId, role: 'primary' });
    expect(started).toMatchObject({
      modelId: primaryId,
      name: 'live gbdt',
      role: 'primary',
      instrument: set.instrument,
      alerts: [],
    });
    const since = Date.now();
    await expect.poll(() => batches.flat().length, { timeout: 10_000 }).toBeGreaterThan(20);
    await sleep(2_000);
    stop();
    const seconds = (Date.now() - since) / 1000;
    // At most 10 batches a second (plus one for the timer's phase).
    expect(batches.length).toBeLessThanOrEqual(Math.ceil(seconds * 10) + 1);
    const predictions = batches.flat();
    for (const p of predictions) {
      expect(p.modelId).toBe(primaryId);
      expect(p.role).toBe('primary');
      expect(p.output).toHaveLength(2);
      expect((p.output[0] ?? 0) + (p.output[1] ?? 0)).toBeCloseTo(1, 9);
      expect(p.confidence).toBe(Math.max(...p.output));
      expect(p.latencyMs).toBeGreaterThanOrEqual(0);
      expect(p.uncertainty).toBeNull();
    }
    // Rows come in time order.
    for (let i = 1; i < predictions.length; i++) {
      expect(predictions[i]?.ts).toBeGreaterThanOrEqual(predictions[i - 1]?.ts ?? 0);
    }
    const [listed] = await client.call('models.live.list', {});
    expect(listed?.predictions).toBeGreaterThanOrEqual(predictions.length);
    expect(listed?.latencyP50Ms).not.toBeNull();
    expect(listed?.latencyP99Ms ?? -1).toBeGreaterThanOrEqual(listed?.latencyP50Ms ?? 0);
    expect(listed).toMatchObject({ path: 'plain TypeScript', pathNote: null });
  });

  it('runs a shadow beside it on the same rows, and refuses a second primary', async () => {
    const batches: Prediction[][] = [];
    const stop = client.subscribe('models.predictions', { instrument: set.instrument }, (batch) =>
      batches.push(batch),
    );
    await client.call('models.live.start', { id: shadowId, role: 'shadow' });
    await expect
      .poll(() => batches.flat().filter((p) => p.role === 'shadow').length, { timeout: 10_000 })
      .toBeGreaterThan(10);
    stop();
    const predictions = batches.flat();
    const primaryRows = new Set(predictions.filter((p) => p.role === 'primary').map((p) => p.ts));
    const shadow = predictions.filter((p) => p.role === 'shadow');
    expect(shadow.every((p) => p.modelId === shadowId)).toBe(true);
    // Both models predict the same live rows.
    expect(shadow.filter((p) => primaryRows.has(p.ts)).length).toBeGreaterThan(shadow.length / 2);

    await expect(client.call('models.live.start', { id: shadowId, role: 'primary' })).rejects.toMatchObject({
      kind: 'bad_request',
      message: expect.stringContaining(
        `a primary model ('live gbdt') already runs on ${set.instrument}`,
      ) as unknown,
    });
  });

  it('scores matured labels into a live accuracy and reads input drift against the training rows', async () => {
    const live: LiveModel[][] = [];
    const stop = client.subscribe('models.live', {}, (list) => live.push(list));
    await expect
      .poll(
        () => {
          const primary = live.at(-1)?.find((m) => m.modelId === primaryId);
          return primary !== undefined && primary.liveAccuracy !== null && primary.drift !== null;
        },
        { timeout: 15_000, interval: 250 },
      )
      .toBe(true);
    stop();
    const primary = live.at(-1)?.find((m) => m.modelId === primaryId);
    expect(primary?.matured).toBeGreaterThanOrEqual(30);
    expect(primary?.liveAccuracy).toBeGreaterThanOrEqual(0);
    expect(primary?.liveAccuracy).toBeLessThanOrEqual(1);
    expect(primary?.drift).toBeGreaterThanOrEqual(0);
    expect(
      live
        .at(-1)
        ?.map((m) => m.role)
        .sort(),
    ).toEqual(['primary', 'shadow']);

    // Thresholds no model can meet raise alerts, on the model and in the status bar.
    await client.call('models.live.configure', {
      minAccuracy: 1,
      maxPsi: 1e-9,
      window: 500,
      retrainOnAlert: false,
    });
    const [first] = await client.call('models.live.list', {});
    expect(first?.alerts.some((a) => a.startsWith('live accuracy'))).toBe(true);
    expect(first?.alerts.some((a) => a.startsWith('input drift: PSI'))).toBe(true);
    await expect
      .poll(
        async () =>
          (await client.call('app.status', {})).problems.filter((p) => p.startsWith('models: ')).length,
      )
      .toBeGreaterThan(0);
    // With the retrain trigger on, each alerting model is retrained once (not every second).
    const before = jobs.length;
    await client.call('models.live.configure', {
      minAccuracy: 1,
      maxPsi: 1e-9,
      window: 500,
      retrainOnAlert: true,
    });
    await sleep(2_500);
    const retrains = jobs
      .slice(before)
      .filter((j) => j.kind === 'model-train' && j.state === 'running' && j.title.includes('(retrained)'));
    expect(new Set(retrains.map((j) => j.title))).toEqual(
      new Set([
        `Train gbdt 'live gbdt (retrained)' on 'book'`,
        `Train gbdt 'shadow gbdt (retrained)' on 'book'`,
      ]),
    );
    expect(new Set(retrains.map((j) => j.id)).size).toBe(2);
    for (const job of retrains) await client.call('jobs.cancel', { id: job.id });
    await client.call('models.live.configure', {
      minAccuracy: 0,
      maxPsi: 100,
      window: 500,
      retrainOnAlert: false,
    });
    expect((await client.call('models.live.list', {})).flatMap((m) => m.alerts)).toEqual([]);
  });

  it('refuses a model whose artifact is corrupt with a clear error, and the others run on', async () => {
    const good = session.app.models.registry.load(primaryId);
    if (good === null) throw new Error('model not stored');
    const { id: _id, ...info } = good.info;
    const broken = session.app.models.registry.insert({
      info: { ...info, name: 'broken' },
      folds: [],
      normalization: good.normalization,
      artifact: { format: 'json', kind: 'gbdt', json: '{"format":"tree-model","version":1' },
    });
    await client.call('models.live.stop', { id: shadowId });
    await expect(client.call('models.live.start', { id: broken, role: 'shadow' })).rejects.toMatchObject({
      kind: 'bad_request',
      message: expect.stringMatching(
        /^model \d+ cannot run live: model \d+: cannot restore it: tree model is not valid JSON/,
      ) as unknown,
    });
    const list = await client.call('models.live.list', {});
    expect(list.map((m) => m.modelId)).toEqual([primaryId]);
    const before = list[0]?.predictions ?? 0;
    await expect
      .poll(async () => (await client.call('models.live.list', {}))[0]?.predictions ?? 0, { timeout: 5_000 })
      .toBeGreaterThan(before);
  });

  it('runs a sequence network (LSTM on the wasm backend) with an MC-dropout uncertainty', async () => {
    const range = { from: marketClock() - 150_000, to: marketClock() };
    const { jobId } = await client.call('models.train', {
      name: 'live lstm',
      featureSetId: set.id,
      ...range,
      label: LABEL,
      validation: { scheme: 'walk-forward', folds: 2, embargo: 0, anchored: false },
      params: { kind: 'lstm', units: 4, window: 8, epochs: 1, batchSize: 64, patience: 0 },
    });
    await expect
      .poll(() => jobs.find((j) => j.id === jobId && j.state !== 'running')?.state, { timeout: 25_000 })
      .toBe('done');
    const lstmId = (jobs.find((j) => j.id === jobId && j.state === 'done')?.result as { modelId: number })
      .modelId;
    const batches: Prediction[][] = [];
    const stop = client.subscribe('models.predictions', { instrument: set.instrument }, (batch) =>
      batches.push(batch),
    );
    await client.call('models.live.start', { id: lstmId, role: 'shadow' });
    // The first prediction waits for a full window of 8 rows.
    await expect
      .poll(() => batches.flat().filter((p) => p.modelId === lstmId && p.uncertainty !== null).length, {
        timeout: 15_000,
      })
      .toBeGreaterThan(0);
    stop();
    const lstm = batches.flat().filter((p) => p.modelId === lstmId);
    for (const p of lstm) {
      expect(p.output).toHaveLength(2);
      expect((p.output[0] ?? 0) + (p.output[1] ?? 0)).toBeCloseTo(1, 5);
      expect(p.latencyMs).toBeGreaterThan(0);
    }
    const spreads = lstm.flatMap((p) => (p.uncertainty === null ? [] : [p.uncertainty]));
    expect(spreads.every((s) => s >= 0 && s < 0.5)).toBe(true);
    const [listed] = (await client.call('models.live.list', {})).filter((m) => m.modelId === lstmId);
    expect(listed?.latencyP50Ms).toBeGreaterThan(0);
    // Its predictions come from the plain forward pass, not a tfjs call per row.
    expect(listed).toMatchObject({ path: 'plain forward pass', pathNote: null });
    expect(await client.call('models.live.stop', { id: lstmId })).toEqual({ stopped: true });
  });

  it('keeps the live list across a restart, and stops a model', async () => {
    await client.call('models.live.start', { id: shadowId, role: 'shadow' });
    await session.app.stop();
    session = startLiveApp(dataDir);
    ({ client } = session);
    await expect
      .poll(async () => (await client.call('models.live.list', {})).map((m) => [m.modelId, m.role]), {
        timeout: 10_000,
      })
      .toEqual([
        [primaryId, 'primary'],
        [shadowId, 'shadow'],
      ]);
    await expect
      .poll(async () => (await client.call('models.live.list', {}))[0]?.predictions ?? 0, { timeout: 10_000 })
      .toBeGreaterThan(0);
    expect(await client.call('models.live.stop', { id: primaryId })).toEqual({ stopped: true });
    expect(await client.call('models.live.stop', { id: primaryId })).toEqual({ stopped: false });
    expect((await client.call('models.live.list', {})).map((m) => m.modelId)).toEqual([shadowId]);
    // Deleting a live model stops it first.
    expect(await client.call('models.delete', { id: shadowId })).toEqual({ deleted: true });
    expect(await client.call('models.live.list', {})).toEqual([]);
  });
});
