import { describe, expect, it } from 'vitest';
import type { JobOf } from '../../../../shared/api/domains/jobs.js';
import { followJob } from '../../../../renderer/src/stores/follow-job.js';
import { fakeApi } from './fakeApi.js';

function trainJob(state: JobOf<'model-train'>['state'], done: number): JobOf<'model-train'> {
  return {
    id: 'job-7',
    kind: 'model-train',
    title: 'Train gbdt',
    state,
    done,
    total: 10,
    unit: 'steps',
    message: '',
    etaMs: null,
    error: null,
    result: state === 'done' ? { modelId: 3 } : null,
    startedAt: 1,
    finishedAt: state === 'running' ? null : 2,
  };
}

describe('followJob', () => {
  it('reports every state of the one job, ends at its terminal state and stops watching', () => {
    const api = fakeApi();
    const changes: [string, number][] = [];
    const ends: (number | null)[] = [];
    followJob(api.client, 'job-7', 'model-train', {
      onChange: (job) => changes.push([job.state, job.done]),
      // Typed by kind: a training's result names its model, no cast.
      onEnd: (job) => ends.push(job.result?.modelId ?? null),
      onLost: (error) => {
        throw error;
      },
    });
    expect(api.subscribed('jobs.watch')).toEqual([{ id: 'job-7' }]);
    api.push('jobs.watch', trainJob('running', 4));
    api.push('jobs.watch', trainJob('done', 10));
    expect(changes).toEqual([
      ['running', 4],
      ['done', 10],
    ]);
    expect(ends).toEqual([3]);
    expect(api.subscribed('jobs.watch')).toEqual([]);
  });

  it('ends at once when the first state it hears is already terminal (the job ended before)', () => {
    const api = fakeApi();
    const ends: string[] = [];
    followJob(api.client, 'job-7', 'model-train', {
      onChange: () => undefined,
      onEnd: (job) => ends.push(job.state),
      onLost: (error) => {
        throw error;
      },
    });
    api.push('jobs.watch', trainJob('cancelled', 6));
    expect(ends).toEqual(['cancelled']);
    expect(api.subscribed('jobs.watch')).toEqual([]);
  });

  it('says the watch was lost when the job is of another kind than expected', () => {
    const api = fakeApi();
    const lost: string[] = [];
    followJob(api.client, 'job-7', 'backtest', {
      onChange: () => undefined,
      onLost: (error) => lost.push(error.message),
    });
    api.push('jobs.watch', trainJob('running', 1));
    expect(lost).toEqual(['job job-7 is a model-train job, not backtest']);
    expect(api.subscribed('jobs.watch')).toEqual([]);
  });

  it('says the watch was lost when the connection drops, and hears nothing after', () => {
    const api = fakeApi();
    const lost: string[] = [];
    const changes: string[] = [];
    followJob(api.client, 'job-7', 'model-train', {
      onChange: (job) => changes.push(job.state),
      onLost: (error) => lost.push(error.message),
    });
    api.disconnect('host went away');
    api.push('jobs.watch', trainJob('running', 1));
    expect(lost).toEqual(['host went away']);
    expect(changes).toEqual([]);
  });

  it('stops when the store stops following', () => {
    const api = fakeApi();
    const stop = followJob(api.client, 'job-7', 'model-train', {
      onChange: () => undefined,
      onLost: () => undefined,
    });
    stop();
    expect(api.subscribed('jobs.watch')).toEqual([]);
  });
});
