import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiClient, Unsubscribe } from '../../../shared/api/client.js';
import type {
  SetData,
  CatalogueEntry,
  DriftReport,
  FeatureSeries,
  FeatureSetInfo,
  LiveFeatureRows,
  MatrixInfo,
} from '../../../shared/api/domains/features.js';
import type { JobOf } from '../../../shared/api/domains/jobs.js';
import { followJob } from './follow-job.js';

/** Live values kept per column for the sparklines. */
export const LIVE_HISTORY = 240;

export type Sampling = FeatureSetInfo['sampling'];

/** A feature picked in the editor, not yet saved: a catalogue kind with its parameter values. */
export interface DraftFeature {
  readonly key: number;
  readonly kind: string;
  readonly params: Readonly<Record<string, unknown>>;
}

/** Recent live rows of one set, column-major, oldest first (null = missing). */
export interface LiveHistory {
  readonly setId: string;
  readonly columns: readonly string[];
  readonly ts: readonly number[];
  readonly values: readonly (readonly (number | null)[])[];
}

export interface FeaturesState {
  readonly catalogue: readonly CatalogueEntry[];
  readonly sets: readonly FeatureSetInfo[];
  /** The set the Markets feature panel follows live. */
  readonly liveSetId: string | null;
  readonly live: LiveHistory | null;

  readonly draft: readonly DraftFeature[];
  readonly draftName: string;
  readonly draftSampling: Sampling;

  /** The set the Features view works on. */
  readonly selectedSetId: string | null;
  readonly range: { readonly from: number; readonly to: number } | null;
  /** What the selected set's instrument offers (events or candles only) and which features stay empty there. */
  readonly setData: SetData | null;
  readonly workers: number;
  /** The matrix build in progress or just ended, as the job board reports it. */
  readonly job: JobOf<'feature-matrix'> | null;
  readonly matrices: readonly MatrixInfo[];
  readonly matrixId: number | null;
  readonly column: string | null;
  readonly series: FeatureSeries | null;
  readonly drift: DriftReport | null;
  readonly problem: string | null;

  readonly start: () => Promise<void>;
  readonly stop: () => void;
  readonly followLive: (setId: string | null) => void;
  readonly addFeature: (kind: string) => void;
  readonly removeFeature: (key: number) => void;
  readonly setParam: (key: number, name: string, value: unknown) => void;
  readonly setDraftName: (name: string) => void;
  readonly setDraftSampling: (sampling: Sampling) => void;
  readonly saveSet: (instrument: string) => Promise<void>;
  readonly deleteSet: (setId: string) => Promise<void>;
  readonly selectSet: (setId: string) => void;
  readonly setRange: (range: { from: number; to: number }) => void;
  readonly setWorkers: (workers: number) => void;
  readonly build: () => Promise<void>;
  readonly cancelBuild: () => void;
  readonly selectMatrix: (matrixId: number) => void;
  readonly selectColumn: (column: string) => void;
  readonly computeDrift: () => Promise<void>;
}

export type FeaturesStore = StoreApi<FeaturesState>;

/** Default parameter values of a catalogue entry, the starting point of its form. */
export function defaultParams(entry: CatalogueEntry): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const param of entry.params) if (param.default !== null) params[param.name] = param.default;
  return params;
}

/** Appends live rows to the history, keeping the newest LIVE_HISTORY per column. */
export function appendLive(history: LiveHistory | null, batch: LiveFeatureRows): LiveHistory {
  const columns = batch.columns.length > 0 ? batch.columns : (history?.columns ?? []);
  const same = history !== null && history.setId === batch.setId && history.columns.length === columns.length;
  const ts = [...(same ? history.ts : []), ...batch.rows.map((row) => row.ts)];
  const drop = Math.max(0, ts.length - LIVE_HISTORY);
  const values = columns.map((_, c) => {
    const before = same ? (history.values[c] ?? []) : [];
    return [...before, ...batch.rows.map((row) => row.values[c] ?? null)].slice(drop);
  });
  return { setId: batch.setId, columns, ts: ts.slice(drop), values };
}

