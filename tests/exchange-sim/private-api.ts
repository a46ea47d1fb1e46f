import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  BinanceError,
  ERRORS,
  hasLimitPrice,
  isStopType,
  type BookSides,
  type SimFill,
  type SimOrder,
  type SpotMarketRules,
  type SpotVenue,
  type VenueExecution,
} from './spot-venue.js';

/**
 * Binance spot's signed (USER_DATA / TRADE) REST endpoints over the simulator's SpotVenue:
 *
 *   POST   /api/v3/order        new order: LIMIT, MARKET, LIMIT_MAKER, STOP_LOSS and
 *                                STOP_LOSS_LIMIT (stopPrice), newClientOrderId, newOrderRespType
 *   DELETE /api/v3/order        cancel by orderId or origClientOrderId
 *   GET    /api/v3/order        query by orderId or origClientOrderId
 *   GET    /api/v3/openOrders   open orders, of one symbol or all
 *   DELETE /api/v3/openOrders   cancel every open order of a symbol
 *   GET    /api/v3/myTrades     fills of a symbol (orderId, fromId, startTime, endTime, limit)
 *   GET    /api/v3/account      balances (free, locked)
 *
 * User data: the WebSocket API's `userDataStream.subscribe.signature` (what ccxt pro's spot
 * watchOrders sends) subscribes a socket to its account's `executionReport` events.
 *
 * Requests are authenticated as Binance does: X-MBX-APIKEY names the account, `signature`
 * is HMAC-SHA256 of the query string + body with the account's secret, and `timestamp`
 * must be within `recvWindow` (default 5000 ms) of the server's clock, so a request that
 * arrives late is refused rather than executed.
 */

export const PRIVATE_PATHS = new Set([
  '/api/v3/order',
  '/api/v3/openOrders',
  '/api/v3/myTrades',
  '/api/v3/account',
]);

/** Order requests: the calls that place or cancel, counted for "nothing was sent" checks. */
export interface OrderRequestLog {
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Every request to a private path, authenticated or not: which API key it named and whether
 * its signature checked out against that account's secret. Lets a test prove which key signed
 * what reached the exchange (e.g. nothing with a key the user deleted).
 */
export interface SignedRequestLog {
  readonly method: string;
  readonly path: string;
  /** The X-MBX-APIKEY header, or null when the request named none. */
  readonly apiKey: string | null;
  readonly verdict: 'valid' | 'bad_signature' | 'unknown_key';
}

export interface PrivateApiHost {
  readonly venue: SpotVenue;
  readonly clock: () => number;
  /** Rules and the current book of a Binance symbol id, or null when unknown. */
  market(
    symbolId: string,
  ): { rules: SpotMarketRules; book: BookSides; decimals: Decimals; lastPrice: number } | null;
}

export interface Decimals {
  readonly price: number;
  readonly size: number;
}

export class PrivateApi {
  readonly secrets = new Map<string, string>();
  /** Every POST/DELETE on an order path that passed authentication, in order. */
  readonly orderRequests: OrderRequestLog[] = [];
  /** Every request to a private path, in order, with the key it named and its signature's verdict. */
  readonly signedRequests: SignedRequestLog[] = [];
  private dropAfterAccept = 0;
  private delays: { remaining: number; ms: number }[] = [];

  constructor(private readonly host: PrivateApiHost) {}

  /** The next `count` new-order requests are executed, then the connection closes unanswered. */
  dropConnectionAfterAccept(count: number): void {
    this.dropAfterAccept += count;
  }

  /** The next `count` order requests (new and cancel) are executed and answered `ms` late. */
  delayOrderResponses(count: number, ms: number): void {
    this.delays.push({ remaining: count, ms });
  }

