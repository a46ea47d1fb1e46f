import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiClient, Unsubscribe } from '../../../shared/api/client.js';
import type { ApiError } from '../../../shared/api/protocol.js';
import type { ChartStudies } from '../../../shared/api/domains/markets.js';
import type { BookView } from '../../../shared/api/schemas.js';
import type { Candle } from '../../../shared/domain/candle.js';
import type { Instrument, Trade } from '../../../shared/domain/market.js';
import type { BookFeatures, Signal } from '../../../shared/domain/signal.js';
import { TIMEFRAME_MS, type Timeframe } from '../../../shared/domain/timeframes.js';
import { latestBarEnd, timeframeForSpan } from './chartRange.js';
import {
  addOlderCandles,
  addSignalHistory,
  addSignals,
  addTapeHistory,
  addToTape,
  mergeCandleHistory,
  mergeCandles,
  MAX_BARS,
  TAPE_LENGTH,
} from './marketsMerge.js';

/** Levels a side the book topic sends: the ladder shows the top of it, the depth chart all. */
export const BOOK_DEPTH = 50;
/** Bars of history loaded when a timeframe is opened. */
export const CANDLE_HISTORY = 300;
/** Bars asked for per page when the trader scrolls back past the earliest loaded bar. */
export const OLDER_PAGE = 1000;
/** Bars the chart shows from a date picked (the rest is a pan away). */
export const VIEW_BARS = 150;
/** Studies of an instrument until its saved ones arrive (and if loading them fails). */
export const DEFAULT_STUDIES: ChartStudies = { overlays: [], panes: ['volume'] };
/** Signals loaded for markers when an instrument is opened. */
export const SIGNAL_HISTORY = 200;

/**
 * Whether bars older than the earliest loaded one can still be loaded: 'more' (not asked yet),
 * 'loading', 'all' (the recording starts there) or 'capped' (MAX_BARS are loaded; a longer
 * timeframe reaches further back).
 */
export type OlderBars = 'more' | 'loading' | 'all' | 'capped';

/** A time range the chart is asked to show; `seq` changes per request so the same range can be asked twice. */
export interface ChartView {
  readonly from: number;
  readonly to: number;
  readonly seq: number;
}

/** The range buttons above the chart. */
export type ChartRange = '1D' | '1W' | '1M' | 'All';

export const CHART_RANGE_MS: Readonly<Record<Exclude<ChartRange, 'All'>, number>> = {
  '1D': 86_400_000,
  '1W': 7 * 86_400_000,
  '1M': 30 * 86_400_000,
};

export interface MarketsState {
  readonly instruments: readonly Instrument[];
  /** The instrument every panel shows. */
  readonly instrument: Instrument | null;
  readonly book: BookView | null;
  /** Most recent trades, newest first. */
  readonly tape: readonly Trade[];
  readonly timeframe: Timeframe;
  /** Bars per timeframe, oldest first; a timeframe not opened yet has none. */
  readonly candles: Readonly<Partial<Record<Timeframe, readonly Candle[]>>>;
  /** The timeframe whose history is being loaded, if any. */
  readonly loadingTimeframe: Timeframe | null;
  /** Whether the shown timeframe has older bars to load. */
  readonly olderBars: OlderBars;
  /** The range the chart was last asked to show (by a range button, the date picker, jump-to-latest). */
  readonly chartView: ChartView | null;
  /** Overlays and panes chosen for the shown instrument's chart. */
  readonly studies: ChartStudies;
  /** Signals of the instrument, oldest first. */
  readonly signals: readonly Signal[];
  readonly features: BookFeatures | null;
  /** What went wrong on the markets side, in words for the trader (not a lost connection). */
  readonly problem: string | null;

