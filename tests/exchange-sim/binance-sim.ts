import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { MarketEvent } from '../../shared/domain/market.js';
import { DemoMarket } from '../../shared/market/demo-market.js';
import { OrderBook } from '../../shared/market/order-book.js';
import {
  executionReport,
  PRIVATE_PATHS,
  PrivateApi,
  type OrderRequestLog,
  type SignedRequestLog,
} from './private-api.js';
import { BinanceError } from './spot-venue.js';
import { SpotVenue, type SimFill, type SimOrder, type SpotMarketRules } from './spot-venue.js';

/**
 * An exchange simulator that speaks Binance spot's public REST and WebSocket protocol on
 * 127.0.0.1, fed by the product's demo market, so ccxt itself can be pointed at it (override
 * its `urls`) in tests and in a user's dry run. It implements what ccxt's binance and
 * binance pro classes call for market data:
 *
 *   REST  GET /api/v3/exchangeInfo, /api/v3/depth, /api/v3/aggTrades, /api/v3/trades,
 *             /api/v3/klines, /api/v3/time, /api/v3/ping
 *   WS    any path (ccxt uses `<ws>/<stream index>`), `{"method":"SUBSCRIBE","params":[...],"id":n}`
 *         streams `<sym>@aggTrade`, `<sym>@trade`, `<sym>@depth[@100ms]`, `<sym>@kline_<interval>`
 *
 * Depth updates carry Binance's update ids (U = first, u = last), one id per book change,
 * and the REST snapshot's `lastUpdateId` lines up with them, so ccxt's own U/u checks apply.
 * Fault injection (`faults`) breaks exactly what a real venue breaks: sockets, messages,
 * update-id continuity, JSON, and HTTP (429 and 5xx).
 *
 * Trading: accounts opened with `openAccount(apiKey, secret, balances)` trade through
 * Binance's signed order endpoints (private-api.ts) against a matching engine on the demo
 * book (spot-venue.ts); `faults` can also drop the connection after an order is accepted and
 * delay order responses.
 */

export interface SimMarketSpec {
  /** Unified symbol, e.g. 'ETH/USDT'; the Binance id is it without the slash. */
  readonly symbol: string;
  readonly startPrice: number;
  readonly tickSize: number;
  readonly lotSize: number;
  readonly seed?: number;
  /** Calm-regime orders per second of the demo market (default 300). */
  readonly ordersPerSecond?: number;
  /** LOT_SIZE minQty (default: the lot size). */
  readonly minQty?: number;
  /** MIN_NOTIONAL minNotional in quote (default 5, Binance's usual). */
  readonly minNotional?: number;
}

export interface BinanceSimOptions {
  readonly markets: readonly SimMarketSpec[];
  /** Wall clock, ms; the market runs in real time against it. */
  readonly clock?: () => number;
  /** How often the market advances and streams are pushed (Binance's depth@100ms). */
  readonly tickMs?: number;
  readonly port?: number;
  /** Commission on every fill, a fraction of what the account receives (default 0.001). */
  readonly feeRate?: number;
  /**
   * USDⓈ-M perpetuals served on /fapi/v1 (exchangeInfo and fundingRate only): unified symbol
   * (BTC/USDT:USDT) and its funding history, [fundingTime ms, rate] in time order.
   */
  readonly perpetuals?: readonly SimPerpetualSpec[];
}

export interface SimPerpetualSpec {
  readonly symbol: string;
  readonly funding: readonly (readonly [number, number])[];
}

export type SimStream = 'trade' | 'depth' | 'kline';

/** URLs to put into a ccxt binance instance: `exchange.urls.api` entries. */
export interface SimUrls {
  readonly rest: string;
  readonly ws: string;
}

export interface SimStats {
  connections: number;
  subscriptions: number;
  restRequests: number;
  failedRequests: number;
  droppedMessages: number;
  reorderedMessages: number;
  malformedSent: number;
  droppedConnections: number;
  skippedUpdateIds: number;
}

interface SimTrade {
  readonly id: number;
  readonly ts: number;
  readonly price: number;
  readonly amount: number;
  /** True when the taker sold (the buyer was the maker), Binance's `m`. */
  readonly buyerMaker: boolean;
}

interface Bar {
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quoteVolume: number;
  trades: number;
  firstId: number;
  lastId: number;
}

interface SimMarket {
  readonly spec: SimMarketSpec;
  readonly id: string;
  readonly lowerId: string;
  readonly demo: DemoMarket;
  readonly book: OrderBook;
  readonly priceDecimals: number;
  readonly sizeDecimals: number;
  updateId: number;
  nextTradeId: number;
  trades: SimTrade[];
  /** REST history starts at this trade id (older ones were "forgotten"). */
  historyFromId: number;
  readonly bars: Map<string, Bar>;
  readonly rules: SpotMarketRules;
}

