import type { z } from 'zod';
import type { searchDimensionSchema } from '../../shared/api/domains/models.js';
import type { ParamSpec, SearchSpace } from '../../shared/models/search/space.js';
import { Study } from '../../shared/models/search/study.js';
import type { SearchCommand } from './search-run.js';

/** What the search loop asks of a sampler and its pruner. */
export interface SearchStrategy {
  ask(): { trial: number; params: Record<string, unknown> };
  /** Reports an intermediate validation loss; true when the trial should be pruned. */
  report(trial: number, step: number, value: number): boolean;
  tell(trial: number, value: number | null): void;
  fail(trial: number): void;
}

/** Trials a median pruner waits for before it compares, and steps it lets every trial run. */
const PRUNER = { minTrials: 2, warmupSteps: 2 };

/** The contract's dimension as the study's parameter (min/max -> low/high, options -> values). */
export function paramSpec(dimension: z.infer<typeof searchDimensionSchema>): ParamSpec {
  switch (dimension.type) {
    case 'int':
    case 'float':
    case 'log-float':
      return { type: dimension.type, low: dimension.min, high: dimension.max };
    case 'choice':
      return { type: 'choice', values: dimension.options };
    default: {
      const never: never = dimension;
      throw new Error(`unknown search dimension ${JSON.stringify(never)}`);
    }
  }
}

/**
 * The search's study (shared/models/search): TPE or random sampling that minimises the
 * objective, and median pruning when the request asks for it. Seeded by the model's own seed,
 * so the same request proposes the same trials.
 */
export function searchStrategy(request: SearchCommand): SearchStrategy {
  const space: Record<string, ParamSpec> = {};
  for (const [name, dimension] of Object.entries(request.space)) space[name] = paramSpec(dimension);
  const study = new Study({
    space: space satisfies SearchSpace,
    direction: 'minimize',
    sampler: request.method,
    seed: request.params.seed,
    pruner: request.prune ? PRUNER : null,
  });
  return {
    ask: () => {
      const { trialId, params } = study.ask();
      return { trial: trialId, params: { ...params } };
    },
    report: (trial, step, value) => study.report(trial, step, value) === 'prune',
    tell: (trial, value) => {
      study.tell(trial, value ?? Number.NaN);
    },
    fail: (trial) => {
      study.tell(trial, Number.NaN);
    },
  };
}
