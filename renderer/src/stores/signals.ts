import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiClient, Unsubscribe } from '../../../shared/api/client.js';
import type { LiveModel, ModelInfo, Prediction } from '../../../shared/api/domains/models.js';
import type { BookFeatures } from '../../../shared/domain/signal.js';

/** Points kept per model and per instrument's mid for the plot. */
export const SIGNAL_HISTORY = 600;
/** Rows primary and shadow are compared over. */
export const AGREEMENT_ROWS = 500;

export type Role = LiveModel['role'];

/** Recent predictions of one model, oldest first, ready to plot. */
export interface SignalSeries {
  readonly modelId: number;
  readonly role: Role;
  readonly instrument: string;
  readonly ts: readonly number[];
  /** P(up) for classifiers (the last output), the predicted return for a regression model. */
  readonly value: readonly number[];
  /** The uncertainty of each point, null where the model gave none. */
  readonly spread: readonly (number | null)[];
}

/** Recent mids of one instrument. */
export interface MidSeries {
  readonly ts: readonly number[];
  readonly mid: readonly number[];
}

/** How often primary and shadow call the same class on the rows both predicted. */
export interface Agreement {
  readonly rows: number;
  readonly agreed: number;
}

export interface SignalsState {
  readonly registered: readonly ModelInfo[];
  readonly live: readonly LiveModel[];
  readonly series: Readonly<Record<number, SignalSeries>>;
  readonly mids: Readonly<Record<string, MidSeries>>;
  readonly agreement: Readonly<Record<string, Agreement>>;
  /** The start form: which registered model, as which role. */
  readonly pickedModelId: number | null;
  readonly pickedRole: Role;
  readonly busy: boolean;
  readonly problem: string | null;

  readonly start: () => void;
  readonly stop: () => void;
  readonly refreshRegistered: () => Promise<void>;
  readonly pickModel: (modelId: number | null) => void;
  readonly pickRole: (role: Role) => void;
  readonly startModel: () => Promise<void>;
  readonly stopModel: (modelId: number) => Promise<void>;
}

export type SignalsStore = StoreApi<SignalsState>;

/** The plotted value of a prediction: P(up) is the last class ([down, up] or [down, flat, up]). */
export function plottedValue(prediction: Prediction): number {
  return prediction.output.at(-1) ?? Number.NaN;
}

/** The class a prediction calls (argmax), or the sign of a predicted return. */
export function calledClass(output: readonly number[]): number {
  if (output.length === 1) return Math.sign(output[0] ?? 0);
  let top = 0;
  for (let k = 1; k < output.length; k++) if ((output[k] ?? 0) > (output[top] ?? 0)) top = k;
  return top;
}

/** Appends predictions of one model, keeping the newest SIGNAL_HISTORY points. */
export function appendSignals(
  series: SignalSeries | undefined,
  predictions: readonly Prediction[],
  instrument: string,
): SignalSeries {
  const first = predictions[0];
  const keep = <T>(before: readonly T[], added: readonly T[]): T[] =>
    [...before, ...added].slice(-SIGNAL_HISTORY);
  return {
    modelId: first?.modelId ?? series?.modelId ?? 0,
    role: first?.role ?? series?.role ?? 'primary',
    instrument,
    ts: keep(
      series?.ts ?? [],
      predictions.map((p) => p.ts),
    ),
    value: keep(series?.value ?? [], predictions.map(plottedValue)),
    spread: keep(
      series?.spread ?? [],
      predictions.map((p) => p.uncertainty),
    ),
  };
}

/**
 * Compares primary and shadow row by row (same row time): the classes each called for the
 * last AGREEMENT_ROWS rows both predicted. Keeps the unmatched calls of each side until the
 * other side's prediction of that row comes (they come in the same batch, in practice).
 */
export class AgreementTracker {
  private readonly primary = new Map<number, number>();
  private readonly shadow = new Map<number, number>();
  private readonly outcomes: boolean[] = [];

  add(prediction: Prediction): void {
    const mine = prediction.role === 'primary' ? this.primary : this.shadow;
    const other = prediction.role === 'primary' ? this.shadow : this.primary;
    const called = calledClass(prediction.output);
    const theirs = other.get(prediction.ts);
    if (theirs === undefined) {
      mine.set(prediction.ts, called);
      // Rows the other side never predicted (it started later, it skipped them) are forgotten.
      if (mine.size > AGREEMENT_ROWS) mine.delete(mine.keys().next().value ?? prediction.ts);
      return;
    }
    other.delete(prediction.ts);
    this.outcomes.push(theirs === called);
    if (this.outcomes.length > AGREEMENT_ROWS) this.outcomes.shift();
  }

  value(): Agreement {
    return { rows: this.outcomes.length, agreed: this.outcomes.filter(Boolean).length };
  }
}

