import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { AppState, AppStore } from './app.js';
import type { MarketsState, MarketsStore } from './markets.js';

/** The stores of one running renderer, one per domain. */
export interface WorkstationStores {
  readonly app: AppStore;
  readonly markets: MarketsStore;
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

/** A narrow slice of the app store. */
export function useApp<T>(selector: (state: AppState) => T): T {
  return useStore(useStores().app, selector);
}

/** The markets store itself, for views that redraw on their own clock instead of per update. */
export function useMarketsStore(): MarketsStore {
  return useStores().markets;
}
