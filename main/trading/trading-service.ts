import type { z } from 'zod';
import { ApiError } from '../../shared/api/protocol.js';
import {
  strategyRunSchema,
  tradingCommands,
  type FillWire,
  type TradingState,
  type WorkingOrderWire,
  type tradingTopics,
} from '../../shared/api/domains/trading.js';
import type { OrderType } from '../../shared/backtest/orders.js';
import type { Strategy } from '../../shared/backtest/strategy.js';
import type { Candle } from '../../shared/domain/candle.js';
import type { Level, MarketEvent } from '../../shared/domain/market.js';
import type { ReadonlyOrderBook } from '../../shared/market/order-book.js';
import type { Timeframe } from '../../shared/domain/timeframes.js';
import type { RiskOpenOrder, RiskPosition, RiskState, RiskTrip } from '../../shared/risk/gate.js';
import { riskLimitsSchema } from '../../shared/risk/limits.js';
import type { AuditKind } from '../../shared/trading/audit-chain.js';
import { brokerAuditRecord } from '../../shared/trading/broker-audit.js';
import type { BrokerEvent } from '../../shared/trading/paper-broker.js';
import { strategyDefinition } from '../backtests/param-grid.js';
import type { StrategyLibrary } from '../strategies/strategy-library.js';
import { isUserStrategyKind } from '../../shared/api/domains/backtests.js';
import { allocate, rebalanceOrders } from './allocation-plan.js';
import {
  annualisedVol,
  decisionSizing,
  exitLevels,
  withDecisions,
  type DecisionOptions,
} from './decisions.js';
import type { ConnectionConfig } from '../exchange/exchange-hub.js';
import type { KeyChange } from '../exchange/key-changes.js';
import type { SecretStore } from '../exchange/secret-store.js';
import type { SqliteDatabase } from '../storage/database.js';
import { AuditLog } from './audit-log.js';
import { armPhrase } from './live/live-broker.js';
import { liveAuditRecord } from './live/live-audit.js';
import type { LiveBrokerEvent } from './live/live-events.js';
import { LiveStrategies } from './live-strategies.js';
import { LiveVenue } from './live-venue.js';
import { PaperAccount } from './paper-account.js';
import {
  DEFAULT_PAPER_COSTS,
  PAPER_BAR_MS,
  PAPER_VENUE,
  PaperVenue,
  type PaperStrategy,
} from './paper-venue.js';
import { startSignalRun, type SignalRun, type TradingModels } from './paper-signal.js';
import { riskReport, type HeldPosition } from './risk-report.js';
import { SqliteOrderStore } from './sqlite-order-store.js';
import { SqlitePaperOrders } from './paper-orders.js';
import { EquityCurve, limitUsage } from './trading-state.js';
import { WorkspaceGate } from './workspace-gate.js';

/**
 * Trading in the App: the paper venue (always there) and one live venue per exchange
 * connection with saved keys, all behind one risk manager (WorkspaceGate), every fact in the
 * hash-chained audit log, the state published to the Trading view.
 */

type Commands = typeof tradingCommands;
type Topics = typeof tradingTopics;
type Handler<K extends keyof Commands> = (
  request: z.output<Commands[K]['request']>,
) => z.input<Commands[K]['response']> | Promise<z.input<Commands[K]['response']>>;
type TradingEvent = z.input<Topics['trading.events']['payload']>;
/** What every strategy start asks for, whichever the venue. */
type StrategyRunRequest = z.output<typeof strategyRunSchema>;

export const LIMITS_SETTING = 'trading.limits';
/** The paper strategy's start request while it runs: a restart starts it again. */
export const RUNNING_SETTING = 'trading.paper.running';
/** The live client id session: one counter in the order store, so ids never repeat. */
const LIVE_SESSION = 'ws';
const STATE_MS = 250;
const SAMPLE_MS = 1_000;
const RECENT_FILLS = 200;