/** The signals domain: registered and live models, their predictions and the mid, fed by the API client. */
export function createSignalsStore(api: ApiClient): SignalsStore {
  let liveFeed: Unsubscribe | null = null;
  const predictionFeeds = new Map<string, Unsubscribe>();
  const midFeeds = new Map<string, Unsubscribe>();
  const trackers = new Map<string, AgreementTracker>();

  return createStore<SignalsState>()((set, get) => {
    const report = (what: string) => (error: unknown) => {
      if (error instanceof Error && 'kind' in error && error.kind === 'disconnected') return;
      set({ problem: `${what}: ${error instanceof Error ? error.message : String(error)}` });
    };

    const onPredictions = (instrument: string, batch: readonly Prediction[]): void => {
      const byModel = new Map<number, Prediction[]>();
      let tracker = trackers.get(instrument);
      if (tracker === undefined) {
        tracker = new AgreementTracker();
        trackers.set(instrument, tracker);
      }
      for (const prediction of batch) {
        const list = byModel.get(prediction.modelId);
        if (list === undefined) byModel.set(prediction.modelId, [prediction]);
        else list.push(prediction);
        tracker.add(prediction);
      }
      const agreement = tracker.value();
      set((state) => {
        const series = { ...state.series };
        for (const [modelId, predictions] of byModel) {
          series[modelId] = appendSignals(series[modelId], predictions, instrument);
        }
        return { series, agreement: { ...state.agreement, [instrument]: agreement } };
      });
    };

    const onMid = (instrument: string, features: BookFeatures): void => {
      const mid = features.mid;
      if (mid === null) return;
      set((state) => {
        const before = state.mids[instrument];
        return {
          mids: {
            ...state.mids,
            [instrument]: {
              ts: [...(before?.ts ?? []), features.ts].slice(-SIGNAL_HISTORY),
              mid: [...(before?.mid ?? []), mid].slice(-SIGNAL_HISTORY),
            },
          },
        };
      });
    };

    /** Follows the predictions and the mid of every instrument a live model runs on. */
    const followInstruments = (live: readonly LiveModel[]): void => {
      const wanted = new Set(live.map((m) => m.instrument));
      for (const [instrument, stop] of predictionFeeds) {
        if (wanted.has(instrument)) continue;
        stop();
        predictionFeeds.delete(instrument);
        midFeeds.get(instrument)?.();
        midFeeds.delete(instrument);
        trackers.delete(instrument);
      }
      for (const instrument of wanted) {
        if (predictionFeeds.has(instrument)) continue;
        predictionFeeds.set(
          instrument,
          api.subscribe(
            'models.predictions',
            { instrument },
            (batch) => {
              onPredictions(instrument, batch);
            },
            report('Live predictions stopped'),
          ),
        );
        midFeeds.set(
          instrument,
          api.subscribe(
            'features',
            { instrument },
            (features) => {
              onMid(instrument, features);
            },
            report('Mid prices stopped'),
          ),
        );
      }
      // A model that stopped leaves the plot.
      set((state) => {
        const series: Record<number, SignalSeries> = {};
        for (const model of live) {
          const kept = state.series[model.modelId];
          if (kept !== undefined && kept.role === model.role) series[model.modelId] = kept;
        }
        return { series };
      });
    };

    return {
      registered: [],
      live: [],
      series: {},
      mids: {},
      agreement: {},
      pickedModelId: null,
      pickedRole: 'primary',
      busy: false,
      problem: null,

      start() {
        liveFeed?.();
        liveFeed = api.subscribe(
          'models.live',
          {},
          (live) => {
            set({ live });
            followInstruments(live);
          },
          report('The live models list stopped'),
        );
        void get().refreshRegistered();
      },

      stop() {
        liveFeed?.();
        liveFeed = null;
        for (const stop of [...predictionFeeds.values(), ...midFeeds.values()]) stop();
        predictionFeeds.clear();
        midFeeds.clear();
        trackers.clear();
      },

      async refreshRegistered() {
        try {
          const registered = await api.call('models.list', {});
          set((state) => ({
            registered,
            pickedModelId:
              state.pickedModelId !== null && registered.some((m) => m.id === state.pickedModelId)
                ? state.pickedModelId
                : (registered[0]?.id ?? null),
          }));
        } catch (error) {
          report('Could not list the registered models')(error);
        }
      },

      pickModel(modelId) {
        set({ pickedModelId: modelId });
      },

      pickRole(role) {
        set({ pickedRole: role });
      },

      async startModel() {
        const { pickedModelId, pickedRole } = get();
        if (pickedModelId === null) return;
        set({ busy: true });
        try {
          const started = await api.call('models.live.start', { id: pickedModelId, role: pickedRole });
          const live = [...get().live.filter((m) => m.modelId !== started.modelId), started];
          set({ live, problem: null });
          followInstruments(live);
        } catch (error) {
          report('Could not start the model')(error);
        } finally {
          set({ busy: false });
        }
      },

      async stopModel(modelId) {
        try {
          await api.call('models.live.stop', { id: modelId });
          const live = get().live.filter((m) => m.modelId !== modelId);
          set({ live });
          followInstruments(live);
        } catch (error) {
          report('Could not stop the model')(error);
        }
      },
    };
  });
}