  serve(request: IncomingMessage, response: ServerResponse, url: URL): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      this.handle(request, response, url, body);
    });
  }

  private handle(request: IncomingMessage, response: ServerResponse, url: URL, body: string): void {
    const reply = (status: number, payload: unknown): void => {
      // A client that timed out has closed the socket: the answer goes nowhere.
      if (response.destroyed || request.socket.destroyed) return;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(payload));
    };
    const method = request.method ?? 'GET';
    const isOrderCall =
      method !== 'GET' && (url.pathname === '/api/v3/order' || url.pathname === '/api/v3/openOrders');
    let result: unknown;
    try {
      const params = this.authenticate(request, url, body);
      if (isOrderCall) this.orderRequests.push({ method, path: url.pathname, params });
      result = this.route(method, url.pathname, params);
    } catch (error) {
      if (error instanceof BinanceError) {
        reply(error.httpStatus, { code: error.code, msg: error.message });
        return;
      }
      reply(500, { code: -1000, msg: 'An unknown error occurred while processing the request.' });
      return;
    }
    if (isOrderCall && method === 'POST' && this.dropAfterAccept > 0) {
      // The order stands on the venue; the client never hears so: the "did it go through?" case.
      this.dropAfterAccept--;
      request.socket.destroy();
      return;
    }
    const delay = isOrderCall ? this.delays.find((d) => d.remaining > 0) : undefined;
    if (delay !== undefined) {
      delay.remaining--;
      setTimeout(() => {
        reply(200, result);
      }, delay.ms);
      return;
    }
    reply(200, result);
  }

  /**
   * A WebSocket API user-data subscription: the signed params (`apiKey`, `timestamp`,
   * `signature`, sorted and url-encoded as ccxt signs them). Returns the account.
   */
  subscribeUserData(params: Readonly<Record<string, unknown>>): string {
    const apiKey = typeof params.apiKey === 'string' ? params.apiKey : undefined;
    const secret = apiKey === undefined ? undefined : this.secrets.get(apiKey);
    if (apiKey === undefined || secret === undefined)
      throw new BinanceError(401, -2015, 'Invalid API-key, IP, or permissions for action.');
    const signed = Object.keys(params)
      .filter((key) => key !== 'signature')
      .sort()
      .map((key) => `${key}=${String(params[key])}`)
      .join('&');
    const expected = createHmac('sha256', secret).update(signed).digest('hex');
    if (params.signature !== expected)
      throw new BinanceError(400, -1022, 'Signature for this request is not valid.');
    return apiKey;
  }

  private authenticate(request: IncomingMessage, url: URL, body: string): Record<string, string> {
    const apiKey = request.headers['x-mbx-apikey'];
    const secret = typeof apiKey === 'string' ? this.secrets.get(apiKey) : undefined;
    const log = (verdict: SignedRequestLog['verdict']): void => {
      this.signedRequests.push({
        method: request.method ?? 'GET',
        path: url.pathname,
        apiKey: typeof apiKey === 'string' ? apiKey : null,
        verdict,
      });
    };
    if (typeof apiKey !== 'string' || secret === undefined) {
      log('unknown_key');
      throw new BinanceError(401, -2015, 'Invalid API-key, IP, or permissions for action.');
    }
    // Binance signs the query string followed directly by the body.
    const total = url.search.slice(1) + body;
    const at = total.lastIndexOf('signature=');
    const signed = total.slice(0, Math.max(0, at - 1));
    const given = at < 0 ? '' : (total.slice(at + 'signature='.length).split('&')[0] ?? '');
    const expected = createHmac('sha256', secret).update(signed).digest('hex');
    const valid =
      given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
    log(valid ? 'valid' : 'bad_signature');
    if (at < 0) throw ERRORS.mandatory('signature');
    if (!valid) throw new BinanceError(400, -1022, 'Signature for this request is not valid.');
    const params: Record<string, string> = {};
    for (const [key, value] of new URLSearchParams(signed)) params[key] = value;
    const timestamp = Number(params.timestamp);
    const recvWindow = Number(params.recvWindow ?? 5_000);
    const now = this.host.clock();
    if (!Number.isFinite(timestamp)) throw ERRORS.mandatory('timestamp');
    if (timestamp > now + 1_000 || now - timestamp > recvWindow)
      throw new BinanceError(400, -1021, 'Timestamp for this request is outside of the recvWindow.');
    return { ...params, apiKey };
  }

  private route(method: string, path: string, params: Record<string, string>): unknown {
    const account = params.apiKey ?? '';
    const venue = this.host.venue;
    switch (`${method} ${path}`) {
      case 'POST /api/v3/order':
        return this.newOrder(account, params);
      case 'DELETE /api/v3/order': {
        const { rules, decimals } = this.marketOf(params);
        const order = venue.cancel(account, rules, orderRef(params));
        return {
          ...orderJson(order, decimals),
          origClientOrderId: order.clientOrderId,
          clientOrderId: cancelId(params),
        };
      }
      case 'GET /api/v3/order': {
        const { rules, decimals } = this.marketOf(params);
        return orderJson(venue.query(account, rules.symbol, orderRef(params)), decimals);
      }
      case 'GET /api/v3/openOrders': {
        const symbol = params.symbol ?? null;
        if (symbol !== null) this.marketOf(params);
        return venue.openOrders(account, symbol).map((o) => orderJson(o, this.decimalsOf(o.symbol)));
      }
      case 'DELETE /api/v3/openOrders': {
        const { rules, decimals } = this.marketOf(params);
        const open = venue.openOrders(account, rules.symbol);
        return open.map((o) => {
          venue.cancel(account, rules, { orderId: o.orderId });
          return { ...orderJson(o, decimals), origClientOrderId: o.clientOrderId };
        });
      }
      case 'GET /api/v3/myTrades': {
        const { rules, decimals } = this.marketOf(params);
        return this.myTrades(account, rules.symbol, params).map((f) => fillJson(f, decimals));
      }
      case 'GET /api/v3/account':
        return this.accountJson(account);
      default:
        throw new BinanceError(404, -1100, `Unknown path ${method} ${path}`);
    }
  }

  private newOrder(account: string, params: Record<string, string>): unknown {
    const { rules, book, decimals, lastPrice } = this.marketOf(params);
    const side = params.side;
    if (side !== 'BUY' && side !== 'SELL')
      throw side === undefined ? ERRORS.mandatory('side') : ERRORS.invalidSide();
    const type = params.type;
    if (type === undefined) throw ERRORS.mandatory('type');
    if (
      type !== 'LIMIT' &&
      type !== 'MARKET' &&
      type !== 'LIMIT_MAKER' &&
      type !== 'STOP_LOSS' &&
      type !== 'STOP_LOSS_LIMIT'
    )
      throw ERRORS.invalidOrderType();
    const timeInForce = type === 'LIMIT' || type === 'STOP_LOSS_LIMIT' ? params.timeInForce : 'GTC';
    if (timeInForce === undefined) throw ERRORS.mandatory('timeInForce');
    if (timeInForce !== 'GTC' && timeInForce !== 'IOC' && timeInForce !== 'FOK')
      throw ERRORS.invalidTimeInForce();
    const quantity = Number(params.quantity);
    if (params.quantity === undefined || !Number.isFinite(quantity)) throw ERRORS.mandatory('quantity');
    const price = Number(params.price ?? Number.NaN);
    if (hasLimitPrice(type) && !Number.isFinite(price)) throw ERRORS.mandatory('price');
    if (type === 'STOP_LOSS' && params.price !== undefined) throw ERRORS.notRequired('price');
    const stopPrice = Number(params.stopPrice ?? Number.NaN);
    if (isStopType(type) && !Number.isFinite(stopPrice)) throw ERRORS.mandatory('stopPrice');
    if (!isStopType(type) && params.stopPrice !== undefined) throw ERRORS.notRequired('stopPrice');
    const clientOrderId = params.newClientOrderId ?? `sim-${this.host.clock()}-${this.orderRequests.length}`;
    if (!/^[.A-Z:/a-z0-9_-]{1,36}$/.test(clientOrderId)) throw ERRORS.illegalClientId();
    const order = this.host.venue.place(
      account,
      rules,
      { side, type, timeInForce, quantity, price, stopPrice, clientOrderId },
      book,
      lastPrice,
    );
    const ack = {
      symbol: order.symbol,
      orderId: order.orderId,
      orderListId: -1,
      clientOrderId: order.clientOrderId,
      transactTime: order.time,
    };
    // Binance: MARKET and LIMIT answer FULL unless asked otherwise, every other type ACK.
    const respType = params.newOrderRespType ?? (type === 'LIMIT' || type === 'MARKET' ? 'FULL' : 'ACK');
    if (respType === 'ACK') return ack;
    const full = { ...orderJson(order, decimals), transactTime: order.time };
    if (respType === 'RESULT') return full;
    const fills = this.host.venue
      .fills(account)
      .filter((f) => f.orderId === order.orderId && f.symbol === order.symbol);
    return {
      ...full,
      fills: fills.map((f) => ({
        price: f.price.toFixed(decimals.price),
        qty: f.qty.toFixed(decimals.size),
        commission: f.commission.toFixed(8),
        commissionAsset: f.commissionAsset,
        tradeId: f.id,
      })),
    };
  }

  private myTrades(account: string, symbol: string, params: Record<string, string>): SimFill[] {
    const limit = Math.min(1_000, Number(params.limit ?? 500));
    let fills = this.host.venue.fills(account).filter((f) => f.symbol === symbol);
    if (params.orderId !== undefined) fills = fills.filter((f) => f.orderId === Number(params.orderId));
    if (params.fromId !== undefined) {
      const fromId = Number(params.fromId);
      return fills.filter((f) => f.id >= fromId).slice(0, limit);
    }
    const start = params.startTime === undefined ? null : Number(params.startTime);
    const end = params.endTime === undefined ? null : Number(params.endTime);
    fills = fills.filter((f) => (start === null || f.time >= start) && (end === null || f.time <= end));
    // Without a start, Binance answers the most recent trades.
    return start === null ? fills.slice(-limit) : fills.slice(0, limit);
  }

  private accountJson(account: string): unknown {
    const wallet = this.host.venue.wallet(account);
    return {
      makerCommission: 10,
      takerCommission: 10,
      buyerCommission: 0,
      sellerCommission: 0,
      canTrade: true,
      canWithdraw: true,
      canDeposit: true,
      updateTime: this.host.clock(),
      accountType: 'SPOT',
      balances: Object.entries(wallet).map(([asset, b]) => ({
        asset,
        free: b.free.toFixed(8),
        locked: b.locked.toFixed(8),
      })),
      permissions: ['SPOT'],
    };
  }

  private marketOf(params: Record<string, string>): {
    rules: SpotMarketRules;
    book: BookSides;
    decimals: Decimals;
    lastPrice: number;
  } {
    if (params.symbol === undefined) throw ERRORS.mandatory('symbol');
    const market = this.host.market(params.symbol);
    if (market === null) throw ERRORS.invalidSymbol();
    return market;
  }

  private decimalsOf(symbol: string): Decimals {
    return this.host.market(symbol)?.decimals ?? { price: 8, size: 8 };
  }
}

