import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiClient, Unsubscribe } from '../../../shared/api/client.js';
import { commands, type CommandRequest, type CommandResponse } from '../../../shared/api/contract.js';
import type { FeatureSetInfo } from '../../../shared/api/domains/features.js';
import type { Job, JobOf } from '../../../shared/api/domains/jobs.js';
import type {
  BackendInfo,
  ModelDetail,
  ModelInfo,
  SearchInfo,
  TrainingProgressWire,
  ValidationSpec,
} from '../../../shared/api/domains/models.js';
import { describeZodError } from '../../../shared/api/protocol.js';
import {
  MODEL_KINDS,
  modelParamsSchema,
  type LabelSpec,
  type ModelKind,
} from '../../../shared/models/model.js';
import { followJob } from './follow-job.js';

/** Training and search jobs kept in the list (the newest). */
export const TRAINING_JOBS_SHOWN = 12;
/** While a search runs, how often its trials are read again. */
const SEARCH_REFRESH_MS = 2000;

export type LabelKind = LabelSpec['kind'];
export type DimensionType = 'int' | 'float' | 'log-float' | 'choice';
export type SearchMethod = 'tpe' | 'random';
export type Normalization = 'zscore' | 'robust';

/** One searched hyper-parameter as edited: bounds and options stay text until the search starts. */
export interface DimensionDraft {
  readonly type: DimensionType;
  readonly min: string;
  readonly max: string;
  /** Comma-separated values for a choice. */
  readonly options: string;
}

export interface SearchDraft {
  readonly space: Readonly<Record<string, DimensionDraft>>;
  readonly method: SearchMethod;
  readonly trials: number;
  readonly workers: number;
  readonly prune: boolean;
}

/** Loss per step of one fold (of one trial, for a search), in arrival order of the steps. */
export interface FoldCurve {
  readonly trial: number | null;
  readonly fold: number;
  readonly unit: TrainingProgressWire['unit'];
  readonly trainLoss: readonly (number | null)[];
  readonly validLoss: readonly (number | null)[];
  /** Extra curves the trainer reports (accuracy, validation accuracy ...), by name. */
  readonly metrics: Readonly<Record<string, readonly (number | null)[]>>;
}

/** A job of the board that trains: one fit (with its validation folds) or a search. */
export type TrainingBoardJob = JobOf<'model-train' | 'model-search'>;

/** A training or search job as the Training view follows it. */
export interface TrainingJob {
  readonly job: TrainingBoardJob;
  readonly mode: 'train' | 'search';
  readonly curves: readonly FoldCurve[];
  readonly search: SearchInfo | null;
  /**
   * Validation folds of the request, when this window started the job: the host counts the fit
   * on all rows as one more fold, so a curve with this index or above is that final fit.
   */
  readonly validationFolds: number | null;
}

export interface ModelsState {
  readonly backend: BackendInfo | null;
  readonly backendProblem: string | null;

  readonly setId: string | null;
  readonly range: { readonly from: number; readonly to: number } | null;
  readonly name: string;
  readonly label: LabelSpec;
  readonly kind: ModelKind;
  /** Hyper-parameters per kind, every default filled in; switching kind keeps each kind's edits. */
  readonly params: Readonly<Record<ModelKind, Readonly<Record<string, unknown>>>>;
  readonly validation: ValidationSpec;
  readonly normalization: Normalization;
  readonly search: SearchDraft;

  readonly jobs: readonly TrainingJob[];
  readonly models: readonly ModelInfo[];
  readonly query: string;
  readonly selectedId: number | null;
  readonly detail: ModelDetail | null;
  /** Ticked rows for the side-by-side comparison (at most two, the latest tick replacing the oldest). */
  readonly compareIds: readonly number[];
  readonly exported: { readonly id: number; readonly path: string; readonly files: readonly string[] } | null;
  readonly problem: string | null;

