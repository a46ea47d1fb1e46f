import { describe, expect, it } from 'vitest';
import type { BacktestRunInfo } from '../../../../shared/api/domains/backtests.js';
import type { JobOf } from '../../../../shared/api/domains/jobs.js';
import { createBacktestsStore } from '../../../../renderer/src/stores/backtests.js';
import { fakeApi } from './fakeApi.js';

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

const run: BacktestRunInfo = {
  id: 9,
  createdAt: 2,
  kind: 'single',
  mode: 'candle',
  strategy: 'sma-crossover',
  params: { fast: 5, slow: 20 },
  instrument: 'demo:DEMO/USD',
  timeframe: '1m',
  from: 0,
  to: 600_000,
  featureSetHash: null,
  metrics: { sharpe: 1.1 },
};

function backtestJob(state: JobOf<'backtest'>['state']): JobOf<'backtest'> {
  return {
    id: 'job-b',
    kind: 'backtest',
    title: 'Backtest',
    state,
    done: state === 'done' ? 1 : 0,
    total: 1,
    unit: 'configurations',
    message: '',
    etaMs: null,
    error: null,
    result: state === 'done' ? { runId: run.id, bars: 10, run } : null,
    startedAt: 1,
    finishedAt: state === 'done' ? 2 : null,
  };
}

describe('backtests store', () => {
  it('follows the run it starts and, once done, lists and opens the run from the job result', async () => {
    const api = fakeApi();
    const store = createBacktestsStore(api.client);
    store.setState({
      form: { ...store.getState().form, instrument: run.instrument, from: run.from, to: run.to },
    });
    const launching = store.getState().launch('run', {});
    api.answer('backtests.run', { jobId: 'job-b' });
    await launching;
    expect(api.subscribed('jobs.watch')).toEqual([{ id: 'job-b' }]);

    api.push('jobs.watch', backtestJob('running'));
    expect(store.getState().job?.state).toBe('running');
    api.push('jobs.watch', backtestJob('done'));
    expect(api.subscribed('jobs.watch')).toEqual([]);
    // Listed from the result: no backtests.list round trip; the report is the one call left.
    expect(store.getState().runs.map((r) => r.id)).toEqual([9]);
    expect(store.getState().openId).toBe(9);
    await settle();
    expect(() => {
      api.answer('backtests.list', []);
    }).toThrow('no open backtests.list call');
  });
});
