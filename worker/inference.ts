// Live inference in the feature worker: the models running on the live feature sets' rows.
// Each model predicts every new row of its set once, on the same normalisation it was trained
// with, and says how long that took; sequence models see the window of rows ending at the row.
import { applyNormalization, type NormalizationStats } from '../shared/features/pipeline/normalize.js';
import { ModelFormatError, type ModelArtifact, type TrainedModel } from '../shared/models/model.js';
import { loadStackingModel } from '../shared/models/stacking.js';
import {
  PLAIN_FORWARD_PASS,
  PLAIN_TYPESCRIPT,
  tfjsPath,
} from '../shared/models/nets/forward/prediction-path.js';
import { loadTreeModel } from '../shared/models/trees/artifact.js';
import type { InferenceSkips, LivePrediction, ModelLoad } from '../shared/worker/feature-worker-protocol.js';

/** A model as restored from its artifact, and the TensorFlow.js backend it runs on (null: plain TypeScript). */
export interface RestoredModel {
  readonly model: TrainedModel;
  readonly backend: string | null;
  /**
   * How its predictions are computed, in the words the Signals view shows: 'plain forward
   * pass' or 'tfjs <backend>' for networks, 'plain TypeScript' for trees (the default when absent).
   */
  readonly path?: string;
  /** Why a network predicts through tfjs rather than the plain pass (null when it does not). */
  readonly pathNote?: string | null;
}

export type RestoreModel = (artifact: ModelArtifact) => Promise<RestoredModel>;

let backend: Promise<string> | null = null;

/**
 * Restores a stored model: trees and stacking ensembles from their JSON (plain TypeScript, no
 * tfjs backend needed), networks through TensorFlow.js on the backend chosen once per worker
 * (tf-backend.ts) when the first network comes. A network whose layers the plain forward pass
 * knows then predicts through it (well under a millisecond per window against 4-18 ms of tfjs
 * per-call overhead on wasm); its tfjs model stays for MC-dropout uncertainty and as the path
 * of a network with a layer the plain pass lacks. The network modules are imported
 * dynamically so that a bundle with code splitting loads tfjs only then; today's one-file
 * bundle loads it with the worker.
 */
export async function restoreModel(artifact: ModelArtifact): Promise<RestoredModel> {
  if (artifact.format === 'json') {
    const model = artifact.kind === 'stacking' ? loadStackingModel(artifact) : loadTreeModel(artifact);
    return { model, backend: null, path: PLAIN_TYPESCRIPT, pathNote: null };
  }
  // Live predictions read synchronously: never webgpu (see PREDICTION_BACKENDS).
  backend ??= import('./models/tf-backend.js').then(
    async ({ selectBackend, PREDICTION_BACKENDS }) =>
      (await selectBackend({ prefer: PREDICTION_BACKENDS })).name,
  );
  const name = await backend;
  const [{ loadNetwork }, { PlainForwardNetwork }] = await Promise.all([
    import('../shared/models/nets/network-model.js'),
    import('../shared/models/nets/forward/plain-network.js'),
  ]);
  const network = await loadNetwork(artifact);
  const plain = PlainForwardNetwork.tryOf(network);
  if ('unsupported' in plain)
    return { model: network, backend: name, path: tfjsPath(name), pathNote: plain.unsupported };
  return { model: plain, backend: name, path: PLAIN_FORWARD_PASS, pathNote: null };
}

export interface LiveInferenceOptions {
  readonly restore: RestoreModel;
  /** Milliseconds, monotonic (performance.now in the worker). */
  readonly now: () => number;
  /** Stochastic passes (MC dropout) or members asked for an uncertainty. */
  readonly uncertaintySamples?: number;
  /** Time an uncertainty may cost per row on average; slower ones are computed on every k-th row. */
  readonly uncertaintyBudgetMs?: number;
  /** Rows predicted one by one per model and batch; older rows of a longer burst are skipped. */
  readonly maxRowsPerBatch?: number;
}