/** Binance's executionReport for one order change. */
export function executionReport(
  execution: VenueExecution,
  decimals: Decimals,
  now: number,
): Record<string, unknown> {
  const { order, fill } = execution;
  return {
    e: 'executionReport',
    E: now,
    s: order.symbol,
    c: order.clientOrderId,
    S: order.side,
    o: order.type,
    f: order.timeInForce,
    q: order.origQty.toFixed(decimals.size),
    p: order.price.toFixed(decimals.price),
    P: order.stopPrice.toFixed(decimals.price),
    F: '0.00000000',
    g: -1,
    C: execution.execType === 'CANCELED' ? order.clientOrderId : '',
    x: execution.execType,
    X: order.status,
    r: 'NONE',
    i: order.orderId,
    l: (fill?.qty ?? 0).toFixed(decimals.size),
    z: order.executedQty.toFixed(decimals.size),
    L: (fill?.price ?? 0).toFixed(decimals.price),
    n: (fill?.commission ?? 0).toFixed(8),
    N: fill?.commissionAsset ?? null,
    T: order.updateTime,
    t: fill?.id ?? -1,
    // On the book: a NEW limit order, or a stop's second NEW (its trigger) when it rests as a limit.
    w: execution.execType === 'NEW' && order.isWorking && hasLimitPrice(order.type),
    m: fill?.isMaker ?? false,
    M: false,
    O: order.time,
    Z: order.cummulativeQuoteQty.toFixed(8),
    Y: fill === null ? '0.00000000' : (fill.price * fill.qty).toFixed(8),
    Q: '0.00000000',
    W: order.workingTime,
    V: 'NONE',
  };
}