interface Subscriber {
  readonly socket: WebSocket;
  readonly streams: Set<string>;
  /** The account whose executionReports this socket receives (WebSocket API subscription). */
  userData: { readonly account: string; readonly subscriptionId: number } | null;
}

const INTERVAL_MS: Readonly<Record<string, number>> = {
  '1s': 1_000,
  '1m': 60_000,
  '3m': 180_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '2h': 7_200_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
};
const MAX_TRADES_KEPT = 200_000;

function decimalsOf(step: number): number {
  for (let decimals = 0; decimals <= 12; decimals++) {
    const scaled = step * 10 ** decimals;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-9 * Math.max(1, scaled)) return decimals;
  }
  return 12;
}

export class BinanceSimulator {
  readonly stats: SimStats = {
    connections: 0,
    subscriptions: 0,
    restRequests: 0,
    failedRequests: 0,
    droppedMessages: 0,
    reorderedMessages: 0,
    malformedSent: 0,
    droppedConnections: 0,
    skippedUpdateIds: 0,
  };
  /** Every REST path asked, in order (query strings included), for tests that check calls. */
  readonly requests: string[] = [];

  private readonly clock: () => number;
  private readonly markets = new Map<string, SimMarket>();
  private readonly subscribers = new Set<Subscriber>();
  private readonly server = createServer((request, response) => {
    this.serveRest(request, response);
  });
  private readonly wss = new WebSocketServer({ noServer: true });
  /** Accounts, our orders and their fills. */
  readonly venue: SpotVenue;
  private readonly privateApi: PrivateApi;
  private timer: ReturnType<typeof setInterval> | null = null;
  private paused = false;
  private port = 0;
  private nextSubscriptionId = 0;

  // Fault state.
  private dropBudget: Record<SimStream, number> = { trade: 0, depth: 0, kline: 0 };
  private reorderBudget: Record<SimStream, number> = { trade: 0, depth: 0, kline: 0 };
  private readonly held: Record<SimStream, { subscriber: Subscriber; text: string }[]> = {
    trade: [],
    depth: [],
    kline: [],
  };
  private pendingUpdateIdSkip = 0;
  private malformedBudget = 0;
  private httpFailures: { remaining: number; status: number; pathPrefix: string }[] = [];

  constructor(private readonly options: BinanceSimOptions) {
    this.clock = options.clock ?? Date.now;
    this.venue = new SpotVenue(this.clock, options.feeRate ?? 0.001);
    this.privateApi = new PrivateApi({
      venue: this.venue,
      clock: this.clock,
      market: (symbolId) => {
        const market = this.markets.get(symbolId);
        if (market === undefined) return null;
        return {
          rules: market.rules,
          book: market.book.top(1_000),
          decimals: { price: market.priceDecimals, size: market.sizeDecimals },
          lastPrice: this.lastPrice(market),
        };
      },
    });
    this.venue.onExecution = (execution) => {
      const market = this.markets.get(execution.order.symbol);
      if (market === undefined) return;
      const event = executionReport(
        execution,
        { price: market.priceDecimals, size: market.sizeDecimals },
        this.clock(),
      );
      for (const subscriber of this.subscribers) {
        const userData = subscriber.userData;
        if (userData?.account !== execution.order.account) continue;
        this.sendRaw(subscriber, JSON.stringify({ subscriptionId: userData.subscriptionId, event }));
      }
    };
    const now = this.clock();
    for (const spec of options.markets) {
      const id = spec.symbol.replace('/', '');
      const demo = new DemoMarket({
        seed: spec.seed ?? 1,
        startTs: now,
        startPrice: spec.startPrice,
        tickSize: spec.tickSize,
        instrument: { symbol: spec.symbol, lotSize: spec.lotSize },
        ...(spec.ordersPerSecond === undefined ? {} : { ordersPerSecond: spec.ordersPerSecond }),
      });
      const [base = '', quote = ''] = spec.symbol.split('/');
      const market: SimMarket = {
        spec,
        id,
        rules: {
          symbol: id,
          base,
          quote,
          tickSize: spec.tickSize,
          stepSize: spec.lotSize,
          minQty: spec.minQty ?? spec.lotSize,
          maxQty: 100_000,
          minNotional: spec.minNotional ?? 5,
        },
        lowerId: id.toLowerCase(),
        demo,
        book: new OrderBook(),
        priceDecimals: decimalsOf(spec.tickSize),
        sizeDecimals: decimalsOf(spec.lotSize),
        updateId: 1_000,
        nextTradeId: 1,
        trades: [],
        historyFromId: 1,
        bars: new Map(),
      };
      this.markets.set(id, market);
      // The opening snapshot: the book the first REST depth call sees.
      const events: MarketEvent[] = [];
      demo.advanceTo(now, events);
      this.apply(market, events);
    }
    this.server.on('upgrade', (request, socket, head) => {
      this.wss.handleUpgrade(request, socket, head, (ws) => {
        this.accept(ws);
      });
    });
  }