  readonly start: () => Promise<void>;
  readonly stop: () => void;
  readonly pickSet: (set: FeatureSetInfo) => void;
  readonly setRange: (range: { from: number; to: number }) => void;
  readonly setName: (name: string) => void;
  readonly setLabelKind: (kind: LabelKind) => void;
  readonly setLabelField: (field: string, value: number | string | null) => void;
  readonly setKind: (kind: ModelKind) => void;
  readonly setParam: (name: string, value: unknown) => void;
  readonly setValidation: (patch: Partial<ValidationSpec>) => void;
  readonly setNormalization: (normalization: Normalization) => void;
  readonly setDimension: (name: string, dimension: DimensionDraft | null) => void;
  readonly setSearch: (patch: Partial<Omit<SearchDraft, 'space'>>) => void;
  readonly train: () => Promise<void>;
  readonly startSearch: () => Promise<void>;
  readonly cancelJob: (id: string) => Promise<void>;
  /** Stopped trainings that kept finished folds or a checkpoint (models.checkpoints). */
  readonly checkpoints: CommandResponse<'models.checkpoints'>;
  readonly refreshCheckpoints: () => Promise<void>;
  /** Resumes a stopped training from its checkpoint as a new job. */
  readonly resumeJob: (id: string) => Promise<void>;
  readonly setQuery: (query: string) => void;
  readonly refreshModels: () => Promise<void>;
  readonly select: (id: number | null) => void;
  readonly toggleCompare: (id: number) => void;
  readonly deleteModel: (id: number) => Promise<void>;
  readonly exportModel: (id: number) => Promise<void>;
  readonly importModel: (path: string) => Promise<void>;
}

export type ModelsStore = StoreApi<ModelsState>;

/** Every hyper-parameter of a kind at its default. */
export function defaultParams(kind: ModelKind): Record<string, unknown> {
  return { ...modelParamsSchema.parse({ kind }) };
}

/** A label spec of another kind, keeping the horizon the trader already chose. */
export function labelOfKind(kind: LabelKind, horizon: number): LabelSpec {
  switch (kind) {
    case 'fixed-horizon':
      return { kind, horizon, threshold: 0.0005 };
    case 'triple-barrier':
      return { kind, horizon, upper: 2, lower: 2, volWindow: 50 };
    case 'forward-return':
      return { kind, horizon };
    case 'annotations':
      // The label to learn is picked from the set's instrument's marks (TrainForm).
      return { kind, horizon, up: '', down: null };
    default: {
      const never: never = kind;
      throw new Error(`unknown label kind ${String(never)}`);
    }
  }
}

/** Parses one value of a choice list: numbers and booleans as such, anything else as text. */
export function choiceValue(text: string): number | string | boolean {
  const trimmed = text.trim();
  if (trimmed === 'true') return true;
  if (trimmed === 'false') return false;
  const number = Number(trimmed);
  return trimmed !== '' && Number.isFinite(number) ? number : trimmed;
}

/** The search space the contract takes, from the edited dimensions; the words say what is wrong. */
export function searchSpace(
  space: Readonly<Record<string, DimensionDraft>>,
): Record<string, CommandRequest<'models.search'>['space'][string]> {
  const out: Record<string, CommandRequest<'models.search'>['space'][string]> = {};
  for (const [name, dim] of Object.entries(space)) {
    if (dim.type === 'choice') {
      const options = dim.options
        .split(',')
        .filter((o) => o.trim() !== '')
        .map(choiceValue);
      if (options.length === 0) throw new Error(`${name}: a choice needs at least one option`);
      out[name] = { type: 'choice', options };
      continue;
    }
    const min = Number(dim.min);
    const max = Number(dim.max);
    if (dim.min.trim() === '' || dim.max.trim() === '' || !Number.isFinite(min) || !Number.isFinite(max))
      throw new Error(`${name}: min and max must be numbers`);
    if (min > max) throw new Error(`${name}: min ${min} is above max ${max}`);
    if (dim.type === 'int' && (!Number.isInteger(min) || !Number.isInteger(max)))
      throw new Error(`${name}: an int dimension needs whole bounds`);
    if (dim.type === 'log-float' && !(min > 0)) throw new Error(`${name}: a log-float needs bounds above 0`);
    out[name] = { type: dim.type, min, max };
  }
  return out;
}

