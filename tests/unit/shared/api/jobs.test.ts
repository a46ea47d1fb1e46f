import { describe, expect, it } from 'vitest';
import { isTerminal, JOB_KINDS, jobSchema, jobStateSchema } from '../../../../shared/api/domains/jobs.js';

/** A job as the wire carries it, of the given kind and result. */
function wireJob(kind: string, result: unknown, state = 'done') {
  return {
    id: 'job-1',
    kind,
    title: 'A job',
    state,
    done: 1,
    total: 1,
    unit: 'configurations',
    message: '',
    etaMs: null,
    error: null,
    result,
    startedAt: 10,
    finishedAt: 20,
  };
}

const run = {
  id: 4,
  createdAt: 20,
  kind: 'single',
  mode: 'candle',
  strategy: 'sma-crossover',
  params: { fast: 5, slow: 20 },
  instrument: 'demo:DEMO/USD',
  timeframe: '1m',
  from: 0,
  to: 60_000,
  featureSetHash: null,
  metrics: { sharpe: 1.2 },
};

describe('the job union', () => {
  it('reads a backtest job with the stored run its report opens', () => {
    const job = jobSchema.parse(wireJob('backtest', { runId: 4, bars: 120, run }));
    if (job.kind !== 'backtest') throw new Error(`parsed as ${job.kind}`);
    expect(job.result?.run.id).toBe(4);
    expect(job.result?.run.strategy).toBe('sma-crossover');
    expect(job.result?.bars).toBe(120);
  });

  it('refuses a result that belongs to another kind, naming the missing field', () => {
    const parsed = jobSchema.safeParse(wireJob('backtest', { modelId: 3 }));
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain('runId');
  });

  it('refuses a kind the contract does not list', () => {
    const parsed = jobSchema.safeParse(wireJob('dream', null));
    expect(parsed.success).toBe(false);
  });

  it('takes a null result for every kind, as a running, failed or cancelled job has', () => {
    for (const kind of JOB_KINDS) {
      for (const state of ['running', 'failed', 'cancelled'])
        expect(jobSchema.parse(wireJob(kind, null, state))).toMatchObject({ kind, state, result: null });
    }
    expect(JOB_KINDS).toHaveLength(13);
  });

  it('reads each kind its own result: a model search names its search and best model', () => {
    const job = jobSchema.parse(wireJob('model-search', { searchId: 2, bestModelId: null }));
    expect(job).toMatchObject({ kind: 'model-search', result: { searchId: 2, bestModelId: null } });
    const backup = jobSchema.parse(
      wireJob('backup', {
        file: { name: 'b.sqlite', path: '/b/b.sqlite', bytes: 4096, at: 5 },
        removed: ['a'],
      }),
    );
    expect(backup).toMatchObject({ kind: 'backup', result: { removed: ['a'] } });
  });

  it('calls only done, failed and cancelled terminal', () => {
    expect(jobStateSchema.options.map((state) => [state, isTerminal(state)])).toEqual([
      ['running', false],
      ['done', true],
      ['failed', true],
      ['cancelled', true],
    ]);
  });
});
