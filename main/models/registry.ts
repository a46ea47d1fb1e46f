import { z } from 'zod';
import {
  foldReportSchema,
  modelInfoSchema,
  searchSchema,
  type FoldReport,
  type ModelDetail,
  type ModelInfo,
  type SearchInfo,
} from '../../shared/api/domains/models.js';
import type { NormalizationStats } from '../../shared/features/pipeline/normalize.js';
import { ModelFormatError, type ModelArtifact, type ModelKind } from '../../shared/models/model.js';
import type { SqliteDatabase } from '../storage/database.js';
import { artifactFromColumns, artifactParams, type ArtifactColumns } from './artifact-columns.js';

/** A model to register: its lineage, per-fold reports, the normalisation it expects and its artifact. */
export interface NewModel {
  readonly info: Omit<ModelInfo, 'id'>;
  readonly folds: readonly FoldReport[];
  readonly normalization: NormalizationStats;
  readonly artifact: ModelArtifact;
}

/** What live inference needs to run a stored model. */
export interface LoadedModel {
  readonly info: ModelInfo;
  readonly artifact: ModelArtifact;
  readonly normalization: NormalizationStats;
}

export type TrialRecord = SearchInfo['trials'][number];

export interface NewSearch {
  readonly createdAt: number;
  readonly name: string;
  readonly method: SearchInfo['method'];
  readonly kind: ModelKind;
  /** The request that started it, for the record. */
  readonly request: unknown;
}

interface ModelRow extends ArtifactColumns {
  id: number;
  name: string;
  kind: string;
  created_at: number;
  instrument: string;
  feature_set_id: string;
  feature_set_hash: string;
  from_ts: number;
  to_ts: number;
  columns: string;
  label: string;
  params: string;
  validation: string;
  scores: string;
  folds: string;
  backend: string;
  training_ms: number;
  code_version: string;
  search_id: number | null;
  normalization: string;
  bytes: number;
}

interface TrialRow {
  trial: number;
  params: string;
  state: string;
  value: number | null;
  model_id: number | null;
  error: string | null;
}

const LINEAGE_COLUMNS = `id, name, kind, created_at, instrument, feature_set_id, feature_set_hash, from_ts, to_ts,
  columns, label, params, validation, scores, backend, training_ms, code_version, search_id`;
const BYTES = `COALESCE(LENGTH(weights), 0) + COALESCE(LENGTH(topology), 0) + COALESCE(LENGTH(weight_specs), 0)
  + COALESCE(LENGTH(artifact_json), 0) AS bytes`;

const normalizationSchema = z.object({
  method: z.enum(['zscore', 'robust']),
  columns: z.array(z.string()),
  center: z.array(z.number().nullable()),
  scale: z.array(z.number().nullable()),
  count: z.array(z.number()),
  trainFrom: z.number(),
  trainTo: z.number(),
});

/** The NormalizationStats of a JSON value, or a ModelFormatError saying what is wrong. */
export function parseNormalization(value: unknown, where: string): NormalizationStats {
  const parsed = normalizationSchema.safeParse(value);
  if (!parsed.success) throw new ModelFormatError(`${where}: invalid normalisation: ${parsed.error.message}`);
  return parsed.data;
}

/**
 * The model registry in the workspace database (migration 0008): every model with its lineage,
 * the normalisation it was trained with and its artifact, plus hyper-parameter searches and
 * every one of their trials. Rows are parsed back through the contract's schemas, so a row
 * written by a build with another contract fails loudly instead of reaching the UI half-read.
 */
export class ModelRegistry {
  private readonly sql;

  constructor(private readonly db: SqliteDatabase) {
    this.sql = {
      insert: db.prepare<[Record<string, unknown>], { id: number }>(
        `INSERT INTO models (name, kind, created_at, instrument, feature_set_id, feature_set_hash, from_ts, to_ts,
           columns, label, params, validation, scores, folds, backend, training_ms, code_version, search_id,
           normalization, format, topology, weight_specs, weights, artifact_meta, artifact_json)
         VALUES (@name, @kind, @createdAt, @instrument, @featureSetId, @featureSetHash, @from, @to,
           @columns, @label, @params, @validation, @scores, @folds, @backend, @trainingMs, @codeVersion, @searchId,
           @normalization, @format, @topology, @weightSpecs, @weights, @artifactMeta, @artifactJson)
         RETURNING id`,
      ),
      info: db.prepare<[number], ModelRow>(`SELECT ${LINEAGE_COLUMNS}, ${BYTES} FROM models WHERE id = ?`),
      detail: db.prepare<[number], ModelRow>(
        `SELECT ${LINEAGE_COLUMNS}, folds, ${BYTES} FROM models WHERE id = ?`,
      ),
      full: db.prepare<[number], ModelRow>(`SELECT *, ${BYTES} FROM models WHERE id = ?`),
      list: db.prepare<[{ query: string; limit: number }], ModelRow>(
        `SELECT ${LINEAGE_COLUMNS}, ${BYTES} FROM models
         WHERE @query = '' OR instr(lower(name || char(10) || kind || char(10) || instrument || char(10) || feature_set_hash), lower(@query)) > 0
         ORDER BY created_at DESC, id DESC LIMIT @limit`,
      ),
      delete: db.prepare<[number]>('DELETE FROM models WHERE id = ?'),
      insertSearch: db.prepare<[number, string, string, string, string], { id: number }>(
        'INSERT INTO model_searches (created_at, name, method, kind, request) VALUES (?, ?, ?, ?, ?) RETURNING id',
      ),
      search: db.prepare<
        [number],
        { id: number; created_at: number; method: string; kind: string; best_model: number | null }
      >('SELECT id, created_at, method, kind, best_model FROM model_searches WHERE id = ?'),
      setBest: db.prepare<[number | null, number]>('UPDATE model_searches SET best_model = ? WHERE id = ?'),
      trials: db.prepare<[number], TrialRow>(
        'SELECT trial, params, state, value, model_id, error FROM model_trials WHERE search_id = ? ORDER BY trial',
      ),
      upsertTrial: db.prepare<[number, number, string, string, number | null, number | null, string | null]>(
        `INSERT INTO model_trials (search_id, trial, params, state, value, model_id, error) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (search_id, trial) DO UPDATE SET params = excluded.params, state = excluded.state,
           value = excluded.value, model_id = excluded.model_id, error = excluded.error`,
      ),
    };
  }

