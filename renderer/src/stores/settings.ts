import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiClient } from '../../../shared/api/client.js';
import type { CommandResponse } from '../../../shared/api/contract.js';

export type ExchangeSummary = CommandResponse<'exchanges.list'>[number];
export type MarketSummary = CommandResponse<'exchanges.markets'>['markets'][number];
export type ConnectionConfig = CommandResponse<'exchanges.connections'>[number];
export type KeyStoreState = CommandResponse<'exchanges.keys.state'>;

/** Markets shown per search: enough to pick from, few enough to render at once. */
export const MARKET_PAGE = 200;

export interface SettingsState {
  readonly exchanges: readonly ExchangeSummary[];
  readonly exchange: string | null;
  /** Base URLs replacing the exchange's own (a testnet, the simulator); empty = the exchange's. */
  readonly endpoint: { readonly rest: string; readonly ws: string };
  readonly markets: readonly MarketSummary[];
  /** Markets matching the search, of which `markets` holds the first MARKET_PAGE. */
  readonly marketsTotal: number;
  readonly marketQuery: string;
  readonly marketsLoaded: boolean;
  readonly loadingMarkets: boolean;
  readonly selected: readonly string[];
  readonly connections: readonly ConnectionConfig[];
  readonly keyStore: KeyStoreState | null;
  readonly busy: boolean;
  /** What went wrong, in words for the user. */
  readonly problem: string | null;
  /** What just went right (keys saved, connected). */
  readonly notice: string | null;

  readonly start: () => Promise<void>;
  readonly pickExchange: (id: string) => void;
  readonly setEndpoint: (endpoint: Partial<SettingsState['endpoint']>) => void;
  readonly loadMarkets: () => Promise<void>;
  readonly searchMarkets: (query: string) => Promise<void>;
  readonly toggleSymbol: (symbol: string) => void;
  readonly connect: () => Promise<void>;
  readonly disconnect: (exchange: string) => Promise<void>;
  readonly saveKeys: (keys: { apiKey: string; secret: string; password: string }) => Promise<void>;
  readonly unlockKeys: (passphrase: string) => Promise<void>;
}

export type SettingsStore = StoreApi<SettingsState>;

export interface SettingsStoreOptions {
  /** Called after a connect or disconnect, so the markets domain lists the new instruments. */
  readonly onConnectionsChanged?: () => void;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The settings domain: exchange, markets, symbols, endpoint override, keys and connections. */
export function createSettingsStore(api: ApiClient, options: SettingsStoreOptions = {}): SettingsStore {
  /** Bumped per market request, so a slow answer to an old search is dropped. */
  let marketRequest = 0;

  return createStore<SettingsState>()((set, get) => {
    const endpointParam = (): { rest?: string; ws?: string } | undefined => {
      const rest = get().endpoint.rest.trim();
      const ws = get().endpoint.ws.trim();
      if (rest === '' && ws === '') return undefined;
      return { ...(rest === '' ? {} : { rest }), ...(ws === '' ? {} : { ws }) };
    };

    const fetchMarkets = async (query: string): Promise<void> => {
      const exchange = get().exchange;
      if (exchange === null) return;
      const mine = ++marketRequest;
      set({ loadingMarkets: true, problem: null, marketQuery: query });
      try {
        const endpoint = endpointParam();
        const answer = await api.call('exchanges.markets', {
          exchange,
          query,
          limit: MARKET_PAGE,
          ...(endpoint === undefined ? {} : { endpoint }),
        });
        if (mine !== marketRequest) return;
        set({
          markets: answer.markets,
          marketsTotal: answer.total,
          marketsLoaded: true,
          loadingMarkets: false,
        });
      } catch (error) {
        if (mine !== marketRequest) return;
        set({ loadingMarkets: false, problem: `Could not load markets of ${exchange}: ${errorText(error)}` });
      }
    };

    return {
      exchanges: [],
      exchange: null,
      endpoint: { rest: '', ws: '' },
      markets: [],
      marketsTotal: 0,
      marketQuery: '',
      marketsLoaded: false,
      loadingMarkets: false,
      selected: [],
      connections: [],
      keyStore: null,
      busy: false,
      problem: null,
      notice: null,

      async start() {
        try {
          const [exchanges, connections, keyStore] = await Promise.all([
            api.call('exchanges.list', {}),
            api.call('exchanges.connections', {}),
            api.call('exchanges.keys.state', {}),
          ]);
          set({ exchanges, connections, keyStore });
        } catch (error) {
          set({ problem: `Could not load exchange settings: ${errorText(error)}` });
        }
      },

      pickExchange(id) {
        if (get().exchange === id) return;
        marketRequest++;
        const saved = get().connections.find((c) => c.exchange === id);
        set({
          exchange: id,
          markets: [],
          marketsTotal: 0,
          marketQuery: '',
          marketsLoaded: false,
          loadingMarkets: false,
          selected: [],
          endpoint: { rest: saved?.endpoint?.rest ?? '', ws: saved?.endpoint?.ws ?? '' },
          problem: null,
          notice: null,
        });
      },

      setEndpoint(endpoint) {
        set((state) => ({ endpoint: { ...state.endpoint, ...endpoint }, marketsLoaded: false }));
      },

      loadMarkets: () => fetchMarkets(''),

      searchMarkets: (query) => fetchMarkets(query),

      toggleSymbol(symbol) {
        set((state) => ({
          selected: state.selected.includes(symbol)
            ? state.selected.filter((s) => s !== symbol)
            : [...state.selected, symbol],
        }));
      },

      async connect() {
        const { exchange, selected } = get();
        if (exchange === null || selected.length === 0) return;
        set({ busy: true, problem: null, notice: null });
        try {
          const endpoint = endpointParam();
          const connections = await api.call('exchanges.connect', {
            exchange,
            symbols: [...selected],
            ...(endpoint === undefined ? {} : { endpoint }),
          });
          set({
            connections,
            busy: false,
            selected: [],
            notice: `Streaming ${selected.join(', ')} from ${exchange}.`,
          });
          options.onConnectionsChanged?.();
        } catch (error) {
          set({ busy: false, problem: `Could not connect to ${exchange}: ${errorText(error)}` });
        }
      },

      async disconnect(exchange) {
        set({ busy: true, problem: null, notice: null });
        try {
          const connections = await api.call('exchanges.disconnect', { exchange });
          set({ connections, busy: false, notice: `Stopped ${exchange}.` });
          options.onConnectionsChanged?.();
        } catch (error) {
          set({ busy: false, problem: `Could not disconnect ${exchange}: ${errorText(error)}` });
        }
      },

      async saveKeys({ apiKey, secret, password }) {
        const exchange = get().exchange;
        if (exchange === null) return;
        set({ busy: true, problem: null, notice: null });
        try {
          await api.call('exchanges.keys.save', {
            exchange,
            apiKey,
            secret,
            ...(password === '' ? {} : { password }),
          });
          const exchanges = await api.call('exchanges.list', {});
          set({ exchanges, busy: false, notice: `Keys for ${exchange} saved, encrypted.` });
        } catch (error) {
          set({ busy: false, problem: `Keys not saved: ${errorText(error)}` });
        }
      },

      async unlockKeys(passphrase) {
        set({ busy: true, problem: null, notice: null });
        try {
          const keyStore = await api.call('exchanges.keys.unlock', { passphrase });
          const exchanges = await api.call('exchanges.list', {});
          set({ keyStore, exchanges, busy: false, notice: 'Key store unlocked.' });
        } catch (error) {
          set({ busy: false, problem: `Key store not unlocked: ${errorText(error)}` });
        }
      },
    };
  });
}
