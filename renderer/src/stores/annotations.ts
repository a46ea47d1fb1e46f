import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiClient } from '../../../shared/api/client.js';
import {
  markTimesProblem,
  type Annotation,
  type AnnotationKind,
} from '../../../shared/api/domains/annotations.js';

/** The mark being made or edited, as the form shows it (times null until the chart gives one). */
export interface MarkDraft {
  readonly kind: AnnotationKind;
  readonly from: number | null;
  readonly to: number | null;
  readonly label: string;
  readonly note: string;
}

export interface AnnotationsState {
  /** The instrument the panel lists (the header's). */
  readonly instrument: string | null;
  readonly search: string;
  /** The panel's list: the instrument's marks whose label or note holds `search`. */
  readonly listed: readonly Annotation[];
  /** Every mark of an instrument, for the charts (price, backtest, signals). */
  readonly byInstrument: Readonly<Record<string, readonly Annotation[]>>;
  readonly draft: MarkDraft;
  /** The mark the form edits; null: the form makes a new one. */
  readonly editing: number | null;
  /** The time range the price chart shows, for "use chart view". */
  readonly chartView: { readonly from: number; readonly to: number } | null;
  readonly busy: boolean;
  readonly problem: string | null;
  readonly notice: string | null;

  readonly show: (instrument: string | null) => Promise<void>;
  /** Loads (again) the marks a chart of `instrument` draws. */
  readonly load: (instrument: string) => Promise<void>;
  readonly setSearch: (search: string) => Promise<void>;
  /** A click on the price chart: the first click places a point, the next makes it a range. */
  readonly setChartView: (from: number, to: number) => void;
  readonly useChartView: () => void;
  readonly setDraft: (patch: Partial<MarkDraft>) => void;
  readonly edit: (mark: Annotation) => void;
  readonly clearDraft: () => void;
  readonly save: () => Promise<void>;
  readonly remove: (ids: readonly number[]) => Promise<void>;
  /** The instrument's marks as CSV (annotations.export). */
  readonly exportCsv: () => Promise<{ csv: string; count: number } | null>;
  readonly importCsv: (csv: string) => Promise<void>;
}

export type AnnotationsStore = StoreApi<AnnotationsState>;

const EMPTY_DRAFT: MarkDraft = { kind: 'point', from: null, to: null, label: '', note: '' };

/** Why the draft cannot be saved yet, in words; null when it can. */
export function draftProblem(draft: MarkDraft): string | null {
  if (draft.from === null || draft.to === null) return 'click the chart (or type a time) to place the mark';
  if (draft.label.trim() === '') return 'give the mark a label';
  return markTimesProblem({ kind: draft.kind, from: draft.from, to: draft.to });
}

export function createAnnotationsStore(api: ApiClient): AnnotationsStore {
  return createStore<AnnotationsState>()((set, get) => {
    const failed = (what: string) => (error: unknown) => {
      set({ busy: false, problem: `${what}: ${error instanceof Error ? error.message : String(error)}` });
    };
    const refresh = async (): Promise<void> => {
      const { instrument, search } = get();
      if (instrument === null) return;
      const [listed, all] = await Promise.all([
        api.call('annotations.list', { instrument, search }),
        api.call('annotations.list', { instrument }),
      ]);
      if (get().instrument !== instrument) return;
      set((state) => ({ listed, byInstrument: { ...state.byInstrument, [instrument]: all } }));
    };

    return {
      instrument: null,
      search: '',
      listed: [],
      byInstrument: {},
      draft: EMPTY_DRAFT,
      editing: null,
      chartView: null,
      busy: false,
      problem: null,
      notice: null,

      async show(instrument) {
        if (instrument === get().instrument) return;
        set({ instrument, listed: [], draft: EMPTY_DRAFT, editing: null, chartView: null, problem: null });
        await refresh().catch(failed('Loading marks'));
      },

      async load(instrument) {
        try {
          const marks = await api.call('annotations.list', { instrument });
          set((state) => ({ byInstrument: { ...state.byInstrument, [instrument]: marks } }));
        } catch (error) {
          failed('Loading marks')(error);
        }
      },

      async setSearch(search) {
        set({ search });
        await refresh().catch(failed('Searching marks'));
      },

      setChartView(from, to) {
        set({ chartView: { from, to } });
      },

      useChartView() {
        const view = get().chartView;
        if (view === null) return;
        set((state) => ({ draft: { ...state.draft, kind: 'range', from: view.from, to: view.to } }));
      },

      setDraft(patch) {
        set((state) => {
          const draft = { ...state.draft, ...patch };
          // A point has one time: switching to point (or moving its time) keeps to = from.
          return { draft: draft.kind === 'point' ? { ...draft, to: draft.from } : draft };
        });
      },

      edit(mark) {
        set({
          editing: mark.id,
          draft: { kind: mark.kind, from: mark.from, to: mark.to, label: mark.label, note: mark.note },
          problem: null,
          notice: null,
        });
      },

      clearDraft() {
        set({ draft: EMPTY_DRAFT, editing: null, problem: null });
      },

      async save() {
        const { instrument, draft, editing } = get();
        const problem = instrument === null ? 'no instrument is open' : draftProblem(draft);
        if (problem !== null || instrument === null || draft.from === null || draft.to === null) {
          set({ problem });
          return;
        }
        const mark = {
          kind: draft.kind,
          from: draft.from,
          to: draft.to,
          label: draft.label,
          note: draft.note,
        };
        set({ busy: true, problem: null, notice: null });
        try {
          if (editing === null) await api.call('annotations.create', { instrument, ...mark });
          else await api.call('annotations.update', { id: editing, ...mark });
          set({ busy: false, draft: { ...EMPTY_DRAFT, label: draft.label }, editing: null });
          await refresh();
        } catch (error) {
          failed(editing === null ? 'Saving the mark' : 'Changing the mark')(error);
        }
      },

      async remove(ids) {
        if (ids.length === 0) return;
        set({ busy: true, problem: null, notice: null });
        try {
          const { deleted } = await api.call('annotations.delete', { ids: [...ids] });
          set((state) => ({
            busy: false,
            notice: `${deleted} mark${deleted === 1 ? '' : 's'} deleted`,
            ...(state.editing !== null && ids.includes(state.editing)
              ? { editing: null, draft: EMPTY_DRAFT }
              : {}),
          }));
          await refresh();
        } catch (error) {
          failed('Deleting marks')(error);
        }
      },

      async exportCsv() {
        const instrument = get().instrument;
        if (instrument === null) return null;
        try {
          const exported = await api.call('annotations.export', { instrument });
          set({ notice: `${exported.count} mark${exported.count === 1 ? '' : 's'} exported`, problem: null });
          return exported;
        } catch (error) {
          failed('Exporting marks')(error);
          return null;
        }
      },

      async importCsv(csv) {
        set({ busy: true, problem: null, notice: null });
        try {
          const { imported } = await api.call('annotations.import', { csv });
          set({ busy: false, notice: `${imported} mark${imported === 1 ? '' : 's'} imported` });
          await refresh();
        } catch (error) {
          failed('Importing marks')(error);
        }
      },
    };
  });
}