function orderRef(params: Record<string, string>): { orderId?: number; clientOrderId?: string } {
  if (params.orderId !== undefined) return { orderId: Number(params.orderId) };
  if (params.origClientOrderId !== undefined) return { clientOrderId: params.origClientOrderId };
  throw ERRORS.mandatory('orderId');
}

/** A cancel gets its own client id on Binance (newClientOrderId of the cancel, else generated). */
function cancelId(params: Record<string, string>): string {
  return params.newClientOrderId ?? `cancel-${params.timestamp ?? '0'}`;
}

function orderJson(order: SimOrder, decimals: Decimals): Record<string, unknown> {
  return {
    symbol: order.symbol,
    orderId: order.orderId,
    orderListId: -1,
    clientOrderId: order.clientOrderId,
    price: order.price.toFixed(decimals.price),
    origQty: order.origQty.toFixed(decimals.size),
    executedQty: order.executedQty.toFixed(decimals.size),
    cummulativeQuoteQty: order.cummulativeQuoteQty.toFixed(8),
    status: order.status,
    timeInForce: order.timeInForce,
    type: order.type,
    side: order.side,
    stopPrice: order.stopPrice.toFixed(decimals.price),
    icebergQty: '0.00000000',
    time: order.time,
    updateTime: order.updateTime,
    isWorking: order.isWorking,
    workingTime: order.workingTime,
    origQuoteOrderQty: '0.00000000',
    selfTradePreventionMode: 'NONE',
  };
}

function fillJson(fill: SimFill, decimals: Decimals): Record<string, unknown> {
  return {
    symbol: fill.symbol,
    id: fill.id,
    orderId: fill.orderId,
    orderListId: -1,
    price: fill.price.toFixed(decimals.price),
    qty: fill.qty.toFixed(decimals.size),
    quoteQty: (fill.price * fill.qty).toFixed(8),
    commission: fill.commission.toFixed(8),
    commissionAsset: fill.commissionAsset,
    time: fill.time,
    isBuyer: fill.isBuyer,
    isMaker: fill.isMaker,
    isBestMatch: true,
  };
}
