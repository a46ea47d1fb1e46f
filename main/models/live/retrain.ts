import type { z } from 'zod';
import { modelCommands, type ModelInfo } from '../../../shared/api/domains/models.js';
import type { NormalizationStats } from '../../../shared/features/pipeline/normalize.js';

export type TrainRequest = z.output<(typeof modelCommands)['models.train']['request']>;

/**
 * The retrain trigger's request: the model's own spec (feature set, label, hyper-parameters,
 * validation, normalisation method) over the latest range of the same length, ending now.
 */
export function retrainRequest(
  info: ModelInfo,
  normalization: NormalizationStats | null,
  now: number,
): TrainRequest {
  const length = Math.max(1, info.to - info.from);
  return modelCommands['models.train'].request.parse({
    name: `${info.name} (retrained)`,
    featureSetId: info.featureSetId,
    from: Math.max(0, now - length),
    to: now,
    label: info.label,
    validation: info.validation,
    normalization: normalization?.method ?? 'zscore',
    params: info.params,
  });
}

/** Retrains a registered model through the models service's `models.train` (a job). */
export function retrainer(
  registry: { load(id: number): { info: ModelInfo; normalization: NormalizationStats | null } | null },
  train: (request: TrainRequest) => unknown,
  clock: () => number,
): (modelId: number) => Promise<unknown> {
  return async (modelId) => {
    const loaded = registry.load(modelId);
    if (loaded === null) throw new Error(`no model ${modelId}`);
    return await train(retrainRequest(loaded.info, loaded.normalization, clock()));
  };
}