  /** Registers a model; returns its id. */
  insert(model: NewModel): number {
    const { info, artifact } = model;
    const row = this.sql.insert.get({
      name: info.name,
      kind: info.kind,
      createdAt: info.createdAt,
      instrument: info.instrument,
      featureSetId: info.featureSetId,
      featureSetHash: info.featureSetHash,
      from: info.from,
      to: info.to,
      columns: JSON.stringify(info.columns),
      label: JSON.stringify(info.label),
      params: JSON.stringify(info.params),
      validation: JSON.stringify(info.validation),
      scores: JSON.stringify(info.scores),
      folds: JSON.stringify(model.folds),
      backend: info.backend,
      trainingMs: info.trainingMs,
      codeVersion: info.codeVersion,
      searchId: info.searchId,
      normalization: JSON.stringify(model.normalization),
      ...artifactParams(artifact),
    });
    if (row === undefined) throw new Error('registering a model returned no id');
    return row.id;
  }

  info(id: number): ModelInfo | null {
    const row = this.sql.info.get(id);
    return row === undefined ? null : infoOf(row);
  }

  /** Lineage, per-fold reports and the artifact's size. */
  detail(id: number): ModelDetail | null {
    const row = this.sql.detail.get(id);
    if (row === undefined) return null;
    return {
      ...infoOf(row),
      folds: z.array(foldReportSchema).parse(JSON.parse(row.folds)),
      bytes: row.bytes,
    };
  }

  /** Everything needed to run the model: lineage, artifact and the normalisation of its training rows. */
  load(id: number): LoadedModel | null {
    const row = this.sql.full.get(id);
    if (row === undefined) return null;
    const where = `model ${id}`;
    const artifact = artifactFromColumns(row, modelInfoSchema.shape.kind.parse(row.kind), where);
    return {
      info: infoOf(row),
      artifact,
      normalization: parseNormalization(JSON.parse(row.normalization), where),
    };
  }

  /** Newest first; `query` matches name, kind, instrument or feature-set hash (case-insensitive). */
  list(query: string, limit: number): ModelInfo[] {
    return this.sql.list.all({ query: query.trim(), limit }).map(infoOf);
  }

  delete(id: number): boolean {
    return this.sql.delete.run(id).changes > 0;
  }

  createSearch(search: NewSearch): number {
    const row = this.sql.insertSearch.get(
      search.createdAt,
      search.name,
      search.method,
      search.kind,
      JSON.stringify(search.request),
    );
    if (row === undefined) throw new Error('creating a search returned no id');
    return row.id;
  }

  /** Records a trial (again, as its state changes). */
  recordTrial(searchId: number, trial: TrialRecord): void {
    this.sql.upsertTrial.run(
      searchId,
      trial.trial,
      JSON.stringify(trial.params),
      trial.state,
      trial.value !== null && Number.isFinite(trial.value) ? trial.value : null,
      trial.modelId,
      trial.error,
    );
  }

  setBestModel(searchId: number, modelId: number | null): void {
    this.sql.setBest.run(modelId, searchId);
  }

  search(id: number): SearchInfo | null {
    const row = this.sql.search.get(id);
    if (row === undefined) return null;
    // A deleted best model leaves its id behind in the search row: report only models that exist.
    const best =
      row.best_model !== null && this.sql.info.get(row.best_model) !== undefined ? row.best_model : null;
    return searchSchema.parse({
      id: row.id,
      createdAt: row.created_at,
      method: row.method,
      kind: row.kind,
      bestModelId: best,
      trials: this.sql.trials.all(id).map((trial) => ({
        trial: trial.trial,
        params: JSON.parse(trial.params) as unknown,
        state: trial.state,
        value: trial.value,
        modelId: trial.model_id,
        error: trial.error,
      })),
    });
  }
}

function infoOf(row: ModelRow): ModelInfo {
  return modelInfoSchema.parse({
    id: row.id,
    name: row.name,
    kind: row.kind,
    createdAt: row.created_at,
    instrument: row.instrument,
    featureSetId: row.feature_set_id,
    featureSetHash: row.feature_set_hash,
    from: row.from_ts,
    to: row.to_ts,
    label: JSON.parse(row.label) as unknown,
    params: JSON.parse(row.params) as unknown,
    validation: JSON.parse(row.validation) as unknown,
    scores: JSON.parse(row.scores) as unknown,
    backend: row.backend,
    trainingMs: row.training_ms,
    codeVersion: row.code_version,
    searchId: row.search_id,
    columns: JSON.parse(row.columns) as unknown,
  });
}
