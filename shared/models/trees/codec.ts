import { z } from 'zod';
import { ModelFormatError } from '../model.js';
import type { DecisionTree } from './tree.js';

/**
 * The JSON form of tree models. Numbers go through JSON as the shortest string that reads back
 * to the same double, so a saved model predicts bit-identically after loading. Reading checks
 * the shape (zod) and then the structure (child indices point forward and in range, features
 * exist, values are finite), so a damaged file fails with a message, never a wrong prediction.
 */

export const TREE_FORMAT = 'tree-model';
export const TREE_FORMAT_VERSION = 1;

const treeSchema = z.strictObject({
  feature: z.array(z.number().int()),
  threshold: z.array(z.number()),
  missingLeft: z.array(z.union([z.literal(0), z.literal(1)])),
  left: z.array(z.number().int()),
  right: z.array(z.number().int()),
  value: z.array(z.number()),
  width: z.number().int().min(1),
});
export type TreeJson = z.infer<typeof treeSchema>;

export const treeModelSchema = z.strictObject({
  format: z.literal(TREE_FORMAT),
  version: z.literal(TREE_FORMAT_VERSION),
  kind: z.enum(['gbdt', 'random-forest']),
  columns: z.array(z.string()),
  classes: z.union([z.literal(0), z.literal(2), z.literal(3)]),
  /** Boosting: starting raw score per tree of a round; forest: empty. */
  baseScore: z.array(z.number()),
  /** Trees per boosting round (classes for softmax, else 1); forests: 1. */
  treesPerRound: z.number().int().min(1),
  params: z.record(z.string(), z.unknown()),
  trees: z.array(treeSchema).min(1),
});
export type TreeModelJson = z.infer<typeof treeModelSchema>;

export function treeToJson(tree: DecisionTree): TreeJson {
  return {
    feature: Array.from(tree.feature),
    threshold: Array.from(tree.threshold),
    missingLeft: Array.from(tree.missingLeft, (flag) => (flag === 1 ? 1 : 0)),
    left: Array.from(tree.left),
    right: Array.from(tree.right),
    value: Array.from(tree.value),
    width: tree.width,
  };
}

export function treeFromJson(json: TreeJson, columns: number, where: string): DecisionTree {
  const nodes = json.feature.length;
  if (nodes === 0) throw new ModelFormatError(`${where}: a tree without nodes`);
  for (const [name, list] of [
    ['threshold', json.threshold],
    ['missingLeft', json.missingLeft],
    ['left', json.left],
    ['right', json.right],
  ] as const) {
    if (list.length !== nodes)
      throw new ModelFormatError(`${where}: ${list.length} ${name} entries for ${nodes} nodes`);
  }
  if (json.value.length !== nodes * json.width)
    throw new ModelFormatError(`${where}: ${json.value.length} values for ${nodes} nodes x ${json.width}`);
  for (let node = 0; node < nodes; node++) {
    const feature = json.feature[node] ?? -1;
    if (feature < 0) continue;
    if (feature >= columns)
      throw new ModelFormatError(`${where}: node ${node} splits on feature ${feature} of ${columns}`);
    if (!Number.isFinite(json.threshold[node]))
      throw new ModelFormatError(`${where}: node ${node} has no finite threshold`);
    for (const child of [json.left[node] ?? -1, json.right[node] ?? -1]) {
      // Forward-pointing children make every walk end at a leaf.
      if (!(child > node && child < nodes))
        throw new ModelFormatError(`${where}: node ${node} has child ${child} (nodes: ${nodes})`);
    }
  }
  if (!json.value.every(Number.isFinite)) throw new ModelFormatError(`${where}: a leaf value is not finite`);
  return {
    feature: Int32Array.from(json.feature),
    threshold: Float64Array.from(json.threshold),
    missingLeft: Uint8Array.from(json.missingLeft),
    left: Int32Array.from(json.left),
    right: Int32Array.from(json.right),
    value: Float64Array.from(json.value),
    width: json.width,
  };
}

/** Parses and checks a stored tree model document. */
export function parseTreeModel(text: string): TreeModelJson {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ModelFormatError(
      `tree model is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const parsed = treeModelSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue === undefined ? '' : issue.path.join('.');
    throw new ModelFormatError(
      `tree model is malformed at "${path}": ${issue?.message ?? 'unknown problem'}`,
    );
  }
  return parsed.data;
}