/** What the host learns when a model is ready. */
export interface LoadedModelInfo {
  readonly outputs: number;
  readonly window: number;
  readonly backend: string | null;
  /** How it predicts: 'plain forward pass', 'tfjs <backend>' or 'plain TypeScript'. */
  readonly path: string;
  /** Why a network falls back to tfjs (the layer the plain pass lacks); null otherwise. */
  readonly pathNote: string | null;
  readonly uncertainty: boolean;
}

/**
 * MC dropout costs `samples` forward passes, so it is not run on every row when that is slow:
 * the cost of the last uncertainty is tracked and it runs on every k-th row, k = cost / budget
 * rounded up, keeping the average extra time per row near the budget. Rows in between carry
 * a null uncertainty (not a stale one). Tree ensembles answer in microseconds: every row.
 */
export const UNCERTAINTY_SAMPLES = 8;
/** Ensembles (forests) answer from their members, which cost microseconds: all of them (it clamps). */
export const ENSEMBLE_SAMPLES = 1024;
export const UNCERTAINTY_BUDGET_MS = 2;
/**
 * A burst (an event-sampled set after a busy second, a backlog after a pause) is not predicted
 * row by row: the newest rows are, the older ones only feed sequence windows. The UI and the
 * live accuracy would not be served by a prediction of a row the market has long left.
 */
export const MAX_ROWS_PER_BATCH = 256;

interface UncertainPredictor {
  uncertainty(x: Float64Array, rows: number, samples: number): Float64Array;
}

function canTellUncertainty(model: TrainedModel): model is TrainedModel & UncertainPredictor {
  return 'uncertainty' in model && typeof model.uncertainty === 'function';
}

/** One model running on one set. */
class RunningModel {
  /** Where each model column sits in the set's rows. */
  private readonly source: Int32Array;
  /** The model's columns of the current row, raw then normalised. */
  private readonly raw: Float64Array;
  private readonly scaled: Float64Array;
  /** Ring of the last `window` normalised rows (row-major) and the input it is unrolled into. */
  private readonly ring: Float64Array;
  private readonly input: Float64Array;
  private readonly output: Float64Array;
  private ringNext = 0;
  /** Consecutive rows, up to the current one, without a missing input. */
  private cleanRun = 0;
  private uncertaintyCostMs = 0;
  private rowsSinceUncertainty = Number.POSITIVE_INFINITY;

  constructor(
    readonly load: Omit<ModelLoad, 'artifact'>,
    readonly model: TrainedModel,
    private readonly normalization: NormalizationStats | null,
    private readonly options: Required<Omit<LiveInferenceOptions, 'restore'>>,
    /** Stochastic passes (networks) or ensemble members (trees) behind an uncertainty. */
    private readonly samples: number,
  ) {
    const width = model.columns.length;
    this.source = Int32Array.from(model.columns, (column) => load.columns.indexOf(column));
    this.raw = new Float64Array(width);
    this.scaled = new Float64Array(width);
    this.ring = new Float64Array(model.window * width);
    this.input = new Float64Array(model.window * width);
    this.output = new Float64Array(model.outputs);
  }

  /** Predicts the set's new rows; appends to `out`, returns the rows skipped. */
  onRows(
    ts: Float64Array,
    values: Float64Array,
    count: number,
    width: number,
    out: LivePrediction[],
  ): InferenceSkips {
    const firstPredicted = Math.max(0, count - this.options.maxRowsPerBatch);
    let missing = 0;
    for (let row = 0; row < count; row++) {
      const started = this.options.now();
      const clean = this.take(values, row * width);
      if (!clean) {
        missing++;
        continue;
      }
      if (row < firstPredicted || this.cleanRun < this.model.window) continue;
      out.push(this.predict(row, ts[row] ?? Number.NaN, started));
    }
    return { modelId: this.load.modelId, missing, backlog: firstPredicted };
  }

