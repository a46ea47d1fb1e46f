import { Agent } from 'node:http';
import ccxt, { type Exchange } from 'ccxt';
import type { Instrument } from '../../shared/domain/market.js';
import type { ExchangeKeys } from './secret-store.js';

/** Base URLs that replace an exchange's own: a testnet, a proxy, or the exchange simulator. */
export interface EndpointOverride {
  /** Replaces the scheme and host of every REST URL, e.g. `http://127.0.0.1:8123`. */
  readonly rest?: string | undefined;
  /** Replaces the scheme and host of every WebSocket URL, e.g. `ws://127.0.0.1:8123`. */
  readonly ws?: string | undefined;
}

export interface ExchangeSummary {
  readonly id: string;
  readonly name: string;
  /** ccxt pro streams this exchange over WebSocket; otherwise the feed polls REST. */
  readonly websocket: boolean;
}

export interface MarketSummary {
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  readonly type: string;
  readonly active: boolean;
  readonly tickSize: number;
  readonly lotSize: number;
}

/** What differs per venue, beyond what ccxt already knows. */
export interface VenueProfile {
  /** Options merged into the ccxt instance. */
  readonly options: Record<string, unknown>;
  /** Trade ids count up by one per trade, so a jump in ids is a hole (see TradeSequencer). */
  readonly consecutiveTradeIds: boolean;
}

const BINANCE_SPOT: VenueProfile = {
  options: {
    // Spot only: loadMarkets would otherwise also call the futures (fapi/dapi) and margin
    // (sapi) endpoints, which a testnet or the simulator does not serve and which the
    // recorder does not use.
    fetchMarkets: { types: ['spot'] },
    fetchCurrencies: false,
    fetchMargins: false,
    // The aggTrade stream and REST /aggTrades share ids, so a trade seen live and again in a
    // backfill is recognised; the raw `trade` stream's ids do not match /aggTrades.
    watchTrades: { name: 'aggTrade' },
    fetchTradesMethod: 'publicGetAggTrades',
  },
  consecutiveTradeIds: true,
};

const PROFILES: Readonly<Record<string, VenueProfile>> = {
  binance: BINANCE_SPOT,
  binanceus: BINANCE_SPOT,
};

const DEFAULT_PROFILE: VenueProfile = { options: {}, consecutiveTradeIds: false };

export function profileOf(exchangeId: string): VenueProfile {
  return PROFILES[exchangeId] ?? DEFAULT_PROFILE;
}

/** Every exchange ccxt supports, with whether ccxt pro streams it. */
export function listExchanges(): ExchangeSummary[] {
  const streaming = new Set(Object.keys(ccxt.pro));
  return ccxt.exchanges.map((id) => ({ id, name: exchangeName(id), websocket: streaming.has(id) }));
}

function exchangeName(id: string): string {
  // Building an instance only to read its name is slow for 100 exchanges; ids are readable.
  return id;
}

export function isKnownExchange(id: string): boolean {
  return ccxt.exchanges.includes(id);
}

export interface CreateExchangeOptions {
  readonly endpoint?: EndpointOverride | undefined;
  readonly keys?: ExchangeKeys | null | undefined;
  /** 'rest' builds the plain class, so feeds poll REST even where ccxt pro could stream. */
  readonly transport?: 'websocket' | 'rest';
}

/**
 * A ccxt instance (the pro class when there is one), with the venue's profile applied and
 * its URLs pointed at the override if given.
 */
export function createExchange(id: string, options: CreateExchangeOptions = {}): Exchange {
  const profile = profileOf(id);
  const proClasses = ccxt.pro as unknown as Record<string, (new (config: object) => Exchange) | undefined>;
  const restClasses = ccxt as unknown as Record<string, (new (config: object) => Exchange) | undefined>;
  const ExchangeClass = (options.transport === 'rest' ? undefined : proClasses[id]) ?? restClasses[id];
  if (ExchangeClass === undefined || !isKnownExchange(id)) throw new Error(`ccxt has no exchange '${id}'`);
  const exchange = new ExchangeClass({
    enableRateLimit: true,
    ...(options.keys
      ? {
          apiKey: options.keys.apiKey,
          secret: options.keys.secret,
          ...(options.keys.password === undefined ? {} : { password: options.keys.password }),
        }
      : {}),
  });
  exchange.options = { ...exchange.options, ...profile.options };
  if (options.endpoint !== undefined) {
    overrideUrls(exchange.urls.api, options.endpoint);
    // ccxt opens plain ws:// sockets only through an http agent it is given (a testnet or
    // the simulator on localhost); wss:// needs none.
    if (options.endpoint.ws?.startsWith('ws://') === true) exchange.httpAgent = new Agent();
  }
  return exchange;
}

