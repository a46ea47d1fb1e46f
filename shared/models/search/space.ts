import { z } from 'zod';
import type { Rng } from '../../market/rng.js';

/**
 * A hyper-parameter search space: each named parameter is an integer range, a float range, a
 * float range searched on a log scale (learning rates, l2), or a choice among values. Samplers
 * work on an internal number line per parameter: the value itself (int, float), its log
 * (log-float) or the index of the choice.
 */

const choiceValue = z.union([z.string(), z.number(), z.boolean()]);
export type ParamValue = z.infer<typeof choiceValue>;

export const paramSpecSchema = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('int'), low: z.number().int(), high: z.number().int() }),
    z.strictObject({ type: z.literal('float'), low: z.number(), high: z.number() }),
    z.strictObject({ type: z.literal('log-float'), low: z.number().positive(), high: z.number().positive() }),
    z.strictObject({ type: z.literal('choice'), values: z.array(choiceValue).min(1) }),
  ])
  .refine(
    (spec) =>
      spec.type === 'choice' ||
      (Number.isFinite(spec.low) && Number.isFinite(spec.high) && spec.low <= spec.high),
    {
      message: 'low must not exceed high',
    },
  );
export type ParamSpec = z.infer<typeof paramSpecSchema>;

export const searchSpaceSchema = z.record(z.string(), paramSpecSchema);
export type SearchSpace = Readonly<Record<string, ParamSpec>>;
export type TrialParams = Readonly<Record<string, ParamValue>>;

/** The internal number line of a parameter: [low, high] (ints widened by half a step each side). */
export function internalBounds(spec: ParamSpec): { readonly low: number; readonly high: number } {
  switch (spec.type) {
    case 'int':
      return { low: spec.low - 0.5, high: spec.high + 0.5 };
    case 'float':
      return { low: spec.low, high: spec.high };
    case 'log-float':
      return { low: Math.log(spec.low), high: Math.log(spec.high) };
    case 'choice':
      return { low: 0, high: spec.values.length - 1 };
    default: {
      const never: never = spec;
      throw new Error(`unknown parameter type ${JSON.stringify(never)}`);
    }
  }
}

export function toInternal(spec: ParamSpec, value: ParamValue): number {
  switch (spec.type) {
    case 'int':
    case 'float':
      return Number(value);
    case 'log-float':
      return Math.log(Number(value));
    case 'choice':
      return spec.values.indexOf(value);
    default: {
      const never: never = spec;
      throw new Error(`unknown parameter type ${JSON.stringify(never)}`);
    }
  }
}

export function fromInternal(spec: ParamSpec, internal: number): ParamValue {
  switch (spec.type) {
    case 'int':
      return Math.min(spec.high, Math.max(spec.low, Math.round(internal)));
    case 'float':
      return Math.min(spec.high, Math.max(spec.low, internal));
    case 'log-float':
      return Math.min(spec.high, Math.max(spec.low, Math.exp(internal)));
    case 'choice':
      return (
        spec.values[Math.min(spec.values.length - 1, Math.max(0, Math.round(internal)))] ??
        spec.values[0] ??
        0
      );
    default: {
      const never: never = spec;
      throw new Error(`unknown parameter type ${JSON.stringify(never)}`);
    }
  }
}

/** A uniform draw of one parameter (log-uniform for log-float). */
export function sampleUniform(spec: ParamSpec, rng: Rng): ParamValue {
  switch (spec.type) {
    case 'int':
      return rng.int(spec.low, spec.high + 1);
    case 'float':
      return spec.low + rng.next() * (spec.high - spec.low);
    case 'log-float': {
      const { low, high } = internalBounds(spec);
      return fromInternal(spec, low + rng.next() * (high - low));
    }
    case 'choice':
      return spec.values[rng.int(0, spec.values.length)] ?? spec.values[0] ?? 0;
    default: {
      const never: never = spec;
      throw new Error(`unknown parameter type ${JSON.stringify(never)}`);
    }
  }
}
