import { describe, expect, it } from 'vitest';
import type { CatalogueEntry, FeatureSetInfo } from '../../../../shared/api/domains/features.js';
import type { JobOf, JobResult } from '../../../../shared/api/domains/jobs.js';
import {
  appendLive,
  createFeaturesStore,
  defaultParams,
  LIVE_HISTORY,
} from '../../../../renderer/src/stores/features.js';
import { fakeApi } from './fakeApi.js';

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

const spread: CatalogueEntry = {
  kind: 'book_imbalance',
  title: 'Book imbalance',
  family: 'book',
  definition: '(bid - ask) / (bid + ask) over the best N levels',
  inputs: ['book'],
  outputs: ['value'],
  params: [{ name: 'levels', type: 'integer', default: 5, options: null, min: 1, max: 1000 }],
};

const savedSet: FeatureSetInfo = {
  id: 'set-1',
  name: 'Imbalance',
  instrument: 'demo:DEMO/USD',
  sampling: '1s',
  features: [{ kind: 'book_imbalance', params: { levels: 3 } }],
  hash: 'abc',
  columns: ['book_imbalance(levels=3).value'],
  createdAt: 1,
};

function job(
  state: JobOf<'feature-matrix'>['state'],
  result: JobResult<'feature-matrix'> | null = null,
): JobOf<'feature-matrix'> {
  return {
    id: 'job-1',
    kind: 'feature-matrix',
    title: 't',
    state,
    done: 5,
    total: 10,
    unit: 's',
    message: '',
    etaMs: null,
    error: null,
    result,
    startedAt: 1,
    finishedAt: null,
  };
}

describe('features store', () => {
  it('starts a draft feature from the catalogue defaults', () => {
    expect(defaultParams(spread)).toEqual({ levels: 5 });
  });

  it('keeps the newest LIVE_HISTORY live values per column, missing values as null', () => {
    let history = appendLive(null, {
      setId: 's',
      columns: ['a', 'b'],
      rows: [
        { ts: 1, values: [1, null] },
        { ts: 2, values: [2, 20] },
      ],
    });
    expect(history.values).toEqual([
      [1, 2],
      [null, 20],
    ]);
    const many = Array.from({ length: LIVE_HISTORY }, (_, i) => ({ ts: 3 + i, values: [3 + i, 0] }));
    history = appendLive(history, { setId: 's', columns: [], rows: many });
    expect(history.ts).toHaveLength(LIVE_HISTORY);
    expect(history.ts[0]).toBe(3);
    expect(history.values[0]?.[LIVE_HISTORY - 1]).toBe(LIVE_HISTORY + 2);
    // Another set starts a new history.
    expect(appendLive(history, { setId: 't', columns: ['x'], rows: [{ ts: 9, values: [9] }] }).ts).toEqual([
      9,
    ]);
  });

  it('saves the draft with its parameters, then follows the new set live', async () => {
    const api = fakeApi();
    const store = createFeaturesStore(api.client);
    const started = store.getState().start();
    api.answer('features.catalogue', [spread]);
    await settle();
    api.answer('features.sets.list', []);
    await started;

    store.getState().addFeature('book_imbalance');
    const key = store.getState().draft[0]?.key ?? -1;
    store.getState().setParam(key, 'levels', 3);
    store.getState().setDraftName('Imbalance');
    const saving = store.getState().saveSet('demo:DEMO/USD');
    api.answer('features.sets.save', savedSet);
    await settle();
    api.answer('features.sets.list', [savedSet]);
    await saving;

    expect(store.getState().draft).toEqual([]);
    expect(store.getState().liveSetId).toBe('set-1');
    expect(api.subscribed('features.live')).toEqual([{ setId: 'set-1' }]);
    api.push('features.live', {
      setId: 'set-1',
      columns: savedSet.columns,
      rows: [{ ts: 5, values: [0.25] }],
    });
    expect(store.getState().live?.values).toEqual([[0.25]]);
  });

  it('follows a matrix build job to the end and selects the matrix it made', async () => {
    const api = fakeApi();
    const store = createFeaturesStore(api.client);
    const started = store.getState().start();
    api.answer('features.catalogue', [spread]);
    await settle();
    api.answer('features.sets.list', [savedSet]);
    await started;
    api.answer('features.matrix.list', []);
    api.answer('features.range', { from: 1000, to: 5000 });
    await settle();
    expect(store.getState().range).toEqual({ from: 1000, to: 5001 });

    const building = store.getState().build();
    api.answer('features.matrix.build', { jobId: 'job-1', matrix: null });
    await building;
    // No placeholder: the store shows the job as the watch reports it, current state first.
    expect(store.getState().job).toBeNull();
    expect(api.subscribed('jobs.watch')).toEqual([{ id: 'job-1' }]);
    api.push('jobs.watch', job('running'));
    expect(store.getState().job?.done).toBe(5);

    const matrix = {
      id: 7,
      setHash: 'abc',
      instrument: savedSet.instrument,
      from: 1000,
      to: 5001,
      columns: savedSet.columns,
      rows: 4,
      events: 100,
      builtAt: 2,
    };
    api.push(
      'jobs.watch',
      job('done', {
        matrix,
        workers: 2,
        seamsVerified: 1,
        inexactColumns: [],
        fallback: null,
        emptyFeatures: [],
      }),
    );
    // The terminal state ends the watch.
    expect(api.subscribed('jobs.watch')).toEqual([]);
    await settle();
    api.answer('features.matrix.list', [matrix]);
    await settle();
    expect(store.getState().matrixId).toBe(7);
    expect(store.getState().column).toBe('book_imbalance(levels=3).value');
  });
});
