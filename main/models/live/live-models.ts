import { z } from 'zod';
import { ApiError } from '../../../shared/api/protocol.js';
import type { LiveModel, ModelInfo, Prediction } from '../../../shared/api/domains/models.js';
import type { FeatureMatrix } from '../../../shared/features/pipeline/matrix.js';
import type { NormalizationStats } from '../../../shared/features/pipeline/normalize.js';
import { labelClasses } from '../../../shared/models/labels.js';
import { isSequenceKind, type ModelArtifact } from '../../../shared/models/model.js';
import type { InferenceSkips, LivePrediction } from '../../../shared/worker/feature-worker-protocol.js';
import type { CommandHandlers, TopicSources } from '../../api/handlers.js';
import { Fanout, KeyedFanout } from '../../api/fanout.js';
import type { FeatureWorker, LiveVectors } from '../../workers/feature-worker.js';
import { InputDrift } from './input-drift.js';
import { LatencyWindow } from './latency-window.js';
import { LiveScorecard, rowsNeeded } from './live-scorecard.js';
import { SetRowLog } from './set-row-log.js';

/** `models.predictions` goes out at most 10 times a second per instrument. */
const PREDICTIONS_MS = 100;
/** `models.live` once a second. */
const LIST_MS = 1000;
/** Drift sorts each input's live window: every few seconds is plenty for a slow-moving figure. */
const DRIFT_MS = 5000;
/** Latency percentiles over the last this many predictions. */
const LATENCY_WINDOW = 1000;
/** Rows with a missing input, and no prediction at all, before a model is reported silent. */
const SILENT_ROWS = 100;

/** Where the running list and thresholds are kept (the workspace's settings). */
export const LIVE_MODELS_SETTING = 'models.live';

export interface LiveConfig {
  readonly minAccuracy: number;
  readonly maxPsi: number;
  /** Matured labels the live accuracy is over, and live rows the drift reads. */
  readonly window: number;
  readonly retrainOnAlert: boolean;
}

export const DEFAULT_LIVE_CONFIG: LiveConfig = {
  minAccuracy: 0.45,
  maxPsi: 0.25,
  window: 500,
  retrainOnAlert: false,
};

const persistedSchema = z.object({
  models: z.array(z.object({ modelId: z.number().int().positive(), role: z.enum(['primary', 'shadow']) })),
  config: z.object({
    minAccuracy: z.number().min(0).max(1),
    maxPsi: z.number().positive(),
    window: z.number().int().min(10),
    retrainOnAlert: z.boolean(),
  }),
});
type Persisted = z.infer<typeof persistedSchema>;

/** A registered model as live inference needs it (main/models/registry.ts `load`). */
export interface RunnableModel {
  readonly info: ModelInfo;
  readonly artifact: ModelArtifact;
  readonly normalization: NormalizationStats | null;
}

/** The feature side live models lean on. */
export interface LiveFeatureSets {
  /** A stored set: it runs live in the feature worker for as long as it is stored. */
  set(
    id: string,
  ): { readonly hash: string; readonly instrument: string; readonly columns: readonly string[] } | null;
  /** A cached matrix of the set (hash) on the instrument holding rows of [from, to), or null. */
  matrixCovering(hash: string, instrument: string, from: number, to: number): FeatureMatrix | null;
  /** The price of each of the set's rows at these times, as training labels them (NaN = unknown). */
  rowPrices(setId: string, ts: Float64Array): Float64Array;
}

export interface LiveModelsOptions {
  readonly worker: Pick<
    FeatureWorker,
    'loadModel' | 'unloadModel' | 'subscribeVectors' | 'subscribePredictions'
  >;
  readonly registry: { info(id: number): ModelInfo | null; load(id: number): RunnableModel | null };
  readonly featureSets: LiveFeatureSets;
  /** The workspace's settings (JSON values by key). */
  readonly settings: { get(key: string): unknown; set(key: string, value: unknown): void };
  readonly log?: (line: string) => void;
  /** Retrains a model with its own spec over the latest range (the retrain trigger). */
  readonly retrain?: (modelId: number) => Promise<unknown>;
}

