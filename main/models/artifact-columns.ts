import { z } from 'zod';
import { ModelFormatError, type ModelArtifact, type ModelKind } from '../../shared/models/model.js';

/**
 * How a model artifact is kept in SQLite, by the registry (models) and by the training
 * checkpoints alike: a TensorFlow.js artifact as its topology and weight specs (JSON text),
 * the weights as one BLOB and its meta (JSON); a JSON artifact (trees, ensembles) as its text.
 */
export interface ArtifactColumns {
  format: 'tfjs' | 'json';
  topology: string | null;
  weight_specs: string | null;
  weights: Buffer | null;
  artifact_meta: string | null;
  artifact_json: string | null;
}

/** The named parameters an INSERT binds (`@format, @topology, @weightSpecs, @weights, @artifactMeta, @artifactJson`). */
export function artifactParams(artifact: ModelArtifact): {
  format: 'tfjs' | 'json';
  topology: string | null;
  weightSpecs: string | null;
  weights: Buffer | null;
  artifactMeta: string | null;
  artifactJson: string | null;
} {
  const tfjs = artifact.format === 'tfjs' ? artifact : null;
  return {
    format: artifact.format,
    topology: tfjs === null ? null : JSON.stringify(tfjs.modelTopology),
    weightSpecs: tfjs === null ? null : JSON.stringify(tfjs.weightSpecs),
    weights: tfjs === null ? null : Buffer.from(tfjs.weightData),
    artifactMeta: tfjs === null ? null : JSON.stringify(tfjs.meta),
    artifactJson: artifact.format === 'json' ? artifact.json : null,
  };
}

/** The artifact back from its columns; `where` names the row in the error of an incomplete one. */
export function artifactFromColumns(row: ArtifactColumns, kind: ModelKind, where: string): ModelArtifact {
  if (row.format === 'tfjs') {
    if (row.topology === null || row.weight_specs === null || row.weights === null)
      throw new ModelFormatError(`${where}: a TensorFlow.js artifact without its topology or weights`);
    const weights = row.weights;
    return {
      format: 'tfjs',
      kind,
      modelTopology: JSON.parse(row.topology) as unknown,
      weightSpecs: JSON.parse(row.weight_specs) as unknown,
      // A copy of exactly the row's bytes: the Buffer may be a view on a larger pool.
      weightData: weights.buffer.slice(
        weights.byteOffset,
        weights.byteOffset + weights.byteLength,
      ) as ArrayBuffer,
      meta: z.record(z.string(), z.unknown()).parse(JSON.parse(row.artifact_meta ?? '{}')),
    };
  }
  if (row.artifact_json === null)
    throw new ModelFormatError(`${where}: a JSON artifact without its document`);
  return { format: 'json', kind, json: row.artifact_json };
}
