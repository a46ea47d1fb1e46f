import { z } from 'zod';
import type { FeatureSpec } from './feature.js';
import { FeatureSpecError, resolveFeature, sortKeys, type ResolvedFeature } from './resolve.js';
import { sha256Hex } from './sha256.js';

/**
 * A feature set is data: which instrument, which features with which parameters, and the
 * cadence of its rows. Models and backtests record its hash, so the hash covers exactly what
 * changes the numbers (instrument, sampling, canonical features in order) and not the
 * user-facing name or the storage id: renaming a set keeps its cached matrices.
 */

/** Row cadences: one row per event of the instrument, or one per elapsed period boundary. */
export const SAMPLINGS = ['event', '1s', '1m', '5m', '30m'] as const;
export type Sampling = (typeof SAMPLINGS)[number];
export type TimeSampling = Exclude<Sampling, 'event'>;

export const SAMPLING_MS: Readonly<Record<TimeSampling, number>> = {
  '1s': 1_000,
  '1m': 60_000,
  '5m': 300_000,
  '30m': 1_800_000,
};

export const featureSpecSchema = z.object({
  kind: z.string().min(1),
  params: z.record(z.string(), z.unknown()).default({}),
});

export const featureSetSchema = z.object({
  id: z.string().min(1).optional(),
  name: z.string().min(1),
  instrument: z.string().min(1),
  features: z.array(featureSpecSchema).min(1),
  sampling: z.enum(SAMPLINGS).default('event'),
});

/** A feature set as stored and sent over the API (parse with featureSetSchema). */
export type FeatureSet = z.input<typeof featureSetSchema>;

/** A feature set with every spec in canonical form (defaults filled, keys sorted). */
export interface CanonicalFeatureSet {
  readonly id?: string;
  readonly name: string;
  readonly instrument: string;
  readonly sampling: Sampling;
  readonly features: readonly FeatureSpec[];
}

/** A parsed, canonical set with its resolved features, columns and hash: what the engine runs. */
export interface CompiledFeatureSet {
  readonly set: CanonicalFeatureSet;
  readonly features: readonly ResolvedFeature[];
  /** `<kind>(<params>).<output>` per output of every feature, in order. */
  readonly columns: readonly string[];
  readonly hash: string;
}

/** JSON with object keys sorted at every depth: the bytes the hash is taken over. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/** Parses and resolves a set; throws FeatureSpecError (or a zod error) when it cannot run. */
export function compileFeatureSet(input: FeatureSet): CompiledFeatureSet {
  const parsed = featureSetSchema.parse(input);
  const features = parsed.features.map((spec) => resolveFeature(spec));
  const labels = new Set<string>();
  for (const feature of features) {
    if (labels.has(feature.label))
      throw new FeatureSpecError(`feature ${feature.label} appears twice in the set`);
    labels.add(feature.label);
  }
  const set: CanonicalFeatureSet = {
    ...(parsed.id === undefined ? {} : { id: parsed.id }),
    name: parsed.name,
    instrument: parsed.instrument,
    sampling: parsed.sampling,
    features: features.map((feature) => feature.spec),
  };
  const hashed = { instrument: set.instrument, sampling: set.sampling, features: set.features };
  return {
    set,
    features,
    columns: features.flatMap((feature) => feature.outputs.map((output) => `${feature.label}.${output}`)),
    hash: sha256Hex(canonicalJson(hashed)),
  };
}

/** The set in canonical form. */
export function canonicalFeatureSet(input: FeatureSet): CanonicalFeatureSet {
  return compileFeatureSet(input).set;
}

/** Stable SHA-256 (hex) of the set's instrument, sampling and canonical features. */
export function featureSetHash(input: FeatureSet): string {
  return compileFeatureSet(input).hash;
}

/** Flat column names of the set's matrix, `<kind>(<params>).<output>`, in order. */
export function columns(input: FeatureSet): readonly string[] {
  return compileFeatureSet(input).columns;
}
