import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiClient, Unsubscribe } from '../../../shared/api/client.js';
import type { ApiError } from '../../../shared/api/protocol.js';
import type { BookView } from '../../../shared/api/schemas.js';
import type { Candle } from '../../../shared/domain/candle.js';
import type { Instrument, Trade } from '../../../shared/domain/market.js';
import type { BookFeatures, Signal } from '../../../shared/domain/signal.js';
import type { Timeframe } from '../../../shared/domain/timeframes.js';
import {
  addSignalHistory,
  addSignals,
  addTapeHistory,
  addToTape,
  mergeCandleHistory,
  mergeCandles,
  TAPE_LENGTH,
} from './marketsMerge.js';

/** Levels a side the book topic sends: the ladder shows the top of it, the depth chart all. */
export const BOOK_DEPTH = 50;
/** Bars of history loaded when a timeframe is opened. */
export const CANDLE_HISTORY = 300;
/** Signals loaded for markers when an instrument is opened. */
export const SIGNAL_HISTORY = 200;

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
      set({ timeframe, loadingTimeframe: timeframe });
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
      api
        .call('markets.candles', { instrument, timeframe, limit: CANDLE_HISTORY })
        .then((history) => {
          if (!stillMine()) return;
          set((state) => ({
            loadingTimeframe: null,
            candles: {
              ...state.candles,
              [timeframe]: mergeCandleHistory(history, state.candles[timeframe] ?? []),
            },
          }));
        })
        .catch((error: unknown) => {
          if (stillMine()) set({ loadingTimeframe: null });
          report(`Could not load ${timeframe} candles`)(error);
        });
    };

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
        set({ instrument, book: null, tape: [], candles: {}, signals: [], features: null, problem: null });
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
