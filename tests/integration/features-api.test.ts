import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../shared/api/client.js';
import type { FeatureSetInfo, LiveFeatureRows } from '../../shared/api/domains/features.js';
import type { Job } from '../../shared/api/domains/jobs.js';
import { startTestApp, type TestApp } from '../fixtures/test-app.js';

const DEMO = 'demo:DEMO/USD';

describe('the features API of the App', () => {
  let session: TestApp;
  let client: ApiClient;
  let set: FeatureSetInfo;

  beforeAll(() => {
    session = startTestApp({ prefix: 'tw-features' });
    ({ client } = session);
  });

  afterAll(async () => {
    await session.stop();
  });

  it('serves the catalogue with definitions and parameter forms', async () => {
    const catalogue = await client.call('features.catalogue', {});
    const spread = catalogue.find((entry) => entry.kind === 'spread');
    expect(spread?.definition.length).toBeGreaterThan(10);
    expect(catalogue.find((e) => e.kind === 'vwap')?.params[0]).toMatchObject({
      name: 'windowMs',
      type: 'integer',
    });
  });

  it('refuses a set with an unknown feature as a bad request', async () => {
    await expect(
      client.call('features.sets.save', {
        name: 'x',
        instrument: DEMO,
        features: [{ kind: 'nope', params: {} }],
      }),
    ).rejects.toMatchObject({ kind: 'bad_request' });
  });

  it('saves a set and streams its live rows, one a second, with column names', async () => {
    set = await client.call('features.sets.save', {
      name: 'Book',
      instrument: DEMO,
      sampling: '1s',
      features: [
        { kind: 'book_imbalance', params: {} },
        { kind: 'spread', params: {} },
      ],
    });
    expect(set.columns).toEqual(['book_imbalance(levels=5).value', 'spread().abs', 'spread().bps']);
    const batches: LiveFeatureRows[] = [];
    const stop = client.subscribe('features.live', { setId: set.id }, (rows) => batches.push(rows));
    // Waits on the rows, not a fixed time: the feature worker may still be starting (seconds
    // on a loaded machine) when the set is saved.
    await expect
      .poll(() => batches.flatMap((b) => b.rows).length, { timeout: 30_000, interval: 250 })
      .toBeGreaterThanOrEqual(2);
    stop();
    const rows = batches.flatMap((b) => b.rows);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(batches[0]?.columns).toEqual(set.columns);
    // 1 s sampling: rows stamped on whole seconds, one second apart.
    for (const row of rows) expect(row.ts % 1000).toBe(0);
    const imbalance = rows.at(-1)?.values[0] ?? null;
    expect(imbalance).not.toBeNull();
    expect(Math.abs(imbalance ?? 2)).toBeLessThanOrEqual(1);
  });

  it('builds a matrix as a job, then answers the same range from the cache', async () => {
    const range = await client.call('features.range', { instrument: DEMO });
    expect(range).not.toBeNull();
    const from = range?.from ?? 0;
    const to = (range?.to ?? 0) + 1;
    const jobs: Job[] = [];
    const stop = client.subscribe('jobs', {}, (job) => jobs.push(job));
    const answer = await client.call('features.matrix.build', { setId: set.id, from, to, workers: 2 });
    expect(answer.matrix).toBeNull();
    await expect
      .poll(() => jobs.find((j) => j.id === answer.jobId && j.state !== 'running')?.state, {
        timeout: 20_000,
      })
      .toBe('done');
    stop();
    const done = jobs.find((j) => j.id === answer.jobId && j.state === 'done');
    const result = done?.result as { matrix: { id: number; rows: number }; seamsVerified: number };
    expect(result.matrix.rows).toBeGreaterThan(0);

    const again = await client.call('features.matrix.build', { setId: set.id, from, to, workers: 1 });
    expect(again).toMatchObject({ jobId: null, matrix: { id: result.matrix.id, rows: result.matrix.rows } });

    const series = await client.call('features.matrix.series', {
      matrixId: result.matrix.id,
      column: 'spread().abs',
    });
    expect(series.stats.rows).toBe(result.matrix.rows);
    expect(series.histogram.counts.reduce((a, b) => a + b, 0)).toBe(series.stats.rows - series.stats.missing);

    const stats = await client.call('features.normalization.fit', {
      matrixId: result.matrix.id,
      method: 'zscore',
      trainFrom: from,
      trainTo: to,
    });
    expect(stats.columns).toEqual(set.columns);
    expect(stats.count[1]).toBe(series.stats.rows - series.stats.missing);

    const drift = await client.call('features.drift', { setId: set.id, matrixId: result.matrix.id });
    expect(drift.features.map((f) => f.column)).toEqual(set.columns);
    expect(drift.liveRows).toBeGreaterThan(0);
  });
});