/** Adds one progress event to a job's curves: the step-th point of its (trial, fold) curve. */
export function addProgress(curves: readonly FoldCurve[], progress: TrainingProgressWire): FoldCurve[] {
  const index = curves.findIndex((c) => c.trial === progress.trial && c.fold === progress.fold);
  const before: FoldCurve = curves[index] ?? {
    trial: progress.trial,
    fold: progress.fold,
    unit: progress.unit,
    trainLoss: [],
    validLoss: [],
    metrics: {},
  };
  // Steps count from 0 or 1 depending on the trainer; the point goes where its step says.
  const at = Math.max(0, progress.step - 1);
  const put = (values: readonly (number | null)[], value: number | null): (number | null)[] => {
    const next = values.slice();
    while (next.length < at) next.push(null);
    next[at] = value;
    return next;
  };
  const metrics: Record<string, readonly (number | null)[]> = { ...before.metrics };
  for (const [name, value] of Object.entries(progress.metrics))
    metrics[name] = put(before.metrics[name] ?? [], value);
  const curve: FoldCurve = {
    ...before,
    unit: progress.unit,
    trainLoss: put(before.trainLoss, progress.trainLoss),
    validLoss: put(before.validLoss, progress.validLoss),
    metrics,
  };
  const next = curves.slice();
  if (index === -1) next.push(curve);
  else next[index] = curve;
  return next;
}

/** Whether a job of the board is a model training or a search (the other jobs are other views'). */
export function isTrainingJob(job: Job): job is TrainingBoardJob {
  return job.kind === 'model-train' || job.kind === 'model-search';
}