  /** Loads the instrument list and follows the first instrument. */
  readonly start: () => Promise<void>;
  /** Shows one instrument: its book, tape, signals, features and candles. */
  readonly follow: (instrumentId: string) => void;
  /** Switches the candle chart: loads that timeframe's history, then follows its live bars. */
  readonly selectTimeframe: (timeframe: Timeframe) => void;
  /** Loads one page of bars older than the earliest loaded one (nothing while one is in flight). */
  readonly loadOlder: () => Promise<void>;
  /**
   * Shows a range ending at the latest bar (or all that is recorded), switching to a longer
   * timeframe when the range holds more than MAX_BARS bars of the shown one.
   */
  readonly showRange: (range: ChartRange) => Promise<void>;
  /** Shows the bars from `ts` on, loading back to it (a longer timeframe if it is too far back). */
  readonly showFrom: (ts: number) => Promise<void>;
  /** Shows the latest bars at the width `spanMs` the trader was looking at. */
  readonly jumpToLatest: (spanMs: number) => void;
  /** Saves the overlays and panes of the shown instrument's chart. */
  readonly setStudies: (studies: ChartStudies) => void;
  /** Lists the instruments again (after an exchange connection added some), keeping the one shown. */
  readonly reloadInstruments: () => Promise<void>;
  /**
   * Changes an instrument's tick and lot (markets.instrument.steps); every panel then shows its
   * prices to the new tick. Resolves to an error message, or null when saved.
   */
  readonly setInstrumentSteps: (
    instrumentId: string,
    tickSize: number,
    lotSize: number,
  ) => Promise<string | null>;
  /** Ends every subscription. */
  readonly stop: () => void;
}

export type MarketsStore = StoreApi<MarketsState>;

