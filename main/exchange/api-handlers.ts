import { ApiError } from '../../shared/api/protocol.js';
import type { CommandHandlers } from '../api/handlers.js';
import type { GapLedger } from '../storage/gap-ledger.js';
import { isKnownExchange, listExchanges, type EndpointOverride } from './ccxt-exchange.js';
import type { ConnectionConfig, ExchangeHub } from './exchange-hub.js';
import { SecretStoreLockedError, type SecretStore } from './secret-store.js';

type ExchangeCommandName =
  | 'exchanges.list'
  | 'exchanges.markets'
  | 'exchanges.connections'
  | 'exchanges.connect'
  | 'exchanges.disconnect'
  | 'exchanges.keys.state'
  | 'exchanges.keys.unlock'
  | 'exchanges.keys.save'
  | 'exchanges.keys.delete'
  | 'gaps.list';

export interface ExchangeHandlerDependencies {
  readonly hub: ExchangeHub;
  readonly secrets: SecretStore;
  readonly gaps: GapLedger;
}

function requireExchange(id: string): void {
  if (!isKnownExchange(id)) throw new ApiError('not_found', `ccxt has no exchange '${id}'`);
}

/** An exchange's own error (unreachable, unknown symbol...) as the API reports it. */
function exchangeError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof SecretStoreLockedError) return new ApiError('bad_request', error.message);
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError('bad_request', message);
}

function keyState(secrets: SecretStore): { ready: boolean; reason: string | null } {
  const availability = secrets.availability();
  return availability.ready ? { ready: true, reason: null } : { ready: false, reason: availability.reason };
}

function hasKeys(secrets: SecretStore, exchange: string): boolean {
  try {
    return secrets.availability().ready && secrets.has(exchange);
  } catch {
    return false;
  }
}

function endpointOf(endpoint: { rest?: string | undefined; ws?: string | undefined } | undefined) {
  if (endpoint === undefined || (endpoint.rest === undefined && endpoint.ws === undefined)) return undefined;
  const out: EndpointOverride = { rest: endpoint.rest, ws: endpoint.ws };
  return out;
}

/** Handlers of the exchanges domain (shared/api/domains/exchanges.ts). Keys never go out. */
export function exchangeHandlers(
  deps: ExchangeHandlerDependencies,
): Pick<CommandHandlers, ExchangeCommandName> {
  const { hub, secrets, gaps } = deps;
  const configs = () =>
    hub.configs().map((config: ConnectionConfig) => ({
      exchange: config.exchange,
      symbols: [...config.symbols],
      ...(config.endpoint === undefined ? {} : { endpoint: { ...config.endpoint } }),
    }));
  return {
    'exchanges.list': () =>
      listExchanges().map((exchange) => ({ ...exchange, hasKeys: hasKeys(secrets, exchange.id) })),
    'exchanges.markets': async ({ exchange, endpoint, query, limit }) => {
      requireExchange(exchange);
      let markets;
      try {
        markets = await hub.markets(exchange, endpointOf(endpoint));
      } catch (error) {
        throw exchangeError(error);
      }
      const needle = query.trim().toUpperCase();
      const matching =
        needle === ''
          ? markets
          : markets.filter(
              (m) =>
                m.symbol.toUpperCase().includes(needle) ||
                m.base.toUpperCase() === needle ||
                m.quote.toUpperCase() === needle,
            );
      return { total: matching.length, markets: matching.slice(0, limit) };
    },
    'exchanges.connections': () => configs(),
    'exchanges.connect': async ({ exchange, symbols, endpoint }) => {
      requireExchange(exchange);
      try {
        await hub.connect({ exchange, symbols, endpoint: endpointOf(endpoint) });
      } catch (error) {
        throw exchangeError(error);
      }
      return configs();
    },
    'exchanges.disconnect': async ({ exchange, symbols }) => {
      await hub.disconnect(exchange, symbols);
      return configs();
    },
    'exchanges.keys.state': () => keyState(secrets),
    'exchanges.keys.unlock': ({ passphrase }) => {
      try {
        secrets.unlock(passphrase);
      } catch (error) {
        throw exchangeError(error);
      }
      return keyState(secrets);
    },
    'exchanges.keys.save': ({ exchange, apiKey, secret, password }) => {
      requireExchange(exchange);
      try {
        secrets.set(exchange, {
          apiKey,
          secret,
          ...(password === undefined || password === '' ? {} : { password }),
        });
      } catch (error) {
        throw exchangeError(error);
      }
      return { exchange, hasKeys: true };
    },
    'exchanges.keys.delete': ({ exchange }) => {
      try {
        secrets.delete(exchange);
      } catch (error) {
        throw exchangeError(error);
      }
      return { exchange, hasKeys: false };
    },
    'gaps.list': ({ instrument, from, to }) => gaps.list(instrument, from, to),
  };
}