export interface TradingSettings {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

export interface TradingServiceOptions {
  readonly db: SqliteDatabase;
  readonly settings: TradingSettings;
  readonly clock: () => number;
  readonly log: (line: string) => void;
  /** The live mid of an instrument (cheap: asked on every gate decision), or null. */
  readonly mid: (instrument: string) => number | null;
  /** The live book of an instrument (the pipeline's), or null before any data. */
  readonly book: (
    instrument: string,
  ) => { bids: readonly Level[]; asks: readonly Level[]; mid: number | null } | null;
  readonly candles: (instrument: string, timeframe: Timeframe, limit: number) => Candle[];
  /** Throws ApiError not_found for an instrument the workspace does not know. */
  readonly knownInstrument: (instrument: string) => void;
  readonly connections: () => readonly ConnectionConfig[];
  readonly connected: (exchange: string) => boolean;
  readonly secrets: SecretStore;
  /** Tells of every save, replace and delete of an exchange's keys (main/exchange/key-changes.ts). */
  readonly keyChanges?: (listener: (change: KeyChange) => void) => () => void;
  readonly exportsDir: string;
  /** The live order book of an instrument (what a live strategy reads), or null before data. */
  readonly orderBook?: (instrument: string) => ReadonlyOrderBook | null;
  /** The model registry and live inference, for the ML-signal strategy; absent: not offered. */
  readonly models?: TradingModels;
  /** The user's strategy files (compiled when a strategy starts); absent: only the built-ins run. */
  readonly strategies?: StrategyLibrary;
}

export function createTradingService(options: TradingServiceOptions) {
  const { db, settings, clock, log } = options;
  const audit = new AuditLog(db, settings);
  const account = new PaperAccount(db, clock);
  const orderStore = new SqliteOrderStore(db);
  const storedLimits = riskLimitsSchema.safeParse(settings.get(LIMITS_SETTING) ?? {});
  const gate = new WorkspaceGate(storedLimits.success ? storedLimits.data : {}, () => workspaceBook());
  const curve = new EquityCurve();
  const createdAt = new Map<string, number>();
  const breakers: { limit: string; at: number; reason: string }[] = [];
  const lastRefusal = new Map<string, { limit: string; reason: string }>();
  const stateListeners = new Set<(state: TradingState) => void>();
  const eventListeners = new Set<(event: TradingEvent) => void>();
  const liveVenues = new Map<string, LiveVenue>();
  const problems: string[] = [];
  /** The ML-signal strategy's model and feed while it runs on paper. */
  let signalRun: SignalRun | null = null;
  let dirty = true;

  const emitEvent = (event: TradingEvent): void => {
    for (const listener of eventListeners) listener(event);
  };
  const record = (ts: number, kind: AuditKind, payload: unknown): void => {
    try {
      audit.append(Math.round(Number.isFinite(ts) ? ts : clock()), kind, payload);
    } catch (error) {
      const why = `audit append failed: ${error instanceof Error ? error.message : String(error)}`;
      log(`trading: ${why}`);
      // A fact missing from the audit log is a problem the user must see, once per cause.
      if (!problems.includes(why)) problems.push(why);
    }
  };

  /** The strategy running on each live venue. */
  const liveStrategies = new LiveStrategies({
    record,
    log,
    clock,
    orderBook: (instrument) => options.orderBook?.(instrument) ?? null,
  });

  const paper = new PaperVenue(
    {
      gate,
      book: (instrument) => options.book(instrument),
      onEvent: (instrument, event) => {
        onPaperEvent(instrument, event);
      },
      cash: () => account.cash,
      position: (instrument) => {
        const held = account.position(instrument);
        return held === undefined || held.quantity === 0 || !(held.avgEntryPrice > 0)
          ? null
          : { quantity: held.quantity, avgEntryPrice: held.avgEntryPrice };
      },
      orders: new SqlitePaperOrders(db),
      onRestore: (instrument, restored, dropped) => {
        record(restored[0]?.createdTs ?? clock(), 'decision', {
          venue: PAPER_VENUE,
          action: 'orders_restored',
          instrument,
          restored: restored.map((row) => ({ ...row, remaining: row.quantity - row.filled })),
          dropped: dropped.map(({ row, reason }) => ({ clientId: row.clientId, type: row.type, reason })),
        });
      },
      seed: 1,
    },
    clock().toString(36),
  );

  /** Stops the paper strategy, and the ML-signal strategy's predictions with it. */
  function stopPaper(): PaperStrategy | null {
    const stopped = paper.stop();
    endSignal();
    settings.set(RUNNING_SETTING, null);
    return stopped;
  }

  function endSignal(): void {
    signalRun?.stop();
    signalRun = null;
  }

  function strategyView(): TradingState['venues'][number]['strategy'] {
    const running = paper.strategy();
    if (running === null) return null;
    return { ...running, signal: running.kind === 'ml-signal' ? (signalRun?.view() ?? null) : null };
  }

  // ---- the book the gate decides on ---------------------------------------------------------

  function markOf(instrument: string, fallback: number): number {
    const mid = options.mid(instrument);
    return mid !== null && mid > 0 ? mid : fallback;
  }

  function paperPositions(): RiskPosition[] {
    return account
      .positions()
      .filter((p) => p.quantity !== 0)
      .map((p) => ({
        instrument: p.instrument,
        quantity: p.quantity,
        mark: markOf(p.instrument, p.lastMark),
      }));
  }

  function paperEquity(): number {
    let equity = account.cash;
    for (const p of paperPositions()) if (Number.isFinite(p.mark)) equity += p.quantity * p.mark;
    return equity;
  }

  function workspaceBook(): Omit<RiskState, 'ts'> {
    const positions: RiskPosition[] = paperPositions();
    const openOrders: RiskOpenOrder[] = paper.riskOrders();
    let equity = paperEquity();
    for (const venue of liveVenues.values()) {
      const book = venue.riskState();
      if (book === null) continue;
      positions.push(...book.positions);
      openOrders.push(...book.openOrders);
      if (Number.isFinite(book.equity)) equity += book.equity;
    }
    return { equity, positions, openOrders };
  }

  // ---- what the brokers tell us --------------------------------------------------------------

  function onPaperEvent(instrument: string, event: BrokerEvent): void {
    const r = brokerAuditRecord(event, instrument, clock());
    record(r.ts, r.kind, { venue: PAPER_VENUE, ...(r.payload as object) });
    switch (event.kind) {
      case 'sent':
        if (event.intent.kind === 'submit') createdAt.set(event.intent.order.clientId, event.ts);
        break;
      case 'refused': {
        const refusal = {
          at: Math.round(Number.isFinite(event.ts) ? event.ts : clock()),
          venue: PAPER_VENUE,
          instrument,
          limit: event.refusal.limit,
          reason: event.refusal.reason,
        };
        // Manual orders answer with their refusal; a strategy's are only published.
        if (event.intent.kind === 'submit' && paper.isManual(event.intent.order.clientId))
          lastRefusal.set(event.intent.order.clientId, refusal);
        emitEvent({ type: 'refusal', refusal });
        break;
      }
      case 'fill': {
        account.apply(instrument, event.fill);
        const { fill } = event;
        emitEvent({
          type: 'fill',
          fill: {
            venue: PAPER_VENUE,
            clientId: fill.clientId,
            instrument,
            side: fill.side,
            price: fill.price,
            quantity: fill.quantity,
            fee: fill.fee,
            liquidity: fill.liquidity,
            ts: fill.ts,
          },
        });
        break;
      }
      case 'tripped':
        // After the broker's own disarm and cancel-all, outside its event loop.
        queueMicrotask(() => {
          onTrip(PAPER_VENUE, event.trip);
        });
        break;
      case 'order':
      case 'armed':
      case 'reset':
        break;
      default:
        event satisfies never;
    }
    dirty = true;
  }

  function onLiveEvent(exchange: string, event: LiveBrokerEvent): void {
    const r = liveAuditRecord(event, exchange);
    record(r.ts, r.kind, { venue: exchange, ...(r.payload as object) });
    liveStrategies.onBrokerEvent(exchange, event);
    switch (event.kind) {
      case 'refused':
        emitEvent({
          type: 'refusal',
          refusal: {
            at: Math.round(event.ts),
            venue: exchange,
            instrument: `${exchange}:${event.symbol}`,
            limit: event.refusal.limit,
            reason: event.refusal.reason,
          },
        });
        break;
      case 'partially_filled':
      case 'filled':
        emitEvent({ type: 'fill', fill: liveFill(event.fill) });
        break;
      case 'tripped':
        queueMicrotask(() => {
          onTrip(exchange, event.trip);
        });
        break;
      case 'armed':
      case 'sent':
      case 'accepted':
      case 'cancelled':
      case 'expired':
      case 'rejected':
      case 'in_doubt':
      case 'reconciled':
        break;
      default:
        event satisfies never;
    }
    dirty = true;
  }

  /** A breaker or kill switch fired: every venue stops, disarms and cancels. */
  function onTrip(venue: string, trip: RiskTrip): void {
    if (breakers.some((b) => b.limit === trip.limit && b.at === trip.ts)) return;
    breakers.push({ limit: trip.limit, at: Math.round(trip.ts), reason: trip.reason });
    const stopped = stopPaper();
    if (stopped !== null)
      record(trip.ts, 'decision', {
        venue: PAPER_VENUE,
        action: 'strategy_stopped',
        why: trip.reason,
        ...stopped,
      });
    paper.disarm(trip.reason);
    paper.cancelAll();
    liveStrategies.stopAll(trip.reason);
    for (const live of liveVenues.values()) {
      void live.panic(trip.reason).catch((error: unknown) => {
        log(`trading: ${live.exchangeId} panic after ${trip.limit}: ${String(error)}`);
      });
    }
    emitEvent({ type: 'breaker', venue, limit: trip.limit, reason: trip.reason, at: Math.round(trip.ts) });
    dirty = true;
  }

  // ---- venues ----------------------------------------------------------------------------------

  function hasKeys(exchange: string): boolean {
    try {
      return options.secrets.availability().ready && options.secrets.has(exchange);
    } catch {
      return false;
    }
  }

  function liveVenue(exchange: string): LiveVenue {
    let venue = liveVenues.get(exchange);
    if (venue !== undefined) return venue;
    if (!options.connections().some((c) => c.exchange === exchange) || !hasKeys(exchange))
      throw new ApiError(
        'not_found',
        `no venue '${exchange}': connect the exchange and save its API keys first`,
      );
    venue = new LiveVenue({
      exchangeId: exchange,
      store: orderStore,
      gate,
      clock,
      session: LIVE_SESSION,
      connection: () => {
        const configs = options.connections().filter((c) => c.exchange === exchange);
        if (configs.length === 0) return undefined;
        return { symbols: configs.flatMap((c) => c.symbols), endpoint: configs[0]?.endpoint };
      },
      keys: () => options.secrets.get(exchange),
      onEvent: (event) => {
        onLiveEvent(exchange, event);
      },
      log,
    });
    liveVenues.set(exchange, venue);
    return venue;
  }

  function liveVenueIds(): string[] {
    const ids = new Set(
      options
        .connections()
        .map((c) => c.exchange)
        .filter(hasKeys),
    );
    for (const id of liveVenues.keys()) ids.add(id);
    return [...ids].sort();
  }

  /**
   * Keys take effect at once. Replaced: the venue's client signs with the new ones from its
   * next request. Deleted: the venue is disarmed, its strategy stopped and its client dropped,
   * so re-arming is refused until keys are saved again. Each change is audited (never the keys).
   */
  function onKeyChange(change: KeyChange): void {
    const { exchange, kind } = change;
    record(clock(), 'setting', { venue: exchange, action: `keys_${kind}` });
    const venue = liveVenues.get(exchange);
    if (change.kind === 'deleted') {
      if (venue !== undefined) {
        liveStrategies.stop(exchange, 'API keys deleted');
        venue.dropKeys(`the API keys of ${exchange} were deleted`);
        liveVenues.delete(exchange);
      }
    } else {
      venue?.replaceKeys(change.keys);
    }
    dirty = true;
  }
  const stopWatchingKeys = options.keyChanges?.(onKeyChange) ?? (() => undefined);

  // ---- state ---------------------------------------------------------------------------------

  function state(): TradingState {
    const now = clock();
    const book = gate.stateAt(now);
    const venues: TradingState['venues'] = [
      {
        venue: PAPER_VENUE,
        kind: 'paper',
        armed: paper.armed,
        disarmedReason: paper.disarmedReason,
        connected: true,
        balances: { cash: { free: account.cash, used: 0, total: account.cash } },
        equity: paperEquity(),
        strategy: strategyView(),
      },
    ];
    for (const id of liveVenueIds()) {
      const venue = liveVenues.get(id);
      venues.push({
        venue: id,
        kind: 'live',
        armed: venue?.armed ?? false,
        disarmedReason: venue?.disarmedReason ?? null,
        connected: options.connected(id),
        balances: venue?.balances ?? {},
        equity: venue?.riskState()?.equity ?? null,
        strategy: liveStrategies.view(id),
      });
    }
    const positions: TradingState['positions'] = account
      .positions()
      .filter((p) => p.quantity !== 0 || p.realizedPnl !== 0)
      .map((p) => {
        const mark = markOf(p.instrument, p.lastMark);
        const avg = Number.isFinite(p.avgEntryPrice) ? p.avgEntryPrice : null;
        return {
          venue: PAPER_VENUE,
          instrument: p.instrument,
          quantity: p.quantity,
          avgEntryPrice: avg,
          mark: Number.isFinite(mark) ? mark : null,
          unrealizedPnl: avg !== null && Number.isFinite(mark) ? p.quantity * (mark - avg) : 0,
          realizedPnl: p.realizedPnl,
        };
      });
    for (const [id, venue] of liveVenues) {
      for (const p of venue.riskState()?.positions ?? []) {
        const mark = markOf(p.instrument, p.mark);
        positions.push({
          venue: id,
          instrument: p.instrument,
          quantity: p.quantity,
          avgEntryPrice: null,
          mark: Number.isFinite(mark) ? mark : null,
          unrealizedPnl: 0,
          realizedPnl: 0,
        });
      }
    }
    const openOrders: WorkingOrderWire[] = paper.openOrders().map(({ instrument, order }) => ({
      venue: PAPER_VENUE,
      clientId: order.clientId,
      exchangeId: null,
      instrument,
      side: order.side,
      type: wireType(order.type),
      quantity: order.quantity,
      filled: order.filled,
      price: Number.isFinite(order.price) ? order.price : null,
      stopPrice: null,
      status: order.status,
      createdAt: Math.round(createdAt.get(order.clientId) ?? now),
    }));
    const fills: FillWire[] = account.recentFills(RECENT_FILLS).map((f) => ({ venue: PAPER_VENUE, ...f }));
    for (const id of liveVenueIds()) {
      for (const row of orderStore
        .orders(id)
        .filter((r) => ['sending', 'in_doubt', 'open', 'partially_filled'].includes(r.state)))
        openOrders.push({
          venue: id,
          clientId: row.clientId,
          exchangeId: row.exchangeOrderId,
          instrument: `${id}:${row.symbol}`,
          side: row.side,
          type: wireType(row.type),
          quantity: row.quantity,
          filled: row.filled,
          price: row.price,
          stopPrice: row.stopPrice,
          status: row.state,
          createdAt: row.createdTs,
        });
      fills.push(...orderStore.fills(id).slice(-RECENT_FILLS).map(liveFill));
    }
    fills.sort((a, b) => b.ts - a.ts);
    return {
      venues,
      positions,
      openOrders,
      fills: fills.slice(0, RECENT_FILLS),
      pnl: curve.view(),
      limits: gate.limits,
      usage: limitUsage(gate.limits, book, gate.usage(now)),
      breakers: [...breakers],
    };
  }

  const timers = [
    setInterval(() => {
      const now = clock();
      const trip = gate.observe({ ts: now });
      if (trip !== null) {
        record(trip.ts, 'arming', { venue: 'workspace', action: 'tripped', ...trip });
        onTrip('workspace', trip);
      }
      curve.sample(now, workspaceBook().equity);
      account.saveMarks();
      dirty = true;
    }, SAMPLE_MS),
    setInterval(() => {
      if (!dirty || stateListeners.size === 0) return;
      dirty = false;
      const snapshot = state();
      for (const listener of stateListeners) listener(snapshot);
    }, STATE_MS),
  ];

  /**
   * A strategy as a venue runs it: built-in (parameters checked) or the ML-signal strategy on
   * its live model, inside the sizing and exits, every decision audited under the venue.
   */
  async function prepareStrategy(venue: string, request: StrategyRunRequest) {
    const { instrument, strategy, params, sizing } = request;
    options.knownInstrument(instrument);
    if (sizing.kind === 'kelly' && strategy !== 'ml-signal')
      throw new ApiError(
        'bad_request',
        "capped Kelly sizes on a model's probability of an up move: use it with the ML-signal strategy",
      );
    const exits = exitLevels(request.exits);
    let inner: () => Strategy;
    let unit: unknown;
    let signal: SignalRun | null = null;
    if (strategy === 'ml-signal') {
      signal = await startSignalRun(options.models, {
        instrument,
        modelId: request.modelId,
        params,
        log,
        onSignal: (read) => {
          record(read.ts, 'signal', { venue, instrument, ...read });
        },
      });
      inner = signal.strategy;
      unit = signal.params.quantity;
    } else {
      let definition;
      if (isUserStrategyKind(strategy)) {
        if (options.strategies === undefined)
          throw new ApiError('bad_request', `${strategy}: this workstation has no strategies folder`);
        ({ definition } = await options.strategies.load(strategy));
      } else {
        definition = strategyDefinition(strategy);
      }
      const parsed = definition.params.safeParse(params);
      if (!parsed.success)
        throw new ApiError('bad_request', `${strategy} parameters: ${parsed.error.message}`);
      inner = () => definition.create(parsed.data);
      unit = (parsed.data as { quantity?: unknown }).quantity;
    }
    const feed = signal?.feed;
    const decisions: DecisionOptions = {
      sizing: decisionSizing(sizing, exits, {
        assetVol: (lookback) => annualisedVol(options.candles(instrument, '1m', lookback + 2), lookback),
        upProbability: () => feed?.latest()?.up ?? Number.NaN,
      }),
      exits,
      unit: typeof unit === 'number' && unit > 0 ? unit : 1,
      lot: sizing.kind === 'fixed' ? 0 : sizing.lot,
    };
    const create = (): Strategy =>
      withDecisions(inner(), decisions, {
        onSizing: (decision) => {
          record(decision.ts, 'decision', { venue, action: 'sized', instrument, ...decision });
        },
        onExit: (exit, position, entryPrice) => {
          record(exit.ts, 'decision', {
            venue,
            action: 'exit',
            instrument,
            reason: exit.reason,
            price: exit.price,
            level: exit.level,
            position,
            entryPrice,
            clientId: exit.intent.kind === 'submit' ? exit.intent.order.clientId : null,
          });
        },
      });
    const running: PaperStrategy = {
      kind: strategy,
      instrument,
      params: signal === null ? params : { ...signal.params, modelId: signal.modelId },
    };
    return { running, signal, create, exits, barMs: strategy === 'book-imbalance' ? 0 : PAPER_BAR_MS };
  }

  // ---- commands ------------------------------------------------------------------------------

  function requireLive(venue: string): LiveVenue {
    if (venue === PAPER_VENUE) throw new ApiError('bad_request', 'this command is for live venues');
    return liveVenue(venue);
  }

  const commands: { [K in keyof Commands]: Handler<K> } = {
    'trading.state': () => state(),
    'trading.paper.start': async (request) => {
      const { fees, latencyMs } = request;
      const prepared = await prepareStrategy(PAPER_VENUE, request);
      endSignal();
      paper.start(
        prepared.running,
        prepared.create,
        { fees, latencyMs },
        prepared.barMs,
        prepared.signal?.feed,
      );
      signalRun = prepared.signal;
      settings.set(RUNNING_SETTING, request);
      record(clock(), 'decision', {
        venue: PAPER_VENUE,
        action: 'strategy_started',
        ...prepared.running,
        fees,
        latencyMs,
        sizing: request.sizing,
        exits: prepared.exits,
      });
      dirty = true;
      return state();
    },
    'trading.live.start': async (request) => {
      const { venue: id } = request;
      const venue = requireLive(id);
      if (!venue.armed)
        throw new ApiError(
          'bad_request',
          `${id} is disarmed: ${armPhrase(id)} first, then start the strategy`,
        );
      const prefix = `${id}:`;
      if (!request.instrument.startsWith(prefix))
        throw new ApiError('bad_request', `instrument ${request.instrument} is not on ${id}`);
      const prepared = await prepareStrategy(id, request);
      liveStrategies.start(venue, request.instrument, prepared, {
        sizing: request.sizing,
        exits: prepared.exits,
      });
      dirty = true;
      return state();
    },
    'trading.live.stop': ({ venue }) => {
      requireLive(venue);
      liveStrategies.stop(venue, 'stopped by the user');
      dirty = true;
      return state();
    },
    'trading.paper.stop': () => {
      const stopped = stopPaper();
      if (stopped !== null)
        record(clock(), 'decision', {
          venue: PAPER_VENUE,
          action: 'strategy_stopped',
          why: 'stopped by the user',
          ...stopped,
        });
      dirty = true;
      return state();
    },
    'trading.paper.reset': ({ initialCash }) => {
      // The account first: the fresh engines start from its cash.
      account.reset(initialCash, clock());
      paper.reset();
      endSignal();
      settings.set(RUNNING_SETTING, null);
      // A fresh account starts a fresh day: the breakers are cleared with it.
      breakers.length = 0;
      paper.arm('paper account reset');
      record(clock(), 'setting', { venue: PAPER_VENUE, action: 'reset', initialCash });
      dirty = true;
      return state();
    },
    'trading.order': async (request) => {
      const type = engineType(request.type);
      if (request.venue === PAPER_VENUE) {
        options.knownInstrument(request.instrument);
        const clientId = paper.place(request.instrument, {
          side: request.side,
          type,
          quantity: request.quantity,
          ...(request.price === undefined ? {} : { price: request.price }),
          ...(request.stopPrice === undefined ? {} : { stopPrice: request.stopPrice }),
          timeInForce: request.timeInForce === 'IOC' ? 'ioc' : 'gtc',
          ...(request.postOnly ? { postOnly: true } : {}),
          ...(request.reduceOnly ? { reduceOnly: true } : {}),
        });
        dirty = true;
        const refused = lastRefusal.get(clientId);
        lastRefusal.delete(clientId);
        return refused === undefined
          ? { ok: true, clientId }
          : { ok: false, limit: refused.limit, reason: refused.reason };
      }
      const venue = requireLive(request.venue);
      const prefix = `${request.venue}:`;
      if (!request.instrument.startsWith(prefix))
        throw new ApiError('bad_request', `instrument ${request.instrument} is not on ${request.venue}`);
      const result = await venue.submit(request.instrument.slice(prefix.length), {
        side: request.side,
        type,
        quantity: request.quantity,
        price: request.price,
        stopPrice: request.stopPrice,
        timeInForce: request.timeInForce === 'IOC' ? 'ioc' : 'gtc',
        postOnly: request.postOnly,
        reduceOnly: request.reduceOnly,
      });
      dirty = true;
      return result.ok
        ? { ok: true, clientId: result.clientId }
        : { ok: false, limit: result.refusal.limit, reason: result.refusal.reason };
    },
    'trading.cancel': async ({ venue, clientId }) => {
      const cancelled =
        venue === PAPER_VENUE ? paper.cancel(clientId) : await requireLive(venue).cancel(clientId);
      dirty = true;
      return { cancelled };
    },
    'trading.limits.set': (limits) => {
      const before = gate.limits;
      gate.setLimits(limits);
      settings.set(LIMITS_SETTING, limits);
      record(clock(), 'setting', { action: 'limits', before, after: limits });
      dirty = true;
      return state();
    },
    'trading.arm': async ({ venue, phrase }) => {
      if (venue === PAPER_VENUE) {
        if (phrase !== armPhrase(PAPER_VENUE))
          throw new ApiError(
            'bad_request',
            `arming paper needs the exact phrase '${armPhrase(PAPER_VENUE)}'`,
          );
        paper.arm('armed by the user');
        record(clock(), 'arming', { venue, action: 'armed', why: 'armed by the user' });
      } else {
        const live = requireLive(venue);
        try {
          await live.arm(phrase);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          record(clock(), 'arming', { venue, action: 'arm_refused', why: message });
          throw new ApiError('bad_request', message);
        }
      }
      // Arming again is how a tripped breaker is cleared (the gate was re-armed by the broker).
      breakers.length = 0;
      dirty = true;
      return state();
    },
    'trading.disarm': ({ venue }) => {
      if (venue === PAPER_VENUE) {
        paper.disarm('disarmed by the user');
      } else {
        requireLive(venue).disarm('disarmed by the user');
        // A disarmed venue refuses every order: its strategy would only pile up refusals.
        liveStrategies.stop(venue, 'venue disarmed by the user');
      }
      if (venue === PAPER_VENUE)
        record(clock(), 'arming', { venue, action: 'disarmed', why: 'disarmed by the user' });
      dirty = true;
      return state();
    },
    'trading.panic': async () => {
      record(clock(), 'arming', { venue: 'workspace', action: 'panic' });
      const stopped = stopPaper();
      if (stopped !== null)
        record(clock(), 'decision', {
          venue: PAPER_VENUE,
          action: 'strategy_stopped',
          why: 'panic button',
          ...stopped,
        });
      paper.cancelAll();
      liveStrategies.stopAll('panic button');
      for (const id of liveVenueIds()) await liveVenue(id).panic('panic button');
      dirty = true;
      return state();
    },
    'trading.allocation': (request) => {
      for (const instrument of request.instruments) options.knownInstrument(instrument);
      const held = new Map<string, number>();
      for (const p of paperPositions()) held.set(p.instrument, (held.get(p.instrument) ?? 0) + p.quantity);
      try {
        return allocate(request, options.candles, {
          equity: paperEquity(),
          feeRate: DEFAULT_PAPER_COSTS.fees.taker,
          quantity: (instrument) => held.get(instrument) ?? 0,
          mark: (instrument) => markOf(instrument, paper.mark(instrument)),
        });
      } catch (error) {
        if (error instanceof RangeError) throw new ApiError('bad_request', error.message);
        throw error;
      }
    },
    'trading.rebalance': async (request) => {
      // The plan is recomputed here: a plan from the renderer could be stale or made up.
      const plan = await commands['trading.allocation'](request);
      record(clock(), 'decision', {
        venue: PAPER_VENUE,
        action: 'rebalance',
        method: plan.method,
        timeframe: plan.timeframe,
        lookbackBars: request.lookbackBars,
        riskAversion: request.riskAversion ?? 1,
        returns: plan.returns,
        weights: plan.weights,
        trades: plan.trades,
        totalFees: plan.totalFees,
      });
      const orders = [];
      // Each order as a manual paper order: the gate decides it, a refusal comes back with why.
      for (const order of rebalanceOrders(plan, PAPER_VENUE)) {
        const { instrument, side, quantity } = order;
        orders.push({ instrument, side, quantity, ...(await commands['trading.order'](order)) });
      }
      return { ...plan, orders };
    },
    'trading.risk': (request) => {
      const held: HeldPosition[] = [];
      const byInstrument = new Map<string, number>();
      const marks = new Map<string, number>();
      for (const p of workspaceBook().positions) {
        byInstrument.set(p.instrument, (byInstrument.get(p.instrument) ?? 0) + p.quantity);
        marks.set(p.instrument, markOf(p.instrument, p.mark));
      }
      for (const [instrument, quantity] of byInstrument) {
        const mark = marks.get(instrument) ?? Number.NaN;
        if (quantity === 0 || !(mark > 0)) continue;
        const book = options.book(instrument);
        held.push({ instrument, quantity, mark, bids: book?.bids ?? [], asks: book?.asks ?? [] });
      }
      return riskReport(held, request, options.candles);
    },
    'trading.refusals': ({ limit }) =>
      audit.list(limit, 'refusal').map((entry) => {
        const p = JSON.parse(entry.payload) as Record<string, unknown>;
        const venue = typeof p.venue === 'string' ? p.venue : PAPER_VENUE;
        const instrument =
          typeof p.instrument === 'string'
            ? p.instrument
            : typeof p.symbol === 'string'
              ? `${venue}:${p.symbol}`
              : '';
        return {
          at: entry.ts,
          venue,
          instrument,
          limit: typeof p.limit === 'string' ? p.limit : 'unknown',
          reason: typeof p.reason === 'string' ? p.reason : '',
        };
      }),
    'trading.audit.list': ({ limit, kind }) =>
      audit.list(limit, kind).map((e) => ({ ...e, payload: JSON.parse(e.payload) as unknown })),
    'trading.audit.verify': () => audit.verify(),
    'trading.audit.export': () => audit.exportCsv(options.exportsDir, clock()),
  };

  const topics = {
    'trading.state': (
      _params: z.output<Topics['trading.state']['params']>,
      emit: (state: TradingState) => void,
    ) => {
      emit(state());
      stateListeners.add(emit);
      return () => {
        stateListeners.delete(emit);
      };
    },
    'trading.events': (
      _params: z.output<Topics['trading.events']['params']>,
      emit: (event: TradingEvent) => void,
    ) => {
      eventListeners.add(emit);
      return () => {
        eventListeners.delete(emit);
      };
    },
  };

  return {
    commands,
    topics,
    gate,
    audit,
    /**
     * Starts the paper strategy that ran when the workspace closed (after the live models are
     * back: the ML-signal strategy needs its model). Its engine holds the account's position,
     * so it goes on from where it was; its orders were not kept (it decides again).
     */
    async resume(): Promise<void> {
      const stored = settings.get(RUNNING_SETTING);
      if (stored === null || stored === undefined || paper.strategy() !== null) return;
      const parsed = tradingCommands['trading.paper.start'].request.safeParse(stored);
      try {
        if (!parsed.success) throw new Error(`the stored request is unreadable: ${parsed.error.message}`);
        await commands['trading.paper.start'](parsed.data);
        record(clock(), 'decision', { venue: PAPER_VENUE, action: 'strategy_resumed', request: parsed.data });
        log(`trading: paper strategy ${parsed.data.strategy} on ${parsed.data.instrument} resumed`);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        settings.set(RUNNING_SETTING, null);
        record(clock(), 'decision', {
          venue: PAPER_VENUE,
          action: 'strategy_not_resumed',
          why,
          request: stored,
        });
        problems.push(`the paper strategy that ran before the restart was not resumed: ${why}`);
        log(`trading: paper strategy not resumed: ${why}`);
      }
    },
    /** Trading problems for the status bar. */
    problems: (): string[] => [...problems],
    /** Every validated live event, as the pipeline accepted it. */
    onMarketEvents(events: readonly MarketEvent[]): void {
      if (events.length === 0) return;
      try {
        paper.onEvents(events);
      } catch (error) {
        log(`trading: paper broker: ${error instanceof Error ? error.message : String(error)}`);
      }
      liveStrategies.onEvents(events);
    },
    stop(): void {
      stopWatchingKeys();
      for (const timer of timers) clearInterval(timer);
      endSignal();
      liveStrategies.dispose();
      for (const venue of liveVenues.values()) venue.stop();
      account.saveMarks();
    },
  };
}

export type TradingService = ReturnType<typeof createTradingService>;

function engineType(type: 'market' | 'limit' | 'stop' | 'stop-limit'): OrderType {
  return type === 'stop-limit' ? 'stop_limit' : type;
}

function wireType(type: string): WorkingOrderWire['type'] {
  switch (type) {
    case 'stop_limit':
      return 'stop-limit';
    case 'market':
    case 'limit':
    case 'stop':
      return type;
    default:
      throw new Error(`unknown order type ${type}`);
  }
}

function liveFill(row: {
  exchange: string;
  symbol: string;
  clientId: string;
  side: 'buy' | 'sell';
  price: number;
  quantity: number;
  fee: number;
  liquidity: 'maker' | 'taker' | null;
  ts: number;
}): FillWire {
  return {
    venue: row.exchange,
    clientId: row.clientId,
    instrument: `${row.exchange}:${row.symbol}`,
    side: row.side,
    price: row.price,
    quantity: row.quantity,
    fee: row.fee,
    // Binance reports maker/taker per trade; a venue that does not is counted as taker.
    liquidity: row.liquidity ?? 'taker',
    ts: row.ts,
  };
}
