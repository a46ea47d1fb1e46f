import { createContext, useContext, useState, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { AllocationState, AllocationStore } from './allocation.js';
import type { AnnotationsState, AnnotationsStore } from './annotations.js';
import type { AppState, AppStore } from './app.js';
import type { BacktestsState, BacktestsStore } from './backtests.js';
import type { BackupDeskState, BackupStore } from './backup.js';
import type { FeaturesState, FeaturesStore } from './features.js';
import type { HistoryState, HistoryStore } from './history.js';
import type { MarketsState, MarketsStore } from './markets.js';
import type { ModelsState, ModelsStore } from './models.js';
import type { SettingsState, SettingsStore } from './settings.js';
import type { SignalsState, SignalsStore } from './signals.js';
import type { TradingDeskState, TradingStore } from './trading.js';

/** The stores of one running renderer, one per domain. */
export interface WorkstationStores {
  readonly app: AppStore;
  readonly markets: MarketsStore;
  readonly features: FeaturesStore;
  readonly settings: SettingsStore;
  readonly history: HistoryStore;
  readonly models: ModelsStore;
  readonly backtests: BacktestsStore;
  readonly signals: SignalsStore;
  readonly trading: TradingStore;
  readonly allocation: AllocationStore;
  readonly backup: BackupStore;
  readonly annotations: AnnotationsStore;
}

const StoresContext = createContext<WorkstationStores | null>(null);

export function StoresProvider({ stores, children }: { stores: WorkstationStores; children: ReactNode }) {
  return <StoresContext value={stores}>{children}</StoresContext>;
}

function useStores(): WorkstationStores {
  const stores = useContext(StoresContext);
  if (stores === null) throw new Error('StoresProvider is missing above this component');
  return stores;
}

/** A narrow slice of the markets store; the component re-renders only when it changes. */
export function useMarkets<T>(selector: (state: MarketsState) => T): T {
  return useStore(useStores().markets, selector);
}

/**
 * A form's instrument: the header's, until the trader picks another in the form; the next
 * header change wins again (a form left on BTC while the header shows ETH reads as ETH's).
 */
export function useFormInstrument(): [instrument: string, pick: (id: string) => void] {
  const header = useMarkets((state) => state.instrument?.id ?? '');
  const [picked, setPicked] = useState<{ under: string; id: string } | null>(null);
  const instrument = picked !== null && picked.under === header ? picked.id : header;
  return [
    instrument,
    (id) => {
      setPicked({ under: header, id });
    },
  ];
}

/** A narrow slice of the settings store (exchanges, markets, keys, connections). */
export function useSettings<T>(selector: (state: SettingsState) => T): T {
  return useStore(useStores().settings, selector);
}

/** A narrow slice of the app store. */
export function useApp<T>(selector: (state: AppState) => T): T {
  return useStore(useStores().app, selector);
}

/** The markets store itself, for views that redraw on their own clock instead of per update. */
export function useMarketsStore(): MarketsStore {
  return useStores().markets;
}

/** A narrow slice of the features store. */
export function useFeatures<T>(selector: (state: FeaturesState) => T): T {
  return useStore(useStores().features, selector);
}

/** A narrow slice of the history store (coverage, imports, exports, backfills, jobs). */
export function useHistory<T>(selector: (state: HistoryState) => T): T {
  return useStore(useStores().history, selector);
}

/** A narrow slice of the backtests store (run form, job, stored runs, report, comparison). */
export function useBacktests<T>(selector: (state: BacktestsState) => T): T {
  return useStore(useStores().backtests, selector);
}

/** A narrow slice of the models store (training form, training jobs and curves, registry). */
export function useModels<T>(selector: (state: ModelsState) => T): T {
  return useStore(useStores().models, selector);
}

/** A narrow slice of the signals store (live models, their predictions, the start form). */
export function useSignals<T>(selector: (state: SignalsState) => T): T {
  return useStore(useStores().signals, selector);
}

/** A narrow slice of the trading store (venues, orders, fills, limits, risk, audit, notices). */
export function useTrading<T>(selector: (state: TradingDeskState) => T): T {
  return useStore(useStores().trading, selector);
}

/** A narrow slice of the allocation store (the form, weights, rebalance plan and outcome). */
export function useAllocation<T>(selector: (state: AllocationState) => T): T {
  return useStore(useStores().allocation, selector);
}

/** A narrow slice of the backup store (folder, schedule, retention, progress, restore). */
export function useBackup<T>(selector: (state: BackupDeskState) => T): T {
  return useStore(useStores().backup, selector);
}

/** A narrow slice of the annotations store (the trader's marks, the mark form, CSV in and out). */
export function useAnnotations<T>(selector: (state: AnnotationsState) => T): T {
  return useStore(useStores().annotations, selector);
}

/** The annotations store itself, for chart event handlers that act outside React renders. */
export function useAnnotationsStore(): AnnotationsStore {
  return useStores().annotations;
}