  /** Starts listening on 127.0.0.1 and streaming. Resolves with the URLs ccxt needs. */
  async start(): Promise<SimUrls> {
    await new Promise<void>((resolve) => {
      this.server.listen(this.options.port ?? 0, '127.0.0.1', resolve);
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.timer = setInterval(() => {
      this.tick();
    }, this.options.tickMs ?? 100);
    return this.urls;
  }

  get urls(): SimUrls {
    return { rest: `http://127.0.0.1:${this.port}`, ws: `ws://127.0.0.1:${this.port}` };
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    for (const subscriber of this.subscribers) subscriber.socket.terminate();
    this.subscribers.clear();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  /** Freezes the market: no new events until resume(), so a client can catch up exactly. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  /** Opens a trading account: its API key and secret, and free balances per asset. */
  openAccount(apiKey: string, secret: string, balances: Readonly<Record<string, number>>): void {
    this.privateApi.secrets.set(apiKey, secret);
    this.venue.fund(apiKey, balances);
  }

  /** Free and locked balance per asset of an account. */
  balances(apiKey: string): Record<string, { free: number; locked: number }> {
    return this.venue.wallet(apiKey);
  }

  /** Every order the venue holds for an account (or all), in arrival order. */
  orders(apiKey?: string): readonly SimOrder[] {
    return this.venue.orders(apiKey);
  }

  /** Every fill of an account (or all), in order. */
  fills(apiKey?: string): readonly SimFill[] {
    return this.venue.fills(apiKey);
  }

  /** Authenticated POST/DELETE requests on the order paths, in order: what tried to trade. */
  get orderRequests(): readonly OrderRequestLog[] {
    return this.privateApi.orderRequests;
  }

  /** Every request to a private path, with the API key it named and its signature's verdict. */
  get signedRequests(): readonly SignedRequestLog[] {
    return this.privateApi.signedRequests;
  }

  /**
   * Prints a trade on the public tape now (streams, history and resting orders see it), so a
   * test can make the market trade through an order instead of waiting for the random walk.
   */
  printTrade(symbol: string, price: number, amount: number, takerSide: 'buy' | 'sell'): void {
    const market = this.market(symbol);
    const trade: SimTrade = {
      id: market.nextTradeId++,
      ts: this.clock(),
      price,
      amount,
      buyerMaker: takerSide === 'sell',
    };
    market.trades.push(trade);
    this.publishTrade(market, trade);
    this.publishBars(market, [trade], trade.ts);
    this.venue.onMarketTrade(market.rules, price, amount, market.book.top(1_000));
  }

  /** Number of open WebSocket connections. */
  get openSockets(): number {
    return this.subscribers.size;
  }

  /** The simulator's own book, `depth` levels a side, best first. */
  book(symbol: string, depth = 1_000): { bids: [number, number][]; asks: [number, number][] } {
    const { bids, asks } = this.market(symbol).book.top(depth);
    return { bids: bids.map(([p, s]) => [p, s]), asks: asks.map(([p, s]) => [p, s]) };
  }

  /** Every trade the market printed, oldest first (ids are consecutive from 1). */
  trades(symbol: string): readonly SimTrade[] {
    return this.market(symbol).trades;
  }

  readonly faults = {
    /** Closes every WebSocket mid-stream, as a venue or a NAT does. Returns how many. */
    dropConnections: (): number => {
      let dropped = 0;
      for (const subscriber of this.subscribers) {
        subscriber.socket.terminate();
        dropped++;
      }
      this.subscribers.clear();
      this.stats.droppedConnections += dropped;
      return dropped;
    },
    /** The next `count` messages of one stream kind are never sent. */
    dropMessages: (stream: SimStream, count: number): void => {
      this.dropBudget[stream] += count;
    },
    /** The next `count` messages of one stream kind are held and then sent in reverse order. */
    reorderMessages: (stream: SimStream, count: number): void => {
      this.reorderBudget[stream] += count;
    },
    /** The next depth update skips `count` update ids: a sequence gap. */
    skipUpdateIds: (count: number): void => {
      this.pendingUpdateIdSkip += count;
    },
    /** The next `count` frames (to every socket) are broken JSON. */
    sendMalformed: (count: number): void => {
      this.malformedBudget += count;
    },
    /** The next `count` REST requests whose path starts with `pathPrefix` fail with `status`. */
    failRequests: (count: number, status: number, pathPrefix = '/'): void => {
      this.httpFailures.push({ remaining: count, status, pathPrefix });
    },
    /** The next `count` new orders are executed, then the connection closes unanswered. */
    dropConnectionAfterOrderAccepted: (count: number): void => {
      this.privateApi.dropConnectionAfterAccept(count);
    },
    /** The next `count` order requests (new, cancel) are executed and answered `ms` late. */
    delayOrderResponses: (count: number, ms: number): void => {
      this.privateApi.delayOrderResponses(count, ms);
    },
    /** REST trade history drops every trade printed so far (a venue's retention limit). */
    forgetTrades: (): void => {
      for (const market of this.markets.values()) market.historyFromId = market.nextTradeId;
    },
  };

  /** The last trade price, what stops trigger on; before any trade, the mid of the book. */
  private lastPrice(market: SimMarket): number {
    const last = market.trades.at(-1);
    if (last !== undefined) return last.price;
    const { bids, asks } = market.book.top(1);
    const bid = bids[0]?.[0];
    const ask = asks[0]?.[0];
    return bid !== undefined && ask !== undefined ? (bid + ask) / 2 : (bid ?? ask ?? market.spec.startPrice);
  }

  private market(symbol: string): SimMarket {
    const market = this.markets.get(symbol.replace('/', '').toUpperCase());
    if (market === undefined) throw new Error(`simulator has no market ${symbol}`);
    return market;
  }

  // ---------------------------------------------------------------- market and streams

  private tick(): void {
    if (this.paused) return;
    const now = this.clock();
    for (const market of this.markets.values()) {
      const events: MarketEvent[] = [];
      market.demo.advanceTo(now, events);
      if (events.length === 0) continue;
      const firstUpdateId = market.updateId + 1 + this.pendingUpdateIdSkip;
      if (this.pendingUpdateIdSkip > 0 && events.some((e) => e.kind === 'book_delta')) {
        market.updateId += this.pendingUpdateIdSkip;
        this.stats.skippedUpdateIds += this.pendingUpdateIdSkip;
        this.pendingUpdateIdSkip = 0;
      }
      const { trades, bids, asks, lastEventTs } = this.apply(market, events);
      for (const trade of trades) this.publishTrade(market, trade);
      for (const trade of trades)
        this.venue.onMarketTrade(market.rules, trade.price, trade.amount, market.book.top(1_000));
      if (bids.size + asks.size > 0) {
        this.publish('depth', `${market.lowerId}@depth`, {
          e: 'depthUpdate',
          E: lastEventTs,
          s: market.id,
          U: Math.min(firstUpdateId, market.updateId),
          u: market.updateId,
          b: [...bids].map(([price, size]) => [this.price(market, price), this.size(market, size)]),
          a: [...asks].map(([price, size]) => [this.price(market, price), this.size(market, size)]),
        });
      }
      if (trades.length > 0) this.publishBars(market, trades, lastEventTs);
    }
  }

  /** Applies demo events to the simulator's book and trade history; returns what changed. */
  private apply(
    market: SimMarket,
    events: readonly MarketEvent[],
  ): { trades: SimTrade[]; bids: Map<number, number>; asks: Map<number, number>; lastEventTs: number } {
    const trades: SimTrade[] = [];
    const bids = new Map<number, number>();
    const asks = new Map<number, number>();
    let lastEventTs = 0;
    for (const event of events) {
      lastEventTs = event.ts;
      switch (event.kind) {
        case 'book_snapshot':
          market.book.applySnapshot(event);
          market.updateId++;
          break;
        case 'book_delta':
          market.book.applyDelta(event);
          market.updateId++;
          (event.side === 'bid' ? bids : asks).set(event.price, event.size);
          break;
        case 'trade': {
          const trade: SimTrade = {
            id: market.nextTradeId++,
            ts: event.ts,
            price: event.price,
            amount: event.amount,
            buyerMaker: event.side === 'sell',
          };
          market.trades.push(trade);
          trades.push(trade);
          break;
        }
        default:
          event satisfies never;
      }
    }
    if (market.trades.length > MAX_TRADES_KEPT) market.trades = market.trades.slice(-MAX_TRADES_KEPT / 2);
    return { trades, bids, asks, lastEventTs };
  }

  private publishTrade(market: SimMarket, trade: SimTrade): void {
    this.publish('trade', `${market.lowerId}@aggTrade`, {
      e: 'aggTrade',
      E: trade.ts,
      s: market.id,
      a: trade.id,
      p: this.price(market, trade.price),
      q: this.size(market, trade.amount),
      f: trade.id,
      l: trade.id,
      T: trade.ts,
      m: trade.buyerMaker,
      M: true,
    });
    this.publish('trade', `${market.lowerId}@trade`, {
      e: 'trade',
      E: trade.ts,
      s: market.id,
      t: trade.id,
      p: this.price(market, trade.price),
      q: this.size(market, trade.amount),
      T: trade.ts,
      m: trade.buyerMaker,
      M: true,
    });
  }

  /** Kline streams: the bar being built after this tick's trades, and any bar that just closed. */
  private publishBars(market: SimMarket, trades: readonly SimTrade[], eventTs: number): void {
    const wanted = new Set<string>();
    for (const subscriber of this.subscribers) {
      for (const stream of subscriber.streams) {
        const prefix = `${market.lowerId}@kline_`;
        if (stream.startsWith(prefix)) wanted.add(stream.slice(prefix.length));
      }
    }
    for (const interval of wanted) {
      const length = INTERVAL_MS[interval];
      if (length === undefined) continue;
      for (const trade of trades) {
        const openTime = Math.floor(trade.ts / length) * length;
        const bar = market.bars.get(interval);
        if (bar !== undefined && bar.openTime !== openTime) {
          this.sendBar(market, interval, bar, true, eventTs);
        }
        if (bar === undefined || bar.openTime !== openTime) {
          market.bars.set(interval, newBar(openTime, trade));
        } else {
          addToBar(bar, trade);
        }
      }
      const current = market.bars.get(interval);
      if (current !== undefined) this.sendBar(market, interval, current, false, eventTs);
    }
  }

  private sendBar(market: SimMarket, interval: string, bar: Bar, closed: boolean, eventTs: number): void {
    const length = INTERVAL_MS[interval] ?? 0;
    this.publish('kline', `${market.lowerId}@kline_${interval}`, {
      e: 'kline',
      E: eventTs,
      s: market.id,
      k: {
        t: bar.openTime,
        T: bar.openTime + length - 1,
        s: market.id,
        i: interval,
        f: bar.firstId,
        L: bar.lastId,
        o: this.price(market, bar.open),
        c: this.price(market, bar.close),
        h: this.price(market, bar.high),
        l: this.price(market, bar.low),
        v: this.size(market, bar.volume),
        n: bar.trades,
        x: closed,
        q: bar.quoteVolume.toFixed(8),
        V: '0',
        Q: '0',
        B: '0',
      },
    });
  }

  private publish(kind: SimStream, stream: string, payload: unknown): void {
    const text = JSON.stringify(payload);
    for (const subscriber of this.subscribers) {
      const subscribed =
        subscriber.streams.has(stream) ||
        (kind === 'depth' &&
          (subscriber.streams.has(`${stream}@100ms`) || subscriber.streams.has(`${stream}@1000ms`)));
      if (!subscribed) continue;
      this.send(subscriber, kind, text);
    }
  }

  private send(subscriber: Subscriber, kind: SimStream, text: string): void {
    if (this.dropBudget[kind] > 0) {
      this.dropBudget[kind]--;
      this.stats.droppedMessages++;
      return;
    }
    if (this.reorderBudget[kind] > 0) {
      this.reorderBudget[kind]--;
      this.held[kind].push({ subscriber, text });
      if (this.reorderBudget[kind] === 0) {
        const held = this.held[kind].reverse();
        this.held[kind] = [];
        for (const message of held) {
          this.stats.reorderedMessages++;
          this.sendRaw(message.subscriber, message.text);
        }
      }
      return;
    }
    this.sendRaw(subscriber, text);
  }

  private sendRaw(subscriber: Subscriber, text: string): void {
    if (subscriber.socket.readyState !== subscriber.socket.OPEN) return;
    if (this.malformedBudget > 0) {
      this.malformedBudget--;
      this.stats.malformedSent++;
      // Truncated mid-object: starts like JSON, so a client tries (and fails) to parse it.
      subscriber.socket.send(text.slice(0, Math.max(2, Math.floor(text.length / 2))));
    }
    subscriber.socket.send(text);
  }

  private accept(socket: WebSocket): void {
    const subscriber: Subscriber = { socket, streams: new Set(), userData: null };
    this.subscribers.add(subscriber);
    this.stats.connections++;
    socket.on('message', (data: Buffer) => {
      let request: { method?: unknown; params?: unknown; id?: unknown };
      try {
        request = JSON.parse(data.toString('utf8')) as typeof request;
      } catch {
        socket.send(JSON.stringify({ error: { code: 3, msg: 'Invalid JSON' } }));
        return;
      }
      if (request.method === 'userDataStream.subscribe.signature') {
        this.subscribeUserData(subscriber, request.params, request.id);
        return;
      }
      const params = Array.isArray(request.params) ? request.params.filter((p) => typeof p === 'string') : [];
      if (request.method === 'SUBSCRIBE') {
        for (const stream of params) subscriber.streams.add(stream);
        this.stats.subscriptions += params.length;
      } else if (request.method === 'UNSUBSCRIBE') {
        for (const stream of params) subscriber.streams.delete(stream);
      }
      socket.send(JSON.stringify({ result: null, id: request.id ?? null }));
    });
    socket.on('close', () => {
      this.subscribers.delete(subscriber);
    });
    socket.on('error', () => {
      this.subscribers.delete(subscriber);
    });
  }

  /** Number of sockets following an account's user data. */
  get userDataStreams(): number {
    let count = 0;
    for (const subscriber of this.subscribers) if (subscriber.userData !== null) count++;
    return count;
  }

  private subscribeUserData(subscriber: Subscriber, params: unknown, id: unknown): void {
    const reply = (payload: Record<string, unknown>): void => {
      subscriber.socket.send(JSON.stringify({ id: id ?? null, ...payload }));
    };
    try {
      const signed = typeof params === 'object' && params !== null ? (params as Record<string, unknown>) : {};
      const account = this.privateApi.subscribeUserData(signed);
      const subscriptionId = this.nextSubscriptionId++;
      subscriber.userData = { account, subscriptionId };
      reply({ status: 200, result: { subscriptionId } });
    } catch (error) {
      const e = error instanceof BinanceError ? error : new BinanceError(500, -1000, String(error));
      reply({ status: e.httpStatus, error: { code: e.code, msg: e.message } });
    }
  }

  // ---------------------------------------------------------------- REST

  private serveRest(request: IncomingMessage, response: ServerResponse): void {
    this.stats.restRequests++;
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    this.requests.push(url.pathname + url.search);
    const reply = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const failure = this.httpFailures.find((f) => f.remaining > 0 && url.pathname.startsWith(f.pathPrefix));
    if (failure !== undefined) {
      failure.remaining--;
      this.stats.failedRequests++;
      if (failure.status === 429) {
        response.setHeader('retry-after', '1');
        reply(429, { code: -1003, msg: 'Too many requests; simulator rate limit.' });
      } else {
        response.writeHead(failure.status, { 'content-type': 'text/html' });
        response.end(`<html><body>${failure.status} simulated server error</body></html>`);
      }
      return;
    }
    if (PRIVATE_PATHS.has(url.pathname)) {
      this.privateApi.serve(request, response, url);
      return;
    }
    const q = url.searchParams;
    const symbolMarket = (): SimMarket | null => {
      const market = this.markets.get(q.get('symbol') ?? '');
      if (market === undefined) {
        reply(400, { code: -1121, msg: 'Invalid symbol.' });
        return null;
      }
      return market;
    };
    switch (url.pathname) {
      case '/api/v3/ping':
        reply(200, {});
        return;
      case '/api/v3/time':
        reply(200, { serverTime: this.clock() });
        return;
      case '/api/v3/exchangeInfo':
        reply(200, this.exchangeInfo());
        return;
      case '/fapi/v1/exchangeInfo':
        reply(200, this.perpetualInfo());
        return;
      case '/dapi/v1/exchangeInfo':
        // No coin-margined contracts: ccxt asks for them when loading every derivative.
        reply(200, {
          timezone: 'UTC',
          serverTime: this.clock(),
          rateLimits: [],
          exchangeFilters: [],
          symbols: [],
        });
        return;
      case '/fapi/v1/fundingRate': {
        // Binance: ascending from startTime (inclusive), `limit` rows (default 100, max 1000).
        const id = q.get('symbol') ?? '';
        const perpetual = (this.options.perpetuals ?? []).find((p) => perpetualId(p.symbol) === id);
        if (perpetual === undefined) {
          reply(400, { code: -1121, msg: 'Invalid symbol.' });
          return;
        }
        const start = Number(q.get('startTime') ?? 0);
        const end = Number(q.get('endTime') ?? Number.MAX_SAFE_INTEGER);
        const limit = Math.min(1000, Number(q.get('limit') ?? 100));
        reply(
          200,
          perpetual.funding
            .filter(([ts]) => ts >= start && ts <= end)
            .slice(0, limit)
            .map(([ts, rate]) => ({
              symbol: id,
              fundingTime: ts,
              fundingRate: rate.toFixed(8),
              markPrice: '0',
            })),
        );
        return;
      }
      case '/api/v3/depth': {
        const market = symbolMarket();
        if (market === null) return;
        const limit = Math.min(5_000, Number(q.get('limit') ?? 100));
        const { bids, asks } = market.book.top(limit);
        reply(200, {
          lastUpdateId: market.updateId,
          bids: bids.map(([p, s]) => [this.price(market, p), this.size(market, s)]),
          asks: asks.map(([p, s]) => [this.price(market, p), this.size(market, s)]),
        });
        return;
      }
      case '/api/v3/aggTrades': {
        const market = symbolMarket();
        if (market === null) return;
        const start = q.has('startTime') ? Number(q.get('startTime')) : null;
        const end = q.has('endTime') ? Number(q.get('endTime')) : null;
        if (start !== null && end !== null && end - start > 3_600_000) {
          reply(400, { code: -1127, msg: 'More than 1 hours between startTime and endTime.' });
          return;
        }
        const fromId = q.has('fromId') ? Number(q.get('fromId')) : null;
        const limit = Math.min(1_000, Number(q.get('limit') ?? 500));
        const history = market.trades.filter((t) => t.id >= market.historyFromId);
        let selected: SimTrade[];
        if (fromId !== null) selected = history.filter((t) => t.id >= fromId).slice(0, limit);
        else if (start !== null || end !== null)
          selected = history
            .filter((t) => (start === null || t.ts >= start) && (end === null || t.ts <= end))
            .slice(0, limit);
        else selected = history.slice(-limit);
        reply(
          200,
          selected.map((t) => ({
            a: t.id,
            p: this.price(market, t.price),
            q: this.size(market, t.amount),
            f: t.id,
            l: t.id,
            T: t.ts,
            m: t.buyerMaker,
            M: true,
          })),
        );
        return;
      }
      case '/api/v3/trades': {
        const market = symbolMarket();
        if (market === null) return;
        const limit = Math.min(1_000, Number(q.get('limit') ?? 500));
        const history = market.trades.filter((t) => t.id >= market.historyFromId).slice(-limit);
        reply(
          200,
          history.map((t) => ({
            id: t.id,
            price: this.price(market, t.price),
            qty: this.size(market, t.amount),
            quoteQty: (t.price * t.amount).toFixed(8),
            time: t.ts,
            isBuyerMaker: t.buyerMaker,
            isBestMatch: true,
          })),
        );
        return;
      }
      case '/api/v3/klines': {
        const market = symbolMarket();
        if (market === null) return;
        const interval = q.get('interval') ?? '1m';
        const length = INTERVAL_MS[interval];
        if (length === undefined) {
          reply(400, { code: -1120, msg: 'Invalid interval.' });
          return;
        }
        const start = q.has('startTime') ? Number(q.get('startTime')) : 0;
        const end = q.has('endTime') ? Number(q.get('endTime')) : Number.MAX_SAFE_INTEGER;
        const limit = Math.min(1_000, Number(q.get('limit') ?? 500));
        reply(200, this.klines(market, length, start, end, limit));
        return;
      }
      default:
        reply(404, { code: -1100, msg: `Unknown path ${url.pathname}` });
    }
  }

  private klines(market: SimMarket, length: number, start: number, end: number, limit: number): unknown[] {
    const bars: Bar[] = [];
    for (const trade of market.trades) {
      if (trade.id < market.historyFromId) continue;
      const openTime = Math.floor(trade.ts / length) * length;
      if (openTime < start || openTime > end) continue;
      const last = bars[bars.length - 1];
      if (last !== undefined && last.openTime === openTime) addToBar(last, trade);
      else bars.push(newBar(openTime, trade));
    }
    return bars
      .slice(0, limit)
      .map((bar) => [
        bar.openTime,
        this.price(market, bar.open),
        this.price(market, bar.high),
        this.price(market, bar.low),
        this.price(market, bar.close),
        this.size(market, bar.volume),
        bar.openTime + length - 1,
        bar.quoteVolume.toFixed(8),
        bar.trades,
        '0',
        '0',
        '0',
      ]);
  }

  private exchangeInfo(): unknown {
    return {
      timezone: 'UTC',
      serverTime: this.clock(),
      rateLimits: [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 }],
      exchangeFilters: [],
      symbols: [...this.markets.values()].map((market) => {
        const [base = '', quote = ''] = market.spec.symbol.split('/');
        return {
          symbol: market.id,
          status: 'TRADING',
          baseAsset: base,
          baseAssetPrecision: 8,
          quoteAsset: quote,
          quotePrecision: 8,
          quoteAssetPrecision: 8,
          baseCommissionPrecision: 8,
          quoteCommissionPrecision: 8,
          // ccxt checks a stop's type (STOP_LOSS, STOP_LOSS_LIMIT) against this list before sending.
          orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS', 'STOP_LOSS_LIMIT'],
          icebergAllowed: false,
          ocoAllowed: false,
          quoteOrderQtyMarketAllowed: true,
          isSpotTradingAllowed: true,
          isMarginTradingAllowed: false,
          filters: [
            {
              filterType: 'PRICE_FILTER',
              minPrice: market.spec.tickSize.toFixed(market.priceDecimals),
              maxPrice: '1000000.00',
              tickSize: market.spec.tickSize.toFixed(market.priceDecimals),
            },
            {
              filterType: 'LOT_SIZE',
              minQty: market.rules.minQty.toFixed(market.sizeDecimals),
              maxQty: market.rules.maxQty.toFixed(market.sizeDecimals),
              stepSize: market.spec.lotSize.toFixed(market.sizeDecimals),
            },
            {
              filterType: 'MIN_NOTIONAL',
              minNotional: market.rules.minNotional.toFixed(8),
              applyToMarket: true,
              avgPriceMins: 5,
            },
          ],
          permissions: ['SPOT'],
          permissionSets: [['SPOT']],
          defaultSelfTradePreventionMode: 'NONE',
          allowedSelfTradePreventionModes: ['NONE'],
        };
      }),
    };
  }

  /** The USDⓈ-M exchangeInfo of the configured perpetuals: what ccxt's fetchMarkets reads. */
  private perpetualInfo(): unknown {
    return {
      timezone: 'UTC',
      serverTime: this.clock(),
      rateLimits: [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 }],
      exchangeFilters: [],
      assets: [],
      symbols: (this.options.perpetuals ?? []).map((perpetual) => {
        const [pair = '', settle = ''] = perpetual.symbol.split(':');
        const [base = '', quote = ''] = pair.split('/');
        return {
          symbol: perpetualId(perpetual.symbol),
          pair: `${base}${quote}`,
          contractType: 'PERPETUAL',
          deliveryDate: 4_133_404_800_000,
          onboardDate: 1_569_398_400_000,
          status: 'TRADING',
          baseAsset: base,
          quoteAsset: quote,
          marginAsset: settle,
          pricePrecision: 2,
          quantityPrecision: 3,
          baseAssetPrecision: 8,
          quotePrecision: 8,
          underlyingType: 'COIN',
          triggerProtect: '0.0500',
          filters: [
            { filterType: 'PRICE_FILTER', minPrice: '0.10', maxPrice: '4529764', tickSize: '0.10' },
            { filterType: 'LOT_SIZE', minQty: '0.001', maxQty: '1000', stepSize: '0.001' },
            { filterType: 'MIN_NOTIONAL', notional: '100' },
          ],
          orderTypes: ['LIMIT', 'MARKET'],
          timeInForce: ['GTC', 'IOC', 'FOK', 'GTX'],
        };
      }),
    };
  }

  private price(market: SimMarket, value: number): string {
    return value.toFixed(market.priceDecimals);
  }

  private size(market: SimMarket, value: number): string {
    return value.toFixed(market.sizeDecimals);
  }
}

/** Binance's id of a perpetual: BTC/USDT:USDT -> BTCUSDT. */
function perpetualId(symbol: string): string {
  return (symbol.split(':')[0] ?? '').replace('/', '');
}

function newBar(openTime: number, trade: SimTrade): Bar {
  return {
    openTime,
    open: trade.price,
    high: trade.price,
    low: trade.price,
    close: trade.price,
    volume: trade.amount,
    quoteVolume: trade.price * trade.amount,
    trades: 1,
    firstId: trade.id,
    lastId: trade.id,
  };
}

function addToBar(bar: Bar, trade: SimTrade): void {
  bar.high = Math.max(bar.high, trade.price);
  bar.low = Math.min(bar.low, trade.price);
  bar.close = trade.price;
  bar.volume += trade.amount;
  bar.quoteVolume += trade.price * trade.amount;
  bar.trades++;
  bar.lastId = trade.id;
}

/** Starts a simulator with the given markets; stop() it when done. */
export async function startBinanceSimulator(
  options: BinanceSimOptions,
): Promise<{ sim: BinanceSimulator; urls: SimUrls }> {
  const sim = new BinanceSimulator(options);
  const urls = await sim.start();
  return { sim, urls };
}
