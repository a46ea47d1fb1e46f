import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { foldReportSchema, modelInfoSchema } from '../../shared/api/domains/models.js';
import { isSequenceKind, ModelFormatError, type ModelArtifact } from '../../shared/models/model.js';
import { normalizationWireSchema } from '../../shared/models/training-protocol.js';
import { loadStackingModel } from '../../shared/models/stacking.js';
import { loadTreeModel } from '../../shared/models/trees/artifact.js';
import type { NewModel, ModelRegistry } from './registry.js';
import { ensureOwnerDir, writeOwnerFile } from '../storage/owner-only.js';

/**
 * A model as a folder anyone can read: `model.json` (TensorFlow.js layers format with its
 * weights in `weights.bin`, loadable by tf.loadLayersModel once custom layers are registered;
 * or the tree model's own JSON document) and `card.json`, the lineage, per-fold reports and
 * the normalisation the inputs need. Import checks every file against the others and names the
 * file at fault: a corrupt model is refused, never registered half-read.
 */

export const CARD_FILE = 'card.json';
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
const CARD_FORMAT = 'trading-workstation-model-card';
const CARD_VERSION = 1;

const cardSchema = z.object({
  format: z.literal(CARD_FORMAT),
  version: z.literal(CARD_VERSION),
  model: modelInfoSchema.omit({ id: true }),
  artifact: z.object({ format: z.enum(['tfjs', 'json']) }),
  folds: z.array(foldReportSchema),
  normalization: normalizationWireSchema,
});

const weightSpecSchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.enum(['float32', 'int32', 'bool']),
});

const tfjsModelSchema = z.object({
  format: z.literal('layers-model'),
  modelTopology: z.record(z.string(), z.unknown()),
  weightsManifest: z
    .array(z.object({ paths: z.tuple([z.literal(WEIGHTS_FILE)]), weights: z.array(weightSpecSchema) }))
    .length(1),
  userDefinedMetadata: z.record(z.string(), z.unknown()).default({}),
});

/** Bytes of the weights a manifest lists (float32 and int32 take 4, bool 1). */
function manifestBytes(weights: readonly z.infer<typeof weightSpecSchema>[]): number {
  return weights.reduce(
    (sum, spec) => sum + spec.shape.reduce((n, d) => n * d, 1) * (spec.dtype === 'bool' ? 1 : 4),
    0,
  );
}

/** Writes the model's folder under `exportsDir`; returns it and the files written. */
export function exportModel(
  registry: ModelRegistry,
  id: number,
  exportsDir: string,
): { path: string; files: string[] } | null {
  const loaded = registry.load(id);
  const detail = registry.detail(id);
  if (loaded === null || detail === null) return null;
  const folder = path.join(exportsDir, `model-${id}`);
  ensureOwnerDir(folder);
  const { artifact } = loaded;
  const files: string[] = [];
  const write = (name: string, data: string | Uint8Array): void => {
    writeOwnerFile(path.join(folder, name), data);
    files.push(name);
  };
  if (artifact.format === 'tfjs') {
    write(
      MODEL_FILE,
      JSON.stringify({
        format: 'layers-model',
        generatedBy: `trading-workstation ${detail.codeVersion}`,
        convertedBy: null,
        modelTopology: artifact.modelTopology,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifact.weightSpecs }],
        userDefinedMetadata: artifact.meta,
      }),
    );
    write(WEIGHTS_FILE, new Uint8Array(artifact.weightData));
  } else {
    write(MODEL_FILE, artifact.json);
  }
  const { id: _id, bytes: _bytes, folds, ...model } = detail;
  write(
    CARD_FILE,
    JSON.stringify(
      {
        format: CARD_FORMAT,
        version: CARD_VERSION,
        model,
        artifact: { format: artifact.format },
        folds,
        normalization: loaded.normalization,
      },
      null,
      2,
    ),
  );
  return { path: folder, files };
}

function readJson(folder: string, name: string): unknown {
  const file = path.join(folder, name);
  if (!existsSync(file)) throw new ModelFormatError(`${name} is missing from ${folder}`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    throw new ModelFormatError(
      `${name} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function problems(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}

/**
 * Reads and checks a folder written by `exportModel`: the card, the artifact it announces and,
 * for trees, that the document loads with the card's kind and columns. Throws ModelFormatError
 * naming the file at fault.
 */
export function readModelFolder(folder: string): NewModel {
  if (!existsSync(folder)) throw new ModelFormatError(`no folder ${folder}`);
  const card = cardSchema.safeParse(readJson(folder, CARD_FILE));
  if (!card.success) throw new ModelFormatError(`${CARD_FILE} is not a model card: ${problems(card.error)}`);
  const { model, normalization, folds } = card.data;
  if (normalization.columns.join('\n') !== model.columns.join('\n'))
    throw new ModelFormatError(`${CARD_FILE}: the normalisation's columns are not the model's columns`);
  // Networks are TensorFlow.js layers models; everything else is a JSON document.
  const expected = isSequenceKind(model.kind) ? 'tfjs' : 'json';
  if (card.data.artifact.format !== expected)
    throw new ModelFormatError(
      `${CARD_FILE}: a ${model.kind} model is stored as ${expected}, not ${card.data.artifact.format}`,
    );
  let artifact: ModelArtifact;
  if (card.data.artifact.format === 'tfjs') {
    const parsed = tfjsModelSchema.safeParse(readJson(folder, MODEL_FILE));
    if (!parsed.success)
      throw new ModelFormatError(
        `${MODEL_FILE} is not a TensorFlow.js layers model: ${problems(parsed.error)}`,
      );
    const weightsFile = path.join(folder, WEIGHTS_FILE);
    if (!existsSync(weightsFile)) throw new ModelFormatError(`${WEIGHTS_FILE} is missing from ${folder}`);
    const weights = readFileSync(weightsFile);
    const manifest = parsed.data.weightsManifest[0]?.weights ?? [];
    const expected = manifestBytes(manifest);
    if (weights.byteLength !== expected)
      throw new ModelFormatError(
        `${WEIGHTS_FILE} holds ${weights.byteLength} bytes but ${MODEL_FILE} lists ${expected} bytes of weights`,
      );
    artifact = {
      format: 'tfjs',
      kind: model.kind,
      modelTopology: parsed.data.modelTopology,
      weightSpecs: manifest,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      meta: parsed.data.userDefinedMetadata,
    };
  } else {
    const file = path.join(folder, MODEL_FILE);
    if (!existsSync(file)) throw new ModelFormatError(`${MODEL_FILE} is missing from ${folder}`);
    artifact = { format: 'json', kind: model.kind, json: readFileSync(file, 'utf8') };
    if (model.kind === 'gbdt' || model.kind === 'random-forest' || model.kind === 'stacking') {
      let loaded;
      try {
        loaded = model.kind === 'stacking' ? loadStackingModel(artifact) : loadTreeModel(artifact);
      } catch (error) {
        throw new ModelFormatError(
          `${MODEL_FILE}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      const columns = [...loaded.columns];
      loaded.dispose();
      if (columns.join('\n') !== model.columns.join('\n'))
        throw new ModelFormatError(`${MODEL_FILE} has other columns than ${CARD_FILE}`);
    }
  }
  return { info: model, folds, normalization, artifact };
}
