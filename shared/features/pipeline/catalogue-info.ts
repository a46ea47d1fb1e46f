import { z } from 'zod';
import type { CatalogueEntry, FeatureParam } from '../../api/domains/features.js';
import { FEATURE_CATALOGUE } from '../catalogue/index.js';
import type { FeatureDefinition } from '../feature.js';

/**
 * The catalogue as the UI needs it: each entry's parameters as form fields (type, default,
 * bounds, options), read from the entry's own zod schema through JSON Schema, so a new
 * parameter shows up in the form without a second description of it.
 */

interface JsonSchemaNode {
  type?: string | string[];
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  properties?: Record<string, JsonSchemaNode>;
  anyOf?: JsonSchemaNode[];
}

function fieldOf(name: string, node: JsonSchemaNode): FeatureParam {
  const base = { name, default: node.default ?? null, options: null, min: null, max: null };
  const options = node.enum?.filter((v): v is string => typeof v === 'string') ?? [];
  if (options.length > 0 && options.length === node.enum?.length) return { ...base, type: 'enum', options };
  const type = Array.isArray(node.type) ? node.type[0] : node.type;
  if (type === 'integer' || type === 'number') {
    return {
      ...base,
      type,
      min: node.minimum ?? node.exclusiveMinimum ?? null,
      max: node.maximum ?? node.exclusiveMaximum ?? null,
    };
  }
  if (type === 'boolean' || type === 'string') return { ...base, type };
  // Objects, arrays, unions: edited as JSON.
  return { ...base, type: 'json' };
}

/** The form fields of one definition's parameters, in declaration order. */
export function paramFields(definition: FeatureDefinition): FeatureParam[] {
  const schema = z.toJSONSchema(definition.params, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  return Object.entries(schema.properties ?? {}).map(([name, node]) => fieldOf(name, node));
}

/** Every catalogue entry with its default outputs and form fields. */
export function catalogueEntries(
  catalogue: readonly FeatureDefinition[] = FEATURE_CATALOGUE,
): CatalogueEntry[] {
  return catalogue.map((definition) => {
    const defaults = definition.params.safeParse({});
    return {
      kind: definition.kind,
      title: definition.title,
      family: definition.family,
      definition: definition.definition,
      inputs: [...definition.inputs],
      outputs: defaults.success ? [...definition.outputs(defaults.data)] : [],
      params: paramFields(definition),
    };
  });
}