export type LiveCommandName =
  'models.live.start' | 'models.live.stop' | 'models.live.list' | 'models.live.configure';

export interface LiveModels {
  readonly commands: Pick<CommandHandlers, LiveCommandName>;
  readonly topics: Pick<TopicSources, 'models.predictions' | 'models.live'>;
  /** Restarts the models that were live when the workspace closed. */
  restore(): Promise<void>;
  /** Stops a model if it runs live (before it is deleted). */
  stopModel(modelId: number): boolean;
  /** Whether a model runs live now (either role). */
  isRunning(modelId: number): boolean;
  /**
   * Every prediction as it arrives from the worker, with its instrument (not throttled: the
   * paper ML-signal strategy trades on them). Returns the unsubscribe.
   */
  subscribe(listener: (instrument: string, prediction: Prediction) => void): () => void;
  /** Alerts and failures, for the status bar. */
  problems(): string[];
  stop(): void;
}

type Role = LiveModel['role'];

interface Running {
  readonly modelId: number;
  readonly name: string;
  readonly role: Role;
  readonly instrument: string;
  readonly setId: string;
  readonly columnIndex: readonly number[];
  score: LiveScorecard;
  readonly label: ModelInfo['label'];
  readonly latency: LatencyWindow;
  /** How the worker computes its predictions (the path label of the Signals view). */
  readonly path: string;
  readonly pathNote: string | null;
  readonly drift: InputDrift | null;
  predictions: number;
  /** Rows not predicted: an input was missing, or a burst was cut to its newest rows. */
  missing: number;
  backlog: number;
  worstDrift: { column: string; psi: number } | null;
  alerts: string[];
  /** A retrain was asked for during the current alert (not again until the alerts clear). */
  retrainAsked: boolean;
}

/**
 * Models running live in the feature worker on their feature set's rows: one primary and one
 * shadow per instrument, their predictions streamed, their latency, rolling live accuracy (as
 * labels mature) and input drift watched, alerts raised (and a retrain asked for, if set)
 * when accuracy falls under or drift rises over the thresholds. The list survives a restart.
 */