/**
 * Puts new credentials on a live ccxt instance, or takes them off (`null`). ccxt signs each
 * request with the instance's fields when it is sent (after its rate-limit wait), so a request
 * already queued on this instance is signed with what is set here, never with the keys it had
 * when it was queued; without keys ccxt refuses a private call locally, sending nothing.
 */
export function applyKeys(exchange: Exchange, keys: ExchangeKeys | null): void {
  exchange.apiKey = keys?.apiKey ?? '';
  exchange.secret = keys?.secret ?? '';
  exchange.password = keys?.password ?? '';
}

/**
 * Rewrites, in place, every URL under `urls.api` (nested: binance keeps its WebSocket URLs at
 * urls.api.ws): `https://api.binance.com/api/v3` -> `<rest>/api/v3`,
 * `wss://stream.binance.com:9443/ws` -> `<ws>/ws`. Paths stay, so the venue's routes work
 * against a testnet or simulator that serves the same paths.
 */
export function overrideUrls(api: Record<string, unknown>, endpoint: EndpointOverride): void {
  const rest = endpoint.rest?.replace(/\/+$/, '');
  const ws = endpoint.ws?.replace(/\/+$/, '');
  for (const [key, value] of Object.entries(api)) {
    if (typeof value === 'string') {
      const base = /^wss?:/i.test(value) ? ws : /^https?:/i.test(value) ? rest : undefined;
      if (base !== undefined && base !== '') api[key] = value.replace(/^[a-z]+:\/\/[^/]+/i, base);
    } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      overrideUrls(value as Record<string, unknown>, endpoint);
    }
  }
}

interface CcxtMarket {
  symbol?: string;
  base?: string;
  quote?: string;
  type?: string;
  active?: boolean | undefined;
  precision?: { price?: number | undefined; amount?: number | undefined };
}

/** ccxt's precision is a tick size or a number of decimals, depending on the exchange. */
function stepOf(exchange: Exchange, precision: number | undefined): number {
  const TICK_SIZE = 4;
  const DECIMAL_PLACES = 2;
  if (precision === undefined || !Number.isFinite(precision) || precision <= 0) return 1e-8;
  if (exchange.precisionMode === TICK_SIZE) return precision;
  if (exchange.precisionMode === DECIMAL_PLACES) return 10 ** -precision;
  return 1e-8;
}

export function marketSummaries(exchange: Exchange): MarketSummary[] {
  const markets = Object.values(exchange.markets ?? {}) as CcxtMarket[];
  const out: MarketSummary[] = [];
  for (const market of markets) {
    if (market.symbol === undefined) continue;
    out.push({
      symbol: market.symbol,
      base: market.base ?? '',
      quote: market.quote ?? '',
      type: market.type ?? 'spot',
      active: market.active !== false,
      tickSize: stepOf(exchange, market.precision?.price),
      lotSize: stepOf(exchange, market.precision?.amount),
    });
  }
  out.sort((a, b) => a.symbol.localeCompare(b.symbol));
  return out;
}

/** The product's instrument for a loaded market: id `<exchange>:<symbol>`. */
export function instrumentOf(exchangeId: string, market: MarketSummary): Instrument {
  return {
    id: `${exchangeId}:${market.symbol}`,
    exchange: exchangeId,
    symbol: market.symbol,
    base: market.base || market.symbol.split('/')[0] || market.symbol,
    quote: market.quote || market.symbol.split('/')[1] || '?',
    tickSize: market.tickSize,
    lotSize: market.lotSize,
  };
}