/** The model a finished job registered: the trained one, or the search's best. */
function modelIdOf(job: TrainingBoardJob): number | null {
  if (job.result === null) return null;
  return job.kind === 'model-train' ? job.result.modelId : job.result.bestModelId;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const initialParams = Object.fromEntries(MODEL_KINDS.map((kind) => [kind, defaultParams(kind)])) as Record<
  ModelKind,
  Record<string, unknown>
>;

/** The models domain: the training form, training and search jobs with their curves, and the registry. */
export function createModelsStore(api: ApiClient): ModelsStore {
  let started = false;
  let jobFeed: Unsubscribe | null = null;
  /** The watches of the jobs this window started, by job id. */
  const following = new Map<string, Unsubscribe>();
  /** Jobs whose end was acted on (registry and checkpoints read again). */
  const ended = new Set<string>();
  let progressFeed: Unsubscribe | null = null;
  let searchTimer: ReturnType<typeof setInterval> | null = null;

  return createStore<ModelsState>()((set, get) => {
    const report = (what: string) => (error: unknown) => {
      if (error instanceof Error && 'kind' in error && error.kind === 'disconnected') return;
      set({ problem: `${what}: ${messageOf(error)}` });
    };

    const updateJob = (jobId: string, change: (job: TrainingJob) => TrainingJob): void => {
      set((state) => ({ jobs: state.jobs.map((j) => (j.job.id === jobId ? change(j) : j)) }));
    };

    const searchIdOf = (entry: TrainingJob): number | null =>
      entry.search?.id ??
      (entry.job.kind === 'model-search' ? entry.job.result?.searchId : undefined) ??
      // Trials register models as they finish: the newest one from this search names it.
      get().models.find((m) => m.searchId !== null && m.createdAt >= entry.job.startedAt)?.searchId ??
      null;

    const refreshSearch = async (entry: TrainingJob): Promise<void> => {
      const searchId = searchIdOf(entry);
      if (searchId === null) return;
      const search = await api.call('models.searches.get', { id: searchId });
      updateJob(entry.job.id, (j) => ({ ...j, search }));
    };

    const refreshRunningSearches = (): void => {
      const running = get().jobs.filter((j) => j.mode === 'search' && j.job.state === 'running');
      if (running.length === 0) return;
      void get()
        .refreshModels()
        .then(() => Promise.all(running.map((entry) => refreshSearch(entry))))
        .catch(report('Could not read the search'));
    };

    /** A job of this window ended: its model (or the search's models) are in the registry now. */
    const finished = (entry: TrainingJob): void => {
      // The jobs topic and this window's watch both tell of an end: act on it once.
      if (ended.has(entry.job.id)) return;
      ended.add(entry.job.id);
      if (entry.mode === 'train')
        void get().refreshCheckpoints().catch(report('Could not read the checkpoints'));
      void get()
        .refreshModels()
        .then(async () => {
          if (entry.mode === 'search') await refreshSearch(entry);
          const modelId = modelIdOf(entry.job);
          if (entry.job.state === 'done' && modelId !== null && get().selectedId === null)
            get().select(modelId);
        })
        .catch(report('Could not refresh the registry'));
    };

    const onJob = (job: Job): void => {
      if (!isTrainingJob(job)) return;
      const mode = job.kind === 'model-search' ? 'search' : 'train';
      const before = get().jobs.find((j) => j.job.id === job.id);
      const entry: TrainingJob =
        before === undefined
          ? { job, mode, curves: [], search: null, validationFolds: null }
          : { ...before, job };
      set((state) => ({
        jobs: [entry, ...state.jobs.filter((j) => j.job.id !== job.id)]
          .sort((a, b) => b.job.startedAt - a.job.startedAt)
          .slice(0, TRAINING_JOBS_SHOWN),
      }));
      if (job.state !== 'running' && before?.job.state === 'running') finished(entry);
    };

    const onProgress = (progress: TrainingProgressWire): void => {
      if (!get().jobs.some((j) => j.job.id === progress.jobId)) return;
      updateJob(progress.jobId, (j) => ({ ...j, curves: addProgress(j.curves, progress) }));
    };

    /**
     * Follows a job this window started: the watch sends its state first (so one that already
     * ended still ends here), and the request's validation folds are kept beside it.
     */
    const track = (jobId: string, mode: 'train' | 'search', validationFolds: number): void => {
      following.get(jobId)?.();
      const stop = followJob(api, jobId, mode === 'search' ? 'model-search' : 'model-train', {
        onChange: (job) => {
          onJob(job);
          updateJob(jobId, (j) => ({ ...j, validationFolds }));
        },
        onEnd: (job) => {
          following.delete(jobId);
          const entry = get().jobs.find((j) => j.job.id === job.id);
          if (entry !== undefined) finished(entry);
        },
        onLost: (error) => {
          following.delete(jobId);
          report('Job progress stopped')(error);
        },
      });
      following.set(jobId, stop);
    };

    const dataSpec = () => {
      const { setId, range, label, validation, normalization, name, kind, params } = get();
      if (setId === null) throw new Error('pick a feature set');
      if (range === null) throw new Error('pick a data range');
      return {
        featureSetId: setId,
        from: range.from,
        to: range.to,
        label,
        validation,
        normalization,
        name: name.trim() === '' ? `${kind} model` : name.trim(),
        params: { ...params[kind], kind },
      };
    };

    return {
      backend: null,
      backendProblem: null,
      setId: null,
      range: null,
      name: '',
      label: labelOfKind('fixed-horizon', 10),
      kind: 'gbdt',
      params: initialParams,
      validation: { scheme: 'walk-forward', folds: 5, embargo: 0, anchored: false },
      normalization: 'zscore',
      search: { space: {}, method: 'tpe', trials: 20, workers: 2, prune: true },
      jobs: [],
      models: [],
      query: '',
      selectedId: null,
      detail: null,
      compareIds: [],
      exported: null,
      problem: null,

      async start() {
        if (started) return;
        started = true;
        jobFeed = api.subscribe('jobs', {}, onJob, report('Job progress stopped'));
        progressFeed = api.subscribe('models.training', {}, onProgress, report('Training curves stopped'));
        searchTimer = setInterval(refreshRunningSearches, SEARCH_REFRESH_MS);
        api
          .call('models.backend', {})
          .then((backend) => {
            set({ backend, backendProblem: null });
          })
          .catch((error: unknown) => {
            set({ backendProblem: messageOf(error) });
          });
        try {
          const jobs = await api.call('jobs.list', { limit: 100 });
          for (const job of jobs.slice().reverse()) onJob(job);
          await get().refreshModels();
          await get().refreshCheckpoints();
        } catch (error) {
          report('Could not load the registry')(error);
        }
      },

      stop() {
        started = false;
        jobFeed?.();
        jobFeed = null;
        for (const unfollow of following.values()) unfollow();
        following.clear();
        progressFeed?.();
        progressFeed = null;
        if (searchTimer !== null) clearInterval(searchTimer);
        searchTimer = null;
      },

      pickSet(featureSet) {
        set({ setId: featureSet.id, range: null });
        api
          .call('features.range', { instrument: featureSet.instrument })
          .then((recorded) => {
            if (get().setId === featureSet.id && recorded !== null && get().range === null)
              set({ range: { from: recorded.from, to: recorded.to + 1 } });
          })
          .catch(report('Could not read the recorded range'));
      },

      setRange(range) {
        set({ range });
      },

      setName(name) {
        set({ name });
      },

      setLabelKind(kind) {
        set((state) => ({ label: labelOfKind(kind, state.label.horizon) }));
      },

      setLabelField(field, value) {
        // The form only offers the fields of the current kind; the schema checks them on submit.
        set((state) => ({ label: { ...state.label, [field]: value } }));
      },

      setKind(kind) {
        set((state) => ({
          kind,
          // A search space names the previous kind's parameters: start the new kind's afresh.
          search: { ...state.search, space: {} },
        }));
      },

      setParam(name, value) {
        set((state) => ({
          params: { ...state.params, [state.kind]: { ...state.params[state.kind], [name]: value } },
        }));
      },

      setValidation(patch) {
        set((state) => ({ validation: { ...state.validation, ...patch } }));
      },

      setNormalization(normalization) {
        set({ normalization });
      },

      setDimension(name, dimension) {
        set((state) => {
          const space = Object.fromEntries(
            Object.entries(state.search.space).filter(([key]) => key !== name),
          );
          if (dimension !== null) space[name] = dimension;
          return { search: { ...state.search, space } };
        });
      },

      setSearch(patch) {
        set((state) => ({ search: { ...state.search, ...patch } }));
      },

      async train() {
        try {
          const parsed = commands['models.train'].request.safeParse(dataSpec());
          if (!parsed.success) throw new Error(describeZodError(parsed.error));
          const { jobId } = await api.call('models.train', parsed.data);
          // The name was this model's: the next one starts from the kind's default, not a copy.
          set({ problem: null, name: '' });
          track(jobId, 'train', parsed.data.validation.folds);
        } catch (error) {
          report('Could not start the training')(error);
        }
      },

      async startSearch() {
        try {
          const { method, trials, workers, prune, space } = get().search;
          const request = { ...dataSpec(), space: searchSpace(space), method, trials, workers, prune };
          if (Object.keys(request.space).length === 0)
            throw new Error('tick at least one hyper-parameter to search');
          const parsed = commands['models.search'].request.safeParse(request);
          if (!parsed.success) throw new Error(describeZodError(parsed.error));
          const { jobId } = await api.call('models.search', parsed.data);
          set({ problem: null, name: '' });
          track(jobId, 'search', parsed.data.validation.folds);
        } catch (error) {
          report('Could not start the search')(error);
        }
      },

      checkpoints: [],

      async refreshCheckpoints() {
        set({ checkpoints: await api.call('models.checkpoints', {}) });
      },

      async resumeJob(id) {
        try {
          const stopped = get().checkpoints.find((c) => c.jobId === id);
          const { jobId } = await api.call('models.resume', { jobId: id });
          set({ problem: null });
          // The stopped job's checkpoint now belongs to the new job.
          set((state) => ({ checkpoints: state.checkpoints.filter((c) => c.jobId !== id) }));
          track(jobId, 'train', (stopped?.folds ?? 1) - 1);
        } catch (error) {
          report('Could not resume the training')(error);
        }
      },

      async cancelJob(id) {
        try {
          onJob(await api.call('jobs.cancel', { id }));
        } catch (error) {
          report('Could not cancel the job')(error);
        }
      },

      setQuery(query) {
        set({ query });
        get().refreshModels().catch(report('Could not search the registry'));
      },

      async refreshModels() {
        const query = get().query;
        const models = await api.call('models.list', { query, limit: 200 });
        if (get().query !== query) return;
        set((state) => ({
          models,
          compareIds: state.compareIds.filter((id) => models.some((m) => m.id === id)),
        }));
      },

      select(id) {
        set({ selectedId: id, detail: null });
        if (id === null) return;
        api
          .call('models.get', { id })
          .then((detail) => {
            if (get().selectedId === id) set({ detail });
          })
          .catch(report('Could not open the model'));
      },

      toggleCompare(id) {
        set((state) =>
          state.compareIds.includes(id)
            ? { compareIds: state.compareIds.filter((c) => c !== id) }
            : { compareIds: [...state.compareIds, id].slice(-2) },
        );
      },

      async deleteModel(id) {
        try {
          await api.call('models.delete', { id });
          if (get().selectedId === id) set({ selectedId: null, detail: null });
          if (get().exported?.id === id) set({ exported: null });
          await get().refreshModels();
          set({ problem: null });
        } catch (error) {
          report('Could not delete the model')(error);
        }
      },

      async exportModel(id) {
        try {
          const written = await api.call('models.export', { id });
          set({ exported: { id, path: written.path, files: written.files }, problem: null });
        } catch (error) {
          report('Could not export the model')(error);
        }
      },

      async importModel(path) {
        try {
          const model = await api.call('models.import', { path });
          await get().refreshModels();
          set({ problem: null });
          get().select(model.id);
        } catch (error) {
          report('Could not import the model')(error);
        }
      },
    };
  });
}
