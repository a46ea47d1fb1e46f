import type { z } from 'zod';
import type { modelCommands } from '../../shared/api/domains/models.js';
import { modelParamsSchema, type ModelParams } from '../../shared/models/model.js';
import type { TrainingStep } from '../../shared/models/training-protocol.js';
import { meanScores, objectiveOf } from './fold-scores.js';
import type { ModelRegistry, TrialRecord } from './registry.js';
import { TrainingStopped, type TrainingOutcome } from './training-runner.js';
import { searchStrategy } from './search-strategy.js';

export type SearchCommand = z.output<(typeof modelCommands)['models.search']['request']>;

export interface SearchRunOptions {
  readonly request: SearchCommand;
  readonly searchId: number;
  readonly registry: ModelRegistry;
  readonly signal: AbortSignal;
  /** Trains one trial's params in its own worker; `onStep` may answer 'stop' (pruned). */
  readonly train: (
    params: ModelParams,
    trial: number,
    onStep: (step: TrainingStep) => 'stop' | undefined,
  ) => Promise<TrainingOutcome>;
  /** Registers a completed trial's model; returns its id. */
  readonly register: (params: ModelParams, outcome: { trial: number; training: TrainingOutcome }) => number;
  readonly onTrialDone: (done: number) => void;
}

/**
 * The ask/tell loop of a hyper-parameter search. Up to `workers` trials train at once, each on
 * a training worker thread (kept between trials); a new trial is asked for as soon as one
 * ends, so a sequential sampler (TPE) sees every result that is in. While a trial trains, its
 * first fold's validation loss is reported per epoch or tree and the pruner may stop it. Every
 * trial is recorded as it starts and as it ends (complete with its value and model, pruned, or
 * failed with the reason); the best complete trial's model is the search's best model.
 */
export async function runSearch(options: SearchRunOptions): Promise<{ bestModelId: number | null }> {
  const { request, registry, searchId, signal } = options;
  const strategy = searchStrategy(request);
  const running = new Set<Promise<void>>();
  let asked = 0;
  let done = 0;
  const best: { found: { value: number; modelId: number } | null } = { found: null };

  const record = (trial: TrialRecord): void => {
    registry.recordTrial(searchId, trial);
  };

  const runTrial = async (): Promise<void> => {
    const { trial, params: proposed } = strategy.ask();
    const parsed = modelParamsSchema.safeParse({ ...request.params, ...proposed });
    const base = { trial, params: proposed, modelId: null };
    if (!parsed.success) {
      record({ ...base, state: 'failed', value: null, error: `invalid parameters: ${parsed.error.message}` });
      strategy.fail(trial);
      return;
    }
    record({ ...base, state: 'running', value: null, error: null });
    try {
      const training = await options.train(parsed.data, trial, (step) => {
        // Only the first fold's holdout loss is comparable across trials at the same step.
        if (!request.prune || step.fold !== 0 || step.validLoss === null) return undefined;
        return strategy.report(trial, step.step, step.validLoss) ? 'stop' : undefined;
      });
      const value = objectiveOf(meanScores(training.folds));
      const modelId = options.register(parsed.data, { trial, training });
      record({ ...base, state: 'complete', value, modelId, error: null });
      strategy.tell(trial, value);
      if (value !== null && (best.found === null || value < best.found.value)) {
        best.found = { value, modelId };
        registry.setBestModel(searchId, modelId);
      }
    } catch (error) {
      if (error instanceof TrainingStopped && error.reason === 'pruned') {
        // The study marked it pruned when its report said so.
        record({ ...base, state: 'pruned', value: null, error: null });
      } else {
        const message = signal.aborted ? 'cancelled' : error instanceof Error ? error.message : String(error);
        record({ ...base, state: 'failed', value: null, error: message });
        strategy.fail(trial);
      }
    } finally {
      done++;
      options.onTrialDone(done);
    }
  };

  while (asked < request.trials || running.size > 0) {
    while (!signal.aborted && running.size < request.workers && asked < request.trials) {
      asked++;
      const task: Promise<void> = runTrial().finally(() => running.delete(task));
      running.add(task);
    }
    if (running.size === 0) break;
    await Promise.race(running);
  }
  return { bestModelId: best.found === null ? null : best.found.modelId };
}