/** The markets domain: everything the Markets view draws, fed only by the API client. */
export function createMarketsStore(api: ApiClient, initialTimeframe: Timeframe = '1m'): MarketsStore {
  let instrumentFeeds: Unsubscribe[] = [];
  let candleFeed: Unsubscribe | null = null;
  /** Bumped on every instrument or timeframe change, so late answers for the old one are dropped. */
  let generation = 0;
  /** Settles once the shown timeframe's first page of history is in (or failed). */
  let historyReady: Promise<void> = Promise.resolve();
  let viewSeq = 0;

  return createStore<MarketsState>()((set, get) => {
    const report = (what: string) => (error: unknown) => {
      if (isDisconnect(error)) return; // The app store shows the lost connection once, for everything.
      set({ problem: `${what}: ${errorText(error)}` });
    };

    const stopCandles = (): void => {
      candleFeed?.();
      candleFeed = null;
    };

    const followCandles = (instrument: string, timeframe: Timeframe): void => {
      stopCandles();
      const mine = ++generation;
      const stillMine = (): boolean => mine === generation;
      set({ timeframe, loadingTimeframe: timeframe, olderBars: 'loading', chartView: null });
      // Live bars first, so none is missed while history is in flight; history merges beneath.
      candleFeed = api.subscribe(
        'candles',
        { instrument, timeframe },
        (bars) => {
          if (!stillMine()) return;
          set((state) => ({
            candles: { ...state.candles, [timeframe]: mergeCandles(state.candles[timeframe] ?? [], bars) },
          }));
        },
        report(`Live ${timeframe} candles stopped`),
      );
      historyReady = api
        .call('markets.candles', { instrument, timeframe, limit: CANDLE_HISTORY })
        .then((history) => {
          if (!stillMine()) return;
          set((state) => ({
            loadingTimeframe: null,
            // A short first page is the whole recording: nothing older to ask for.
            olderBars: history.length < CANDLE_HISTORY ? 'all' : 'more',
            candles: {
              ...state.candles,
              [timeframe]: mergeCandleHistory(history, state.candles[timeframe] ?? []),
            },
          }));
        })
        .catch((error: unknown) => {
          if (stillMine()) set({ loadingTimeframe: null, olderBars: 'more' });
          report(`Could not load ${timeframe} candles`)(error);
        });
    };

    /** One page of older bars of the shown timeframe; true when it added any. */
    const loadOlderPage = async (): Promise<boolean> => {
      const { instrument, timeframe, olderBars } = get();
      const bars = get().candles[timeframe] ?? [];
      const earliest = bars[0];
      if (instrument === null || olderBars !== 'more' || earliest === undefined) return false;
      if (bars.length >= MAX_BARS) {
        set({ olderBars: 'capped' });
        return false;
      }
      const mine = generation;
      set({ olderBars: 'loading' });
      try {
        const older = await api.call('markets.candles', {
          instrument: instrument.id,
          timeframe,
          limit: OLDER_PAGE,
          to: earliest.openTime - 1,
        });
        if (mine !== generation) return false;
        const before = get().candles[timeframe] ?? [];
        const merged = addOlderCandles(before, older);
        const exhausted = older.length < OLDER_PAGE;
        const added = merged.length - before.length;
        set((state) => ({
          candles: { ...state.candles, [timeframe]: merged },
          olderBars:
            merged.length >= MAX_BARS && (!exhausted || added < older.length)
              ? 'capped'
              : exhausted
                ? 'all'
                : 'more',
        }));
        return added > 0;
      } catch (error: unknown) {
        if (mine === generation) set({ olderBars: 'more' });
        report(`Could not load older ${timeframe} candles`)(error);
        return false;
      }
    };

    /** Loads older pages until the earliest loaded bar opens at or before `ts` (or no more can load). */
    const loadBackTo = async (ts: number): Promise<void> => {
      for (;;) {
        const earliest = (get().candles[get().timeframe] ?? [])[0];
        if (earliest === undefined || earliest.openTime <= ts) return;
        if (!(await loadOlderPage())) return;
      }
    };

    /**
     * Shows [from, to], after switching to a timeframe that holds the bars from `from` to the
     * latest one (loaded contiguously back from the latest) and loading back to `from`.
     */
    const showSpan = async (from: number, to: number, latest: number): Promise<void> => {
      const instrument = get().instrument;
      if (instrument === null) return;
      const timeframe = timeframeForSpan(latest - from, get().timeframe);
      if (timeframe !== get().timeframe || candleFeed === null) followCandles(instrument.id, timeframe);
      const mine = generation;
      await historyReady;
      await loadBackTo(from);
      if (mine === generation) set({ chartView: { from, to, seq: ++viewSeq } });
    };

    /** Where the chart's time axis ends: the latest loaded bar's end, else now. */
    const latestTime = (): number =>
      latestBarEnd(get().candles[get().timeframe] ?? [], get().timeframe) ?? Date.now();

    const stopInstrument = (): void => {
      for (const unsubscribe of instrumentFeeds) unsubscribe();
      instrumentFeeds = [];
      stopCandles();
    };

    return {
      instruments: [],
      instrument: null,
      book: null,
      tape: [],
      timeframe: initialTimeframe,
      candles: {},
      loadingTimeframe: null,
      olderBars: 'more',
      chartView: null,
      studies: DEFAULT_STUDIES,
      signals: [],
      features: null,
      problem: null,

      async start() {
        try {
          const instruments = await api.call('markets.list', {});
          set({ instruments });
          const first = instruments[0];
          if (first === undefined) {
            set({ problem: 'The workstation streams no instrument yet.' });
            return;
          }
          get().follow(first.id);
        } catch (error: unknown) {
          report('Could not list instruments')(error);
        }
      },

      follow(instrumentId) {
        const instrument = get().instruments.find((candidate) => candidate.id === instrumentId) ?? null;
        if (instrument === null) return;
        stopInstrument();
        set({
          instrument,
          book: null,
          tape: [],
          candles: {},
          signals: [],
          features: null,
          problem: null,
          studies: DEFAULT_STUDIES,
        });
        const id = instrument.id;
        const current = (): boolean => get().instrument?.id === id;

        instrumentFeeds = [
          api.subscribe(
            'book',
            { instrument: id, depth: BOOK_DEPTH },
            (book) => {
              set({ book });
            },
            report('The order book stopped'),
          ),
          api.subscribe(
            'trades',
            { instrument: id },
            (batch) => {
              set((state) => ({ tape: addToTape(state.tape, batch) }));
            },
            report('The trade tape stopped'),
          ),
          api.subscribe(
            'signals',
            { instrument: id },
            (signal) => {
              set((state) => ({ signals: addSignals(state.signals, [signal]) }));
            },
            report('Signals stopped'),
          ),
          api.subscribe(
            'features',
            { instrument: id },
            (features) => {
              set({ features });
            },
            report('Features stopped'),
          ),
        ];

        api
          .call('markets.book', { instrument: id, depth: BOOK_DEPTH })
          .then((book) => {
            // A snapshot only fills the ladder until the first live update arrives.
            if (current() && get().book === null) set({ book });
          })
          .catch(report('Could not load the order book'));
        api
          .call('markets.trades', { instrument: id, limit: TAPE_LENGTH })
          .then((history) => {
            if (current()) set((state) => ({ tape: addTapeHistory(state.tape, history) }));
          })
          .catch(report('Could not load recent trades'));
        api
          .call('signals.recent', { instrument: id, limit: SIGNAL_HISTORY })
          .then((history) => {
            if (current()) set((state) => ({ signals: addSignalHistory(state.signals, history) }));
          })
          .catch(report('Could not load recent signals'));
        api
          .call('markets.chart.get', { instrument: id })
          .then((studies) => {
            if (current()) set({ studies });
          })
          .catch(report('Could not load the chart studies'));

        followCandles(id, get().timeframe);
      },

      selectTimeframe(timeframe) {
        const instrument = get().instrument;
        if (instrument === null) {
          set({ timeframe });
          return;
        }
        if (timeframe === get().timeframe && candleFeed !== null) return;
        followCandles(instrument.id, timeframe);
      },

      loadOlder: async () => {
        await loadOlderPage();
      },

      async showRange(range) {
        const instrument = get().instrument;
        if (instrument === null) return;
        await historyReady;
        const latest = latestTime();
        if (range !== 'All') {
          await showSpan(latest - CHART_RANGE_MS[range], latest, latest);
          return;
        }
        // Daily bars are the cheapest way to find where the recording starts.
        const mine = generation;
        try {
          const days = await api.call('markets.candles', {
            instrument: instrument.id,
            timeframe: '1d',
            limit: 10_000,
          });
          const first = days[0];
          if (first === undefined || mine !== generation) return;
          await showSpan(Math.min(first.openTime, latest - TIMEFRAME_MS[get().timeframe]), latest, latest);
        } catch (error: unknown) {
          report('Could not find where the recording starts')(error);
        }
      },

      async showFrom(ts) {
        await historyReady;
        const latest = latestTime();
        const timeframe = timeframeForSpan(latest - ts, get().timeframe);
        await showSpan(ts, Math.min(latest, ts + VIEW_BARS * TIMEFRAME_MS[timeframe]), latest);
      },

      jumpToLatest(spanMs) {
        const period = TIMEFRAME_MS[get().timeframe];
        const latest = latestTime();
        // Without a width to keep (the chart shows all it loaded), the width a date pick shows.
        const width = spanMs > 0 ? Math.max(spanMs, 10 * period) : VIEW_BARS * period;
        set({ chartView: { from: latest - width, to: latest + 2 * period, seq: ++viewSeq } });
      },

      setStudies(studies) {
        const instrument = get().instrument;
        set({ studies });
        if (instrument === null) return;
        api
          .call('markets.chart.set', { instrument: instrument.id, studies })
          .catch(report('Could not save the chart studies'));
      },

      async reloadInstruments() {
        try {
          const instruments = await api.call('markets.list', {});
          // The instrument shown keeps its feeds but takes its new description (an edited tick).
          const shown = get().instrument;
          const fresh = shown === null ? null : (instruments.find((i) => i.id === shown.id) ?? null);
          set({ instruments, ...(fresh === null ? {} : { instrument: fresh }) });
          // The one shown is gone (an import that created it was refused): show the first.
          if (fresh === null && instruments[0] !== undefined) get().follow(instruments[0].id);
        } catch (error: unknown) {
          report('Could not list instruments')(error);
        }
      },

      async setInstrumentSteps(instrumentId, tickSize, lotSize) {
        try {
          await api.call('markets.instrument.steps', { instrument: instrumentId, tickSize, lotSize });
        } catch (error: unknown) {
          if (isDisconnect(error)) return 'not connected';
          return errorText(error);
        }
        await get().reloadInstruments();
        return null;
      },

      stop() {
        stopInstrument();
        generation++;
      },
    };
  });
}

function isDisconnect(error: unknown): boolean {
  return isApiError(error) && error.kind === 'disconnected';
}

function isApiError(error: unknown): error is ApiError {
  return error instanceof Error && error.name === 'ApiError' && 'kind' in error;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
