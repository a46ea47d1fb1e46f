import type { Timeframe } from '../domain/timeframes.js';
import type { ReadonlyOrderBook } from '../market/order-book.js';
import { featureDefinition } from './catalogue/index.js';
import type { FeatureDefinition, FeatureInput, FeatureSpec, IncrementalFeature } from './feature.js';

/** A feature spec the catalogue cannot run: unknown kind or parameters that do not parse. */
export class FeatureSpecError extends Error {
  override readonly name = 'FeatureSpecError';
}

/** A spec checked against the catalogue, in canonical form, with what the engine needs to route it. */
export interface ResolvedFeature {
  /** Canonical spec: every parameter present (defaults filled), keys sorted, inner specs too. */
  readonly spec: FeatureSpec;
  readonly definition: FeatureDefinition;
  /** `<kind>(<k=v,...>)`, the prefix of its column names. */
  readonly label: string;
  readonly inputs: readonly FeatureInput[];
  /** Timeframe of the closed bars it consumes, or null. */
  readonly timeframe: Timeframe | null;
  /** Other instruments whose closed bars it consumes, sorted. */
  readonly references: readonly string[];
  readonly outputs: readonly string[];
  /** The wrapped feature of a wrapper, or null. */
  readonly inner: ResolvedFeature | null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A copy with object keys sorted at every depth: the canonical form hashes and labels use. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
    return out;
  }
  return value;
}

function renderValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(renderValue).join(',')}]`;
  if (isPlainObject(value)) {
    if (typeof value.kind === 'string' && isPlainObject(value.params)) {
      return `${value.kind}(${renderParams(value.params)})`;
    }
    return `{${renderParams(value)}}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string')
    return String(value);
  // Parameters are JSON data; anything else (null, undefined) renders as JSON's null.
  return value === undefined ? 'null' : JSON.stringify(value);
}

function renderParams(params: Record<string, unknown>): string {
  return Object.keys(params)
    .sort()
    .map((key) => `${key}=${renderValue(params[key])}`)
    .join(',');
}

/** Resolves a spec against the catalogue; throws FeatureSpecError when it cannot run. */
export function resolveFeature(spec: FeatureSpec): ResolvedFeature {
  const definition = featureDefinition(spec.kind);
  if (definition === undefined) throw new FeatureSpecError(`unknown feature kind '${spec.kind}'`);
  const parsed = definition.params.safeParse(spec.params);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(params)'}: ${issue.message}`,
    );
    throw new FeatureSpecError(`${spec.kind}: ${issues.join('; ')}`);
  }
  let params = parsed.data;
  let inner: ResolvedFeature | null = null;
  if (definition.inner !== undefined) {
    inner = resolveFeature(definition.inner.get(params));
    params = definition.inner.set(params, inner.spec);
    const problem = definition.inner.check?.(params, inner.outputs) ?? null;
    if (problem !== null) throw new FeatureSpecError(`${spec.kind}: ${problem}`);
  }
  const canonical = sortKeys(params) as Record<string, unknown>;
  // Sorted: the engine delivers bars in this instrument order, and wrappers rely on it.
  const references = [
    ...new Set([...(definition.references?.(params) ?? []), ...(inner?.references ?? [])]),
  ].sort();
  return {
    spec: { kind: definition.kind, params: canonical },
    definition,
    label: `${definition.kind}(${renderParams(canonical)})`,
    inputs: inner?.inputs ?? definition.inputs,
    timeframe: definition.timeframe?.(params) ?? inner?.timeframe ?? null,
    references,
    outputs: definition.outputs(params),
    inner,
  };
}

/** A new running instance of a resolved feature (its inner feature created first). */
export function createFeature(
  resolved: ResolvedFeature,
  instrument: string,
  book: ReadonlyOrderBook,
): IncrementalFeature {
  const inner =
    resolved.inner === null
      ? null
      : {
          feature: createFeature(resolved.inner, instrument, book),
          outputs: resolved.inner.outputs,
          references: resolved.inner.references,
        };
  return resolved.definition.create(resolved.spec.params, { instrument, book, inner });
}
