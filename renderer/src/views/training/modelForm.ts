import { modelParamsSchema, type ModelKind } from '../../../../shared/models/model.js';
import type { DimensionDraft } from '../../stores/models.js';
import { paramFields, type ParamField } from '../backtests/strategyParams.js';

/** The hyper-parameter inputs of a model kind, read off its variant of modelParamsSchema. */
export function modelFields(kind: ModelKind): ParamField[] {
  const variant = modelParamsSchema.options.find((option) => option.shape.kind.value === kind);
  if (variant === undefined) return [];
  return paramFields(variant).filter((field) => field.name !== 'kind');
}

/** Whether a hyper-parameter can be searched (a number, a flag or a choice; not lists or nullables). */
export const searchable = (field: ParamField): boolean => field.kind !== 'text';

// Rates and penalties span decades: they are searched on a log scale.
const LOG_SCALE = /learningRate|l2|focalGamma/;

/** A starting search range around the current value, inside the schema's bounds. */
export function defaultDimension(field: ParamField, value: unknown): DimensionDraft {
  const options = (list: readonly string[]): DimensionDraft => ({
    type: 'choice',
    min: '',
    max: '',
    options: list.join(', '),
  });
  if (field.kind === 'boolean') return options(['true', 'false']);
  if (field.kind === 'choice') return options(field.choices);
  const current =
    typeof value === 'number' ? value : typeof field.defaultValue === 'number' ? field.defaultValue : 1;
  const low = field.min ?? Number.NEGATIVE_INFINITY;
  const high = field.max ?? Number.POSITIVE_INFINITY;
  if (field.kind === 'integer') {
    const min = Math.max(low, Math.floor(current / 2));
    const max = Math.min(high, Math.max(min + 1, current * 2));
    return { type: 'int', min: String(min), max: String(max), options: '' };
  }
  if (LOG_SCALE.test(field.name) && current > 0)
    return {
      type: 'log-float',
      min: String(current / 10),
      max: String(Math.min(high, current * 10)),
      options: '',
    };
  const min = Math.max(low, current / 2);
  return {
    type: 'float',
    min: String(min),
    max: String(Math.min(high, Math.max(current * 2, min + 1))),
    options: '',
  };
}