  /** Reads one set row into the model's inputs (and the sequence ring); false if one is missing. */
  private take(values: Float64Array, offset: number): boolean {
    for (let j = 0; j < this.source.length; j++) {
      this.raw[j] = values[offset + (this.source[j] ?? 0)] ?? Number.NaN;
    }
    if (this.normalization === null) this.scaled.set(this.raw);
    else applyNormalization(this.normalization, this.raw, this.scaled);
    let clean = true;
    for (let j = 0; j < this.scaled.length; j++) if (Number.isNaN(this.scaled[j])) clean = false;
    // Every row enters the ring, missing ones too, so a window is always consecutive rows of
    // the set, as in training, where windows holding a missing value were dropped.
    this.ring.set(this.scaled, this.ringNext * this.scaled.length);
    this.ringNext = (this.ringNext + 1) % this.model.window;
    this.cleanRun = clean ? this.cleanRun + 1 : 0;
    return clean;
  }

  private predict(row: number, ts: number, started: number): LivePrediction {
    const window = this.model.window;
    const width = this.scaled.length;
    // Oldest row first: the ring's next slot holds the oldest.
    const head = this.ringNext * width;
    this.input.set(this.ring.subarray(head), 0);
    this.input.set(this.ring.subarray(0, head), this.ring.length - head);
    const output = this.model.predict(window === 1 ? this.scaled : this.input, 1, this.output);
    const latencyMs = Math.max(0, this.options.now() - started);
    return {
      modelId: this.load.modelId,
      role: this.load.role,
      setId: this.load.setId,
      row,
      ts,
      output: Array.from(output),
      confidence: confidenceOf(output),
      uncertainty: this.uncertainty(window === 1 ? this.scaled : this.input),
      latencyMs,
    };
  }

  private uncertainty(x: Float64Array): number | null {
    if (!canTellUncertainty(this.model) || this.model.outputs < 2) return null;
    const stride = Math.max(1, Math.ceil(this.uncertaintyCostMs / this.options.uncertaintyBudgetMs));
    if (this.rowsSinceUncertainty + 1 < stride) {
      this.rowsSinceUncertainty++;
      return null;
    }
    const started = this.options.now();
    const spread = this.model.uncertainty(x, 1, this.samples)[0] ?? Number.NaN;
    this.uncertaintyCostMs = this.options.now() - started;
    this.rowsSinceUncertainty = 0;
    return Number.isFinite(spread) ? spread : null;
  }
}

/**
 * Probability of the predicted class (the largest output). A regression model has no class:
 * its confidence is 0, and its one output is the predicted return.
 */
export function confidenceOf(output: ArrayLike<number>): number {
  if (output.length < 2) return 0;
  let best = 0;
  for (let i = 0; i < output.length; i++) best = Math.max(best, output[i] ?? 0);
  return best;
}

/** The loaded models, by the set they run on. */
export class LiveInference {
  private readonly models = new Map<number, RunningModel>();
  /** Loads in progress: an unload meanwhile cancels them. */
  private readonly loading = new Map<number, number>();
  private loads = 0;
  private readonly settings: Required<Omit<LiveInferenceOptions, 'restore'>>;

  constructor(private readonly options: LiveInferenceOptions) {
    this.settings = {
      now: options.now,
      uncertaintySamples: options.uncertaintySamples ?? UNCERTAINTY_SAMPLES,
      uncertaintyBudgetMs: options.uncertaintyBudgetMs ?? UNCERTAINTY_BUDGET_MS,
      maxRowsPerBatch: options.maxRowsPerBatch ?? MAX_ROWS_PER_BATCH,
    };
  }

  get size(): number {
    return this.models.size;
  }

