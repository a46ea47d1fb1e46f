import { describe, expect, it } from 'vitest';
import { Study, type StudyOptions } from '../../../../../shared/models/search/study.js';
import { searchSpaceSchema, type SearchSpace } from '../../../../../shared/models/search/space.js';

const plane: SearchSpace = {
  x: { type: 'float', low: -10, high: 10 },
  y: { type: 'float', low: -10, high: 10 },
};
const bowl = (p: Record<string, unknown>): number => (Number(p.x) - 3) ** 2 + (Number(p.y) + 2) ** 2;

function bestAfter(sampler: StudyOptions['sampler'], seed: number, budget: number): number {
  const study = new Study({ space: plane, direction: 'minimize', sampler, seed });
  for (let i = 0; i < budget; i++) {
    const { trialId, params } = study.ask();
    study.tell(trialId, bowl(params));
  }
  return study.best()?.value ?? Number.POSITIVE_INFINITY;
}

describe('hyper-parameter search', () => {
  it('TPE gets closer to the minimum of a quadratic than random search with the same budget', () => {
    let tpe = 0;
    let random = 0;
    const seeds = 10;
    for (let seed = 1; seed <= seeds; seed++) {
      tpe += bestAfter('tpe', seed, 50) / seeds;
      random += bestAfter('random', seed, 50) / seeds;
    }
    expect(tpe).toBeLessThan(random / 2);
    expect(tpe).toBeLessThan(0.5);
  });

  it('draws each parameter type inside its range, deterministically per seed', () => {
    const space: SearchSpace = {
      depth: { type: 'int', low: 2, high: 8 },
      learningRate: { type: 'log-float', low: 1e-3, high: 0.3 },
      growth: { type: 'choice', values: ['depth-wise', 'leaf-wise'] },
    };
    const run = (seed: number): unknown[] => {
      const study = new Study({ space, direction: 'maximize', sampler: 'tpe', seed, startupTrials: 5 });
      const out: unknown[] = [];
      for (let i = 0; i < 15; i++) {
        const { trialId, params } = study.ask();
        expect(Number.isInteger(params.depth)).toBe(true);
        expect(params.depth).toBeGreaterThanOrEqual(2);
        expect(params.depth).toBeLessThanOrEqual(8);
        expect(params.learningRate).toBeGreaterThanOrEqual(1e-3);
        expect(params.learningRate).toBeLessThanOrEqual(0.3);
        expect(['depth-wise', 'leaf-wise']).toContain(params.growth);
        study.tell(trialId, Number(params.depth) - Math.abs(Math.log(Number(params.learningRate) / 0.05)));
        out.push(params);
      }
      return out;
    };
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
    expect(searchSpaceSchema.safeParse({ a: { type: 'int', low: 5, high: 1 } }).success).toBe(false);
  });

  it('prunes a trial worse than the median of completed trials at the same step', () => {
    const study = new Study({
      space: plane,
      direction: 'minimize',
      sampler: 'random',
      seed: 1,
      pruner: { minTrials: 5 },
    });
    for (const value of [1, 2, 3, 4, 5]) {
      const { trialId } = study.ask();
      expect(study.report(trialId, 1, value)).toBe('continue');
      study.tell(trialId, value);
    }
    const worse = study.ask().trialId;
    const better = study.ask().trialId;
    expect(study.report(worse, 1, 3.5)).toBe('prune');
    expect(study.report(better, 1, 2.5)).toBe('continue');
    // No completed trial reported step 2: nothing to compare with.
    expect(study.report(better, 2, 100)).toBe('continue');
    study.tell(better, 2);
    expect(() => {
      study.tell(worse, 1);
    }).toThrow(/already pruned/);
    const trials = study.trials();
    expect(trials.map((t) => t.state)).toEqual([
      'complete',
      'complete',
      'complete',
      'complete',
      'complete',
      'pruned',
      'complete',
    ]);
    expect(trials[5]?.value).toBe(3.5);
    expect(trials[6]?.intermediate).toEqual([
      { step: 1, value: 2.5 },
      { step: 2, value: 100 },
    ]);
    expect(study.best()?.value).toBe(1);
  });

  it('records failed trials and lets parallel trials interleave', () => {
    const study = new Study({
      space: plane,
      direction: 'maximize',
      sampler: 'tpe',
      seed: 5,
      startupTrials: 2,
    });
    const a = study.ask();
    const b = study.ask();
    study.tell(b.trialId, 1);
    study.tell(a.trialId, Number.NaN);
    const c = study.ask();
    study.tell(c.trialId, 2);
    expect(study.trials().map((t) => [t.trialId, t.state])).toEqual([
      [0, 'failed'],
      [1, 'complete'],
      [2, 'complete'],
    ]);
    expect(study.best()?.trialId).toBe(2);
  });
});