/** The features domain: sets, the live panel, matrices, plots and drift, fed by the API client. */
export function createFeaturesStore(api: ApiClient): FeaturesStore {
  let liveFeed: Unsubscribe | null = null;
  let following: Unsubscribe | null = null;
  let nextKey = 1;

  return createStore<FeaturesState>()((set, get) => {
    const report = (what: string) => (error: unknown) => {
      if (error instanceof Error && 'kind' in error && error.kind === 'disconnected') return;
      set({ problem: `${what}: ${error instanceof Error ? error.message : String(error)}` });
    };

    const refreshSets = async (): Promise<void> => {
      const sets = await api.call('features.sets.list', {});
      set({ sets });
      const state = get();
      if (state.liveSetId === null && sets[0] !== undefined) state.followLive(sets[0].id);
      if (state.selectedSetId === null && sets[0] !== undefined) state.selectSet(sets[0].id);
    };

    const loadSeries = (matrixId: number, column: string): void => {
      api
        .call('features.matrix.series', { matrixId, column })
        .then((series) => {
          if (get().matrixId === matrixId && get().column === column) set({ series });
        })
        .catch(report('Could not load the feature series'));
    };

    const loadMatrices = async (setId: string, select: number | null = null): Promise<void> => {
      const matrices = await api.call('features.matrix.list', { setId });
      if (get().selectedSetId !== setId) return;
      set({ matrices });
      const pick = select ?? get().matrixId ?? matrices[0]?.id ?? null;
      if (pick !== null && matrices.some((m) => m.id === pick)) get().selectMatrix(pick);
    };

    /** Follows a matrix build; once done, lists the set's matrices with the new one selected. */
    const follow = (jobId: string): void => {
      following?.();
      following = followJob(api, jobId, 'feature-matrix', {
        onChange: (job) => {
          set({ job });
        },
        onEnd: (job) => {
          if (job.state !== 'done') return;
          const setId = get().selectedSetId;
          if (setId !== null)
            loadMatrices(setId, job.result?.matrix.id ?? null).catch(report('Could not list matrices'));
        },
        onLost: report('Job progress stopped'),
      });
    };

    return {
      catalogue: [],
      sets: [],
      liveSetId: null,
      live: null,
      draft: [],
      draftName: 'My features',
      draftSampling: '1s',
      selectedSetId: null,
      range: null,
      setData: null,
      workers: 2,
      job: null,
      matrices: [],
      matrixId: null,
      column: null,
      series: null,
      drift: null,
      problem: null,

      async start() {
        // A build that ended while the view was closed: the watch sends its end first.
        const mine = get().job;
        if (mine?.state === 'running') follow(mine.id);
        try {
          const catalogue = await api.call('features.catalogue', {});
          set({ catalogue });
          await refreshSets();
        } catch (error) {
          report('Could not load the feature catalogue')(error);
        }
      },

      stop() {
        liveFeed?.();
        liveFeed = null;
        following?.();
        following = null;
      },

      followLive(setId) {
        liveFeed?.();
        liveFeed = null;
        set({ liveSetId: setId, live: null });
        if (setId === null) return;
        liveFeed = api.subscribe(
          'features.live',
          { setId },
          (batch) => {
            if (get().liveSetId !== setId) return;
            set((state) => ({ live: appendLive(state.live, batch) }));
          },
          report('Live features stopped'),
        );
      },

      addFeature(kind) {
        const entry = get().catalogue.find((e) => e.kind === kind);
        if (entry === undefined) return;
        set((state) => ({ draft: [...state.draft, { key: nextKey++, kind, params: defaultParams(entry) }] }));
      },

      removeFeature(key) {
        set((state) => ({ draft: state.draft.filter((f) => f.key !== key) }));
      },

      setParam(key, name, value) {
        set((state) => ({
          draft: state.draft.map((f) =>
            f.key === key ? { ...f, params: { ...f.params, [name]: value } } : f,
          ),
        }));
      },

      setDraftName(name) {
        set({ draftName: name });
      },

      setDraftSampling(sampling) {
        set({ draftSampling: sampling });
      },

      async saveSet(instrument) {
        const { draft, draftName, draftSampling } = get();
        try {
          const saved = await api.call('features.sets.save', {
            name: draftName,
            instrument,
            sampling: draftSampling,
            features: draft.map((f) => ({ kind: f.kind, params: { ...f.params } })),
          });
          set({ draft: [], problem: null });
          await refreshSets();
          get().selectSet(saved.id);
          get().followLive(saved.id);
        } catch (error) {
          report('Could not save the feature set')(error);
        }
      },

      async deleteSet(setId) {
        try {
          await api.call('features.sets.delete', { setId });
          const state = get();
          if (state.liveSetId === setId) state.followLive(null);
          if (state.selectedSetId === setId)
            set({ selectedSetId: null, matrices: [], matrixId: null, series: null });
          await refreshSets();
        } catch (error) {
          report('Could not delete the feature set')(error);
        }
      },

      selectSet(setId) {
        const chosen = get().sets.find((s) => s.id === setId);
        if (chosen === undefined) return;
        set({
          selectedSetId: setId,
          matrices: [],
          matrixId: null,
          column: null,
          series: null,
          drift: null,
          setData: null,
        });
        loadMatrices(setId).catch(report('Could not list matrices'));
        api
          .call('features.sets.data', { setId })
          .then((setData) => {
            if (get().selectedSetId === setId) set({ setData });
          })
          .catch(report('Could not read what the set is computed from'));
        api
          .call('features.range', { instrument: chosen.instrument })
          .then((recorded) => {
            if (get().selectedSetId === setId && recorded !== null && get().range === null) {
              set({ range: { from: recorded.from, to: recorded.to + 1 } });
            }
          })
          .catch(report('Could not read the recorded range'));
      },

      setRange(range) {
        set({ range });
      },

      setWorkers(workers) {
        set({ workers });
      },

      async build() {
        const { selectedSetId, range, workers } = get();
        if (selectedSetId === null || range === null) return;
        try {
          const answer = await api.call('features.matrix.build', {
            setId: selectedSetId,
            from: range.from,
            to: range.to,
            workers,
          });
          set({ problem: null });
          if (answer.matrix !== null) {
            set({ job: null });
            await loadMatrices(selectedSetId, answer.matrix.id);
          } else if (answer.jobId !== null) {
            set({ job: null });
            follow(answer.jobId);
          }
        } catch (error) {
          report('Could not build the matrix')(error);
        }
      },

      cancelBuild() {
        const job = get().job;
        if (job === null || job.state !== 'running') return;
        api.call('jobs.cancel', { id: job.id }).catch(report('Could not cancel the build'));
      },

      selectMatrix(matrixId) {
        const matrix = get().matrices.find((m) => m.id === matrixId);
        if (matrix === undefined) return;
        const column = get().column;
        const keep =
          column !== null && matrix.columns.includes(column) ? column : (matrix.columns[0] ?? null);
        set({ matrixId, column: keep, series: null, drift: null });
        if (keep !== null) loadSeries(matrixId, keep);
      },

      selectColumn(column) {
        const matrixId = get().matrixId;
        set({ column, series: null });
        if (matrixId !== null) loadSeries(matrixId, column);
      },

      async computeDrift() {
        const { selectedSetId, matrixId } = get();
        if (selectedSetId === null || matrixId === null) return;
        try {
          const drift = await api.call('features.drift', { setId: selectedSetId, matrixId });
          set({ drift });
        } catch (error) {
          report('Could not compute drift')(error);
        }
      },
    };
  });
}