  /**
   * Restores a model and runs it from the next rows on (replacing one with the same id).
   * Rejects with a message naming what is wrong: a corrupt artifact, columns the set lacks,
   * a window other than announced, normalisation of other columns.
   */
  async load(request: ModelLoad): Promise<LoadedModelInfo> {
    const ticket = ++this.loads;
    this.loading.set(request.modelId, ticket);
    let restored: RestoredModel;
    try {
      restored = await this.options.restore(toArtifact(request.artifact));
    } catch (error) {
      throw new ModelFormatError(`model ${request.modelId}: cannot restore it: ${messageOf(error)}`, {
        cause: error,
      });
    }
    const { model } = restored;
    try {
      if (this.loading.get(request.modelId) !== ticket) throw new Error('unloaded while loading');
      const missing = model.columns.filter((column) => !request.columns.includes(column));
      if (missing.length > 0) {
        throw new ModelFormatError(
          `model ${request.modelId} needs columns its feature set does not give: ${missing.join(', ')}`,
        );
      }
      if (model.window !== request.window) {
        throw new ModelFormatError(
          `model ${request.modelId} reads windows of ${model.window} rows, its record says ${request.window}`,
        );
      }
      const normalization =
        request.normalization === null ? null : alignNormalization(request.normalization, model.columns);
      const { artifact: _artifact, ...load } = request;
      this.models.get(request.modelId)?.model.dispose();
      const samples = restored.backend === null ? ENSEMBLE_SAMPLES : this.settings.uncertaintySamples;
      // One pass on zeros first: tfjs compiles its kernels on the first call (100 ms and more
      // on wasm), which the first live latency would otherwise report as the model's.
      const zeros = new Float64Array(model.window * model.columns.length);
      model.predict(zeros, 1);
      if (canTellUncertainty(model)) model.uncertainty(zeros, 1, samples);
      this.models.set(request.modelId, new RunningModel(load, model, normalization, this.settings, samples));
      return {
        outputs: model.outputs,
        window: model.window,
        backend: restored.backend,
        path: restored.path ?? (restored.backend === null ? PLAIN_TYPESCRIPT : tfjsPath(restored.backend)),
        pathNote: restored.pathNote ?? null,
        uncertainty: canTellUncertainty(model),
      };
    } catch (error) {
      model.dispose();
      throw error;
    } finally {
      if (this.loading.get(request.modelId) === ticket) this.loading.delete(request.modelId);
    }
  }

  unload(modelId: number): boolean {
    this.loading.delete(modelId);
    const running = this.models.get(modelId);
    if (running === undefined) return false;
    running.model.dispose();
    this.models.delete(modelId);
    return true;
  }

  /** Runs every model of `setId` on the set's new rows. */
  onRows(
    setId: string,
    ts: Float64Array,
    values: Float64Array,
    count: number,
    width: number,
    predictions: LivePrediction[],
    skipped: InferenceSkips[],
  ): void {
    for (const running of this.models.values()) {
      if (running.load.setId !== setId) continue;
      skipped.push(running.onRows(ts, values, count, width, predictions));
    }
  }

  dispose(): void {
    for (const running of this.models.values()) running.model.dispose();
    this.models.clear();
  }
}

/** The normalisation of the model's columns, in the model's order. */
function alignNormalization(stats: NormalizationStats, columns: readonly string[]): NormalizationStats {
  const index = columns.map((column) => stats.columns.indexOf(column));
  const lacking = columns.filter((_, j) => (index[j] ?? -1) < 0);
  if (lacking.length > 0) {
    throw new ModelFormatError(`the model's normalisation has no statistics for ${lacking.join(', ')}`);
  }
  const pick = <T>(values: readonly T[], fallback: T): T[] => index.map((i) => values[i] ?? fallback);
  return {
    ...stats,
    columns: [...columns],
    center: pick(stats.center, null),
    scale: pick(stats.scale, null),
    count: pick(stats.count, 0),
  };
}

function toArtifact(artifact: ModelLoad['artifact']): ModelArtifact {
  if (artifact.format === 'json') return artifact;
  return {
    format: 'tfjs',
    kind: artifact.kind,
    modelTopology: artifact.modelTopology,
    weightSpecs: artifact.weightSpecs,
    weightData: artifact.weightData,
    meta: artifact.meta,
  };
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