export function createLiveModels(options: LiveModelsOptions): LiveModels {
  const log = options.log ?? (() => undefined);
  const running = new Map<number, Running>();
  const loading = new Map<number, { role: Role; instrument: string }>();
  const logs = new Map<string, SetRowLog>();
  /** Absolute index of the first row of the current batch, per set. */
  const batchStart = new Map<string, number>();
  const failures = new Map<number, string>();
  const predictionStreams = new KeyedFanout<Prediction[]>();
  const listStream = new Fanout<LiveModel[]>();
  let pending = new Map<string, Prediction[]>();
  const listeners = new Set<(instrument: string, prediction: Prediction) => void>();
  let config: LiveConfig = DEFAULT_LIVE_CONFIG;
  let wasRunning = false;

  const stored = persistedSchema.safeParse(options.settings.get(LIVE_MODELS_SETTING));
  if (stored.success) config = stored.data.config;
  const persistedModels: Persisted['models'] = stored.success ? stored.data.models : [];

  const persist = (): void => {
    const models = [...running.values()].map((r) => ({ modelId: r.modelId, role: r.role }));
    options.settings.set(LIVE_MODELS_SETTING, { models, config } satisfies Persisted);
  };

  const view = (r: Running): LiveModel => ({
    modelId: r.modelId,
    name: r.name,
    role: r.role,
    instrument: r.instrument,
    predictions: r.predictions,
    latencyP50Ms: r.latency.quantile(0.5),
    latencyP99Ms: r.latency.quantile(0.99),
    path: r.path,
    pathNote: r.pathNote,
    liveAccuracy: r.score.accuracy(),
    matured: r.score.matured,
    drift: r.worstDrift?.psi ?? null,
    alerts: [...r.alerts],
  });

  const list = (): LiveModel[] => [...running.values()].sort((a, b) => a.modelId - b.modelId).map(view);

  const logOf = (setId: string, width: number, rows: number): SetRowLog => {
    let rowLog = logs.get(setId);
    if (rowLog === undefined || rowLog.width !== width) {
      rowLog = new SetRowLog(width, Math.max(rows, config.window));
      logs.set(setId, rowLog);
    }
    rowLog.reserve(Math.max(rows, config.window));
    return rowLog;
  };

  const start = async (modelId: number, role: Role): Promise<LiveModel> => {
    const current = running.get(modelId);
    if (current?.role === role) return view(current);
    const info = options.registry.info(modelId);
    if (info === null) throw new ApiError('not_found', `no model ${modelId}`);
    for (const other of [...running.values(), ...loading.values()]) {
      if (other !== current && other.instrument === info.instrument && other.role === role) {
        const name = 'name' in other ? ` ('${other.name}')` : '';
        throw new ApiError(
          'bad_request',
          `a ${role} model${name} already runs on ${info.instrument}: stop it or start this one as ${role === 'primary' ? 'shadow' : 'primary'}`,
        );
      }
    }
    if (loading.has(modelId)) throw new ApiError('bad_request', `model ${modelId} is still loading`);
    const set = options.featureSets.set(info.featureSetId);
    if (set === null) {
      throw new ApiError(
        'bad_request',
        `model ${modelId} reads feature set '${info.featureSetId}', which is no longer stored: save it again to run the model live`,
      );
    }
    if (set.hash !== info.featureSetHash) {
      throw new ApiError(
        'bad_request',
        `feature set '${info.featureSetId}' has changed since model ${modelId} was trained (hash ${set.hash.slice(0, 8)} != ${info.featureSetHash.slice(0, 8)})`,
      );
    }
    let model: RunnableModel | null;
    try {
      model = options.registry.load(modelId);
    } catch (error) {
      throw new ApiError('bad_request', `model ${modelId} cannot be read: ${messageOf(error)}`);
    }
    if (model === null) throw new ApiError('not_found', `no model ${modelId}`);
    const columnIndex = info.columns.map((column) => set.columns.indexOf(column));
    const lacking = info.columns.filter((_, j) => (columnIndex[j] ?? -1) < 0);
    if (lacking.length > 0) {
      throw new ApiError(
        'bad_request',
        `feature set '${info.featureSetId}' lacks the model's columns ${lacking.join(', ')}`,
      );
    }
    loading.set(modelId, { role, instrument: info.instrument });
    let loaded: { readonly path: string; readonly pathNote: string | null };
    try {
      if (current !== undefined) stopRunning(current);
      loaded = await options.worker.loadModel({
        modelId,
        role,
        setId: info.featureSetId,
        columns: [...set.columns],
        artifact: model.artifact,
        normalization:
          model.normalization === null
            ? null
            : {
                ...model.normalization,
                columns: [...model.normalization.columns],
                center: [...model.normalization.center],
                scale: [...model.normalization.scale],
                count: [...model.normalization.count],
              },
        window: isSequenceKind(info.kind) && 'window' in info.params ? info.params.window : 1,
      });
    } catch (error) {
      throw new ApiError('bad_request', `model ${modelId} cannot run live: ${messageOf(error)}`);
    } finally {
      loading.delete(modelId);
    }
    const normalization = model.normalization;
    const from = normalization?.trainFrom ?? info.from;
    const to = normalization?.trainTo ?? info.to;
    const matrix = options.featureSets.matrixCovering(info.featureSetHash, info.instrument, from, to);
    const entry: Running = {
      modelId,
      name: info.name,
      role,
      instrument: info.instrument,
      setId: info.featureSetId,
      columnIndex,
      score: new LiveScorecard(info.label, labelClasses(info.label), config.window),
      label: info.label,
      latency: new LatencyWindow(LATENCY_WINDOW),
      path: loaded.path,
      pathNote: loaded.pathNote,
      drift: matrix === null ? null : InputDrift.fromMatrix(matrix, info.columns, from, to),
      predictions: 0,
      missing: 0,
      backlog: 0,
      worstDrift: null,
      alerts: [],
      retrainAsked: false,
    };
    logOf(info.featureSetId, set.columns.length, rowsNeeded(info.label));
    running.set(modelId, entry);
    failures.delete(modelId);
    persist();
    log(`model ${modelId} '${info.name}' runs live as ${role} on ${info.instrument}`);
    return view(entry);
  };

  const stopRunning = (entry: Running): void => {
    options.worker.unloadModel(entry.modelId);
    running.delete(entry.modelId);
    if (![...running.values()].some((r) => r.setId === entry.setId)) {
      logs.delete(entry.setId);
      batchStart.delete(entry.setId);
    }
  };

  const onVectors = (batches: readonly LiveVectors[]): void => {
    for (const batch of batches) {
      const rowLog = logs.get(batch.setId);
      if (rowLog === undefined) continue;
      if (rowLog.width !== batch.width) {
        // The set was saved anew with other features: its models' loads checked the old columns.
        log(`feature set ${batch.setId} changed width while models ran on it`);
        continue;
      }
      batchStart.set(batch.setId, rowLog.next);
      for (let r = 0; r < batch.ts.length; r++)
        rowLog.push(batch.ts[r] ?? Number.NaN, batch.values, r * batch.width);
    }
  };

  /**
   * Scores the predictions whose labels have matured. Only rows logged before the previous
   * tick count as settled: by then the candles pricing them (recorded every 25 ms) are stored.
   */
  const matureLabels = (): void => {
    for (const [setId, rowLog] of logs) {
      const settled = rowLog.settled;
      rowLog.settled = rowLog.next;
      const entries = [...running.values()].filter((r) => r.setId === setId);
      let from: number | null = null;
      for (const entry of entries) {
        const first = entry.score.firstRowNeeded(settled);
        if (first !== null && (from === null || first < from)) from = first;
      }
      if (from === null) continue;
      from = Math.max(from, rowLog.first);
      const prices = {
        from,
        prices: options.featureSets.rowPrices(setId, rowLog.timesBetween(from, settled)),
      };
      for (const entry of entries) entry.score.mature(settled, prices);
    }
  };

  const onPredictions = (
    predictions: readonly LivePrediction[],
    skipped: readonly InferenceSkips[],
  ): void => {
    for (const p of predictions) {
      const entry = running.get(p.modelId);
      if (entry === undefined || entry.role !== p.role) continue;
      entry.predictions++;
      entry.latency.add(p.latencyMs);
      const first = batchStart.get(p.setId);
      if (first !== undefined) entry.score.predicted(first + p.row, p.output);
      let out = pending.get(entry.instrument);
      if (out === undefined) {
        out = [];
        pending.set(entry.instrument, out);
      }
      const prediction: Prediction = {
        modelId: p.modelId,
        role: p.role,
        ts: Math.max(0, Math.round(p.ts)),
        output: p.output,
        confidence: p.confidence,
        uncertainty: p.uncertainty,
        latencyMs: p.latencyMs,
      };
      out.push(prediction);
      for (const listener of listeners) listener(entry.instrument, prediction);
    }
    for (const s of skipped) {
      const entry = running.get(s.modelId);
      if (entry === undefined) continue;
      entry.missing += s.missing;
      entry.backlog += s.backlog;
    }
  };

  const readDrift = (): void => {
    for (const entry of running.values()) {
      const rowLog = logs.get(entry.setId);
      if (entry.drift === null || rowLog === undefined) continue;
      const live = entry.columnIndex.map((c) => rowLog.column(c, config.window));
      entry.worstDrift = entry.drift.worst(live);
    }
  };

  const judge = (): void => {
    for (const entry of running.values()) {
      const alerts: string[] = [];
      const accuracy = entry.score.accuracy();
      if (accuracy !== null && accuracy < config.minAccuracy) {
        alerts.push(
          `live accuracy ${accuracy.toFixed(3)} < ${config.minAccuracy} over the last ${Math.min(entry.score.matured, config.window)} labels`,
        );
      }
      if (entry.worstDrift !== null && entry.worstDrift.psi > config.maxPsi) {
        alerts.push(
          `input drift: PSI ${entry.worstDrift.psi.toFixed(3)} > ${config.maxPsi} on ${entry.worstDrift.column}`,
        );
      }
      entry.alerts = alerts;
      if (alerts.length === 0) entry.retrainAsked = false;
      else if (config.retrainOnAlert && !entry.retrainAsked && options.retrain !== undefined) {
        entry.retrainAsked = true;
        const { modelId, name } = entry;
        log(`model ${modelId} '${name}': ${alerts.join('; ')}: retraining`);
        options.retrain(modelId).then(
          () => failures.delete(modelId),
          (error: unknown) => {
            failures.set(modelId, `retraining model ${modelId} '${name}' failed: ${messageOf(error)}`);
          },
        );
      }
    }
  };

  const unsubscribeVectors = options.worker.subscribeVectors({ onVectors });
  const unsubscribePredictions = options.worker.subscribePredictions({ onPredictions });

  const timers = [
    setInterval(() => {
      const batches = pending;
      pending = new Map();
      for (const [instrument, predictions] of batches) predictionStreams.emit(instrument, predictions);
    }, PREDICTIONS_MS),
    setInterval(() => {
      matureLabels();
      judge();
      // Once more after the last model stops, so every view empties its table.
      if (running.size > 0 || wasRunning) listStream.emit(list());
      wasRunning = running.size > 0;
    }, LIST_MS),
    setInterval(readDrift, DRIFT_MS),
  ];

  return {
    commands: {
      'models.live.start': ({ id, role }) => start(id, role),
      'models.live.stop': ({ id }) => {
        const entry = running.get(id);
        if (entry === undefined) return { stopped: false };
        stopRunning(entry);
        persist();
        return { stopped: true };
      },
      'models.live.list': () => list(),
      'models.live.configure': (request) => {
        const resized = request.window !== config.window;
        config = { ...request };
        if (resized) {
          // A new window counts afresh: the old one's hits cannot be cut or stretched to it.
          for (const entry of running.values()) {
            entry.score = new LiveScorecard(entry.label, labelClasses(entry.label), config.window);
            logs.get(entry.setId)?.reserve(Math.max(rowsNeeded(entry.label), config.window));
          }
        }
        persist();
        judge();
        return { ok: true };
      },
    },
    topics: {
      'models.predictions': ({ instrument }, emit) => predictionStreams.add(instrument, emit),
      'models.live': (_params, emit) => {
        emit(list());
        return listStream.add(emit);
      },
    },
    async restore() {
      for (const { modelId, role } of persistedModels) {
        try {
          await start(modelId, role);
        } catch (error) {
          failures.set(modelId, `model ${modelId} could not be restarted live: ${messageOf(error)}`);
          log(failures.get(modelId) ?? '');
        }
      }
      persist();
    },
    stopModel(modelId) {
      const entry = running.get(modelId);
      if (entry === undefined) return false;
      stopRunning(entry);
      persist();
      return true;
    },
    isRunning: (modelId) => running.has(modelId),
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    problems: () => [
      ...[...running.values()].flatMap((r) =>
        r.alerts.map((alert) => `model ${r.modelId} '${r.name}' (${r.role} on ${r.instrument}): ${alert}`),
      ),
      // A model whose inputs are never all there (a column it cannot scale, a feature that
      // never warms up) runs without a word otherwise.
      ...[...running.values()]
        .filter((r) => r.predictions === 0 && r.missing >= SILENT_ROWS)
        .map(
          (r) => `model ${r.modelId} '${r.name}' has predicted nothing: ${r.missing} rows lacked an input`,
        ),
      ...failures.values(),
    ],
    stop() {
      for (const timer of timers) clearInterval(timer);
      unsubscribeVectors();
      unsubscribePredictions();
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
