import { ModelFormatError, modelParamsSchema, type ModelArtifact } from '../model.js';
import { parseTreeModel, treeFromJson } from './codec.js';
import { ForestModel, type ForestParams } from './forest.js';
import { GbdtModel, type GbdtParams } from './gbdt.js';

/** Restores a saved GBDT or random forest; a damaged artifact throws ModelFormatError saying why. */
export function loadTreeModel(artifact: ModelArtifact): GbdtModel | ForestModel {
  if (artifact.format !== 'json')
    throw new ModelFormatError(
      `a ${artifact.kind} tree model must be stored as json, not ${artifact.format}`,
    );
  const doc = parseTreeModel(artifact.json);
  if (doc.kind !== artifact.kind)
    throw new ModelFormatError(`artifact says ${artifact.kind} but its document holds a ${doc.kind}`);
  const params = modelParamsSchema.safeParse({ ...doc.params, kind: doc.kind });
  if (!params.success)
    throw new ModelFormatError(
      `${doc.kind} hyper-parameters are invalid: ${params.error.issues[0]?.message ?? ''}`,
    );
  const width = doc.kind === 'gbdt' ? 1 : doc.classes === 0 ? 1 : doc.classes;
  const trees = doc.trees.map((tree, i) => {
    if (tree.width !== width)
      throw new ModelFormatError(`tree ${i}: leaves hold ${tree.width} values, expected ${width}`);
    return treeFromJson(tree, doc.columns.length, `tree ${i}`);
  });
  if (doc.kind === 'gbdt') {
    const perRound = doc.classes === 3 ? 3 : 1;
    if (
      doc.baseScore.length !== perRound ||
      doc.treesPerRound !== perRound ||
      trees.length % perRound !== 0
    ) {
      throw new ModelFormatError(
        `gbdt with ${doc.classes} classes needs ${perRound} trees per round and base scores`,
      );
    }
    return new GbdtModel({
      columns: doc.columns,
      classes: doc.classes,
      baseScore: Float64Array.from(doc.baseScore),
      trees,
      params: params.data as GbdtParams,
    });
  }
  return new ForestModel({
    columns: doc.columns,
    classes: doc.classes,
    trees,
    params: params.data as ForestParams,
  });
}
