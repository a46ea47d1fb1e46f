import type { Exchange } from 'ccxt';
import { z } from 'zod';
import type { Candle } from '../../shared/domain/candle.js';
import type { Instrument, Trade } from '../../shared/domain/market.js';
import type { Gap } from '../storage/gap-ledger.js';
import { Backoff, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import {
  applyKeys,
  createExchange,
  instrumentOf,
  isKnownExchange,
  marketSummaries,
  profileOf,
  type EndpointOverride,
  type MarketSummary,
} from './ccxt-exchange.js';
import type { ExchangeKeys, SecretStore } from './secret-store.js';
import { SymbolFeed, type Deliver, type FeedStatus } from './symbol-feed.js';

/** One configured subscription: an exchange, its symbols and where to reach it. */
export interface ConnectionConfig {
  readonly exchange: string;
  readonly symbols: readonly string[];
  readonly endpoint?: EndpointOverride | undefined;
}

/** How connections are kept in the settings table, so they come back after a restart. */
export const SETTINGS_KEY = 'exchanges.connections';
const storedConnectionsSchema = z.array(
  z.object({
    exchange: z.string().min(1),
    symbols: z.array(z.string().min(1)),
    endpoint: z.object({ rest: z.string().optional(), ws: z.string().optional() }).optional(),
  }),
);

export interface ExchangeHubOptions {
  /** Normalised events of every feed: the App's live pipeline. */
  readonly deliver: Deliver;
  readonly upsertInstrument: (instrument: Instrument) => void;
  readonly recordGap: (gap: Gap) => void;
  readonly candleAt: (instrument: string, openTime: number) => Candle | null;
  /** The newest recorded trade of an instrument, so a feed resumes where the last run stopped. */
  readonly lastTrade?: (instrument: string) => Pick<Trade, 'id' | 'ts'> | null;
  readonly settings: {
    get(key: string): unknown;
    set(key: string, value: unknown): void;
  };
  readonly secrets: SecretStore;
  readonly clock: () => number;
  readonly random: () => number;
  readonly log: (line: string) => void;
  readonly backoff?: BackoffPolicy;
  readonly holeWaitMs?: number;
}

interface RunningConnection {
  readonly config: ConnectionConfig;
  readonly exchange: Exchange;
  readonly feeds: SymbolFeed[];
  /** Raw WebSocket frames that were not JSON, counted before ccxt sees them. */
  malformedFrames: number;
}

/** Bad frames seen by connections since stopped, so the status counts do not go backwards. */
interface RetiredCounts {
  malformedFrames: number;
  sequenceGaps: number;
}

/**
 * Every live exchange connection of the App: one ccxt instance per exchange, one SymbolFeed
 * per symbol. It loads markets for the Settings view, starts and stops subscriptions, keeps
 * them in the settings table, and reports per-stream health for the status bar.
 */
export class ExchangeHub {
  private readonly connections = new Map<string, RunningConnection>();
  private readonly marketCache = new Map<string, { exchange: Exchange; markets: MarketSummary[] }>();
  private readonly retired: RetiredCounts = { malformedFrames: 0, sequenceGaps: 0 };
  private queue: Promise<unknown> = Promise.resolve();
  /** Saved connections not running yet (the exchange was unreachable at start), still retried. */
  private readonly pending = new Map<string, ConnectionConfig>();
  private readonly retryTimers = new Set<ReturnType<typeof setTimeout>>();
  private stopped = false;

  constructor(private readonly options: ExchangeHubOptions) {}

  /**
   * Connections saved by an earlier run, started again. One that fails (the exchange or the
   * network is down) stays configured and is retried with backoff until it connects, is
   * disconnected, or the hub stops.
   */
  restore(): void {
    const saved = storedConnectionsSchema.safeParse(this.options.settings.get(SETTINGS_KEY) ?? []);
    if (!saved.success) {
      this.options.log(`exchanges: ignoring unreadable saved connections: ${saved.error.message}`);
      return;
    }
    for (const config of saved.data) {
      this.pending.set(config.exchange, config);
      this.retryUntilConnected(
        config,
        new Backoff(this.options.random, this.options.backoff ?? DEFAULT_BACKOFF),
      );
    }
  }

  /**
   * An exchange's keys were saved, replaced or deleted: every instance of it this hub holds
   * (feeds and the market lists) takes the new keys, or drops them, before its next request.
   */
  keysChanged(exchangeId: string, keys: ExchangeKeys | null): void {
    for (const connection of this.connections.values())
      if (connection.config.exchange === exchangeId) applyKeys(connection.exchange, keys);
    for (const [key, cached] of this.marketCache)
      if (key.startsWith(`${exchangeId}|`)) applyKeys(cached.exchange, keys);
  }

  /** The configured connections (exchange, symbols, endpoint): running ones and those being retried. */
  configs(): ConnectionConfig[] {
    const running = [...this.connections.values()].map((c) => c.config);
    const waiting = [...this.pending.values()].filter((c) => !this.connections.has(c.exchange));
    return [...running, ...waiting];
  }

  /** Loads (once per exchange and endpoint) and returns an exchange's markets. */
  async markets(exchangeId: string, endpoint?: EndpointOverride): Promise<MarketSummary[]> {
    const key = `${exchangeId}|${endpoint?.rest ?? ''}|${endpoint?.ws ?? ''}`;
    const cached = this.marketCache.get(key);
    if (cached !== undefined) return cached.markets;
    const exchange = this.newExchange(exchangeId, endpoint);
    await exchange.loadMarkets();
    const markets = marketSummaries(exchange);
    this.marketCache.set(key, { exchange, markets });
    return markets;
  }

  /**
   * Starts streaming `symbols` of an exchange, replacing that exchange's previous connection
   * (symbols are merged when the endpoint is the same). Resolves once markets are loaded and
   * the feeds started; the streams themselves connect in the background.
   */
  connect(config: ConnectionConfig): Promise<void> {
    return this.serialise(async () => {
      if (!isKnownExchange(config.exchange)) throw new Error(`ccxt has no exchange '${config.exchange}'`);
      const previous = this.connections.get(config.exchange);
      const sameEndpoint =
        previous !== undefined &&
        (previous.config.endpoint?.rest ?? '') === (config.endpoint?.rest ?? '') &&
        (previous.config.endpoint?.ws ?? '') === (config.endpoint?.ws ?? '');
      const symbols = [...new Set([...(sameEndpoint ? previous.config.symbols : []), ...config.symbols])];
      const exchange = this.newExchange(config.exchange, config.endpoint);
      await exchange.loadMarkets();
      const markets = new Map(marketSummaries(exchange).map((m) => [m.symbol, m]));
      const unknown = symbols.filter((s) => !markets.has(s));
      if (unknown.length > 0) {
        await exchange.close();
        throw new Error(`${config.exchange} has no market ${unknown.join(', ')}`);
      }
      if (previous !== undefined) await this.stopConnection(previous);
      const next: RunningConnection = {
        config: {
          exchange: config.exchange,
          symbols,
          ...(config.endpoint ? { endpoint: config.endpoint } : {}),
        },
        exchange,
        feeds: [],
        malformedFrames: 0,
      };
      this.countMalformedFrames(next);
      const profile = profileOf(config.exchange);
      for (const symbol of symbols) {
        const market = markets.get(symbol);
        if (market === undefined) continue;
        const instrument = instrumentOf(config.exchange, market);
        this.options.upsertInstrument(instrument);
        const feed = new SymbolFeed({
          exchange,
          exchangeId: config.exchange,
          instrument,
          consecutiveTradeIds: profile.consecutiveTradeIds,
          deliver: this.options.deliver,
          recordGap: this.options.recordGap,
          candleAt: this.options.candleAt,
          ...(this.options.lastTrade
            ? { lastRecordedTrade: () => this.options.lastTrade?.(instrument.id) ?? null }
            : {}),
          clock: this.options.clock,
          random: this.options.random,
          log: this.options.log,
          ...(this.options.backoff ? { backoff: this.options.backoff } : {}),
          ...(this.options.holeWaitMs === undefined ? {} : { holeWaitMs: this.options.holeWaitMs }),
        });
        next.feeds.push(feed);
        feed.start();
      }
      this.connections.set(config.exchange, next);
      this.pending.delete(config.exchange);
      this.persist();
      this.options.log(`exchanges: ${config.exchange} streaming ${symbols.join(', ')}`);
    });
  }

  /** Stops some symbols of an exchange, or all of them when `symbols` is omitted. */
  async disconnect(exchangeId: string, symbols?: readonly string[]): Promise<void> {
    const rest = await this.serialise(async () => {
      const waiting = this.pending.get(exchangeId);
      this.pending.delete(exchangeId);
      const running = this.connections.get(exchangeId);
      if (running === undefined) {
        if (waiting !== undefined) this.persist();
        return null;
      }
      await this.stopConnection(running);
      this.connections.delete(exchangeId);
      this.persist();
      const remaining =
        symbols === undefined ? [] : running.config.symbols.filter((s) => !symbols.includes(s));
      return remaining.length > 0 ? { ...running.config, symbols: remaining } : null;
    });
    // ccxt cannot drop one symbol's sockets cleanly, so the exchange restarts with the rest.
    if (rest !== null) await this.connect(rest);
  }

  /** Per-symbol stream health for the status bar. */
  status(): FeedStatus[] {
    return [...this.connections.values()].flatMap((c) => c.feeds.map((f) => f.status()));
  }

  /** Instruments being streamed now. */
  instruments(): Instrument[] {
    return [...this.connections.values()].flatMap((c) => c.feeds.map((f) => f.instrument));
  }

  /** Problems found below the event level, per reason, to add to the validator's counts. */
  rejectedCounts(): Record<string, number> {
    let malformed = this.retired.malformedFrames;
    let gaps = this.retired.sequenceGaps;
    for (const connection of this.connections.values()) {
      malformed += connection.malformedFrames;
      for (const feed of connection.feeds) gaps += feed.status().sequenceGaps;
    }
    const counts: Record<string, number> = {};
    if (malformed > 0) counts.malformed_json = malformed;
    if (gaps > 0) counts.sequence_gap = gaps;
    return counts;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    this.pending.clear();
    await this.serialise(async () => {
      for (const connection of this.connections.values()) await this.stopConnection(connection);
      this.connections.clear();
      for (const { exchange } of this.marketCache.values()) await exchange.close();
      this.marketCache.clear();
    });
  }

  private retryUntilConnected(config: ConnectionConfig, backoff: Backoff): void {
    if (this.stopped || this.pending.get(config.exchange) !== config) return;
    this.connect(config).catch((error: unknown) => {
      if (this.stopped || this.pending.get(config.exchange) !== config) return;
      const delay = backoff.next();
      this.options.log(
        `exchanges: could not restore ${config.exchange} (${String(error)}); retry in ${delay} ms`,
      );
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        this.retryUntilConnected(config, backoff);
      }, delay);
      this.retryTimers.add(timer);
    });
  }

  private newExchange(exchangeId: string, endpoint: EndpointOverride | undefined): Exchange {
    let keys = null;
    if (this.options.secrets.availability().ready) {
      try {
        keys = this.options.secrets.get(exchangeId);
      } catch (error) {
        this.options.log(
          `exchanges: keys for ${exchangeId} unavailable: ${error instanceof Error ? error.message : 'error'}`,
        );
      }
    }
    return createExchange(exchangeId, { endpoint, keys });
  }

  /**
   * ccxt passes a frame it cannot parse to handleMessage as the raw string (and logs it to
   * the console): count it as malformed and drop it there, so the feed goes on.
   */
  private countMalformedFrames(connection: RunningConnection): void {
    const exchange = connection.exchange;
    const makeClient = exchange.client.bind(exchange);
    exchange.client = (url: string) => {
      const client = makeClient(url);
      // ccxt prints a parse failure with console.log; it is counted here instead.
      client.log = () => undefined;
      return client;
    };
    const handle = exchange.handleMessage.bind(exchange);
    exchange.handleMessage = (client: unknown, message: unknown): void => {
      if (typeof message === 'string') {
        connection.malformedFrames++;
        return;
      }
      handle(client, message);
    };
  }

  private async stopConnection(connection: RunningConnection): Promise<void> {
    const stopping = connection.feeds.map((feed) => feed.stop());
    // Closing the exchange rejects the watch* calls the feeds are waiting on.
    await connection.exchange.close();
    await Promise.all(stopping);
    this.retired.malformedFrames += connection.malformedFrames;
    for (const feed of connection.feeds) this.retired.sequenceGaps += feed.status().sequenceGaps;
  }

  private persist(): void {
    this.options.settings.set(SETTINGS_KEY, this.configs());
  }

  /** Connects and disconnects run one at a time, in the order asked. */
  private serialise<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
