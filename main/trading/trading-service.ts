import type { z } from 'zod';
import { ApiError } from '../../shared/api/protocol.js';
import { tradingCommands, type TradingState, type tradingTopics } from '../../shared/api/domains/trading.js';
import type { MarketEvent } from '../../shared/domain/market.js';
import type { RiskState, RiskTrip } from '../../shared/risk/gate.js';
import { riskLimitsSchema } from '../../shared/risk/limits.js';
import { auditCommands } from './audit-api.js';
import { AuditLog } from './audit-log.js';
import { armPhrase } from './live/live-broker.js';
import type { LiveVenue } from './live/live-venue.js';
import { LiveVenues } from './live/live-venues.js';
import { PAPER_VENUE } from './paper-desks.js';
import { PaperVenue } from './paper-venue.js';
import { portfolioCommands } from './portfolio.js';
import { SqliteOrderStore } from './sqlite-order-store.js';
import { StatePublisher, tradingState } from './state-view.js';
import { prepareStrategy, resumePaperStrategy, type StrategyLaunchOptions } from './strategy-launch.js';
import { TradingEvents } from './trading-events.js';
import { EquityCurve } from './trading-state.js';
import type { TradingEvent, Venue } from './venue.js';
import type { TradingServiceOptions } from './trading-options.js';
import { WorkspaceGate } from './workspace-gate.js';

/**
 * Trading in the App: the paper venue (always there) and one live venue per exchange
 * connection with saved keys, all behind one risk manager (WorkspaceGate), every fact in the
 * hash-chained audit log, the state published to the Trading view. This module composes them:
 * the venues hold their own rules (venue.ts), the commands are routed to them.
 */

type Commands = typeof tradingCommands;
type Topics = typeof tradingTopics;
type Handler<K extends keyof Commands> = (
  request: z.output<Commands[K]['request']>,
) => z.input<Commands[K]['response']> | Promise<z.input<Commands[K]['response']>>;

export type { TradingServiceOptions, TradingSettings } from './trading-options.js';
export const LIMITS_SETTING = 'trading.limits';
export { RUNNING_SETTING } from './paper-venue.js';
const SAMPLE_MS = 1_000;

export function createTradingService(options: TradingServiceOptions) {
  const { db, settings, clock, log } = options;
  const audit = new AuditLog(db, settings);
  const events = new TradingEvents(audit, clock, log);
  const record = events.record.bind(events);
  const storedLimits = riskLimitsSchema.safeParse(settings.get(LIMITS_SETTING) ?? {});
  const gate = new WorkspaceGate(storedLimits.success ? storedLimits.data : {}, () => workspaceBook());
  const curve = new EquityCurve();
  const breakers: { limit: string; at: number; reason: string }[] = [];
  const reports = events.reports((venue, trip) => {
    onTrip(venue, trip);
  });
  const paper = new PaperVenue({
    db,
    gate,
    clock,
    log,
    settings,
    reports,
    mid: options.mid,
    book: options.book,
    knownInstrument: options.knownInstrument,
  });
  const live = new LiveVenues({
    store: new SqliteOrderStore(db),
    gate,
    clock,
    log,
    reports,
    connections: options.connections,
    connected: options.connected,
    secrets: options.secrets,
    orderBook: (instrument) => options.orderBook?.(instrument) ?? null,
    markOf: (instrument, fallback) => paper.markOf(instrument, fallback),
  });
  const launch: StrategyLaunchOptions = { ...options, record };

  /** The book the gate decides on: the paper account plus every live venue's wallet and orders. */
  function workspaceBook(): Omit<RiskState, 'ts'> {
    const paperBook = paper.riskState();
    const positions = [...paperBook.positions];
    const openOrders = [...paperBook.openOrders];
    let { equity } = paperBook;
    for (const venue of live.built()) {
      const held = venue.riskState();
      if (held === null) continue;
      positions.push(...held.positions);
      openOrders.push(...held.openOrders);
      if (Number.isFinite(held.equity)) equity += held.equity;
    }
    return { equity, positions, openOrders };
  }

  /** A breaker or kill switch fired: every venue stops, disarms and cancels. */
  function onTrip(venue: string, trip: RiskTrip): void {
    if (breakers.some((b) => b.limit === trip.limit && b.at === trip.ts)) return;
    breakers.push({ limit: trip.limit, at: Math.round(trip.ts), reason: trip.reason });
    for (const each of venues()) void each.trip(trip);
    events.emit({ type: 'breaker', venue, limit: trip.limit, reason: trip.reason, at: Math.round(trip.ts) });
    events.changed();
  }

  function venues(): Venue[] {
    return [paper, ...live.built()];
  }

  function venueOf(id: string): Venue {
    return id === PAPER_VENUE ? paper : live.venue(id);
  }

  function requireLive(id: string): LiveVenue {
    if (id === PAPER_VENUE) throw new ApiError('bad_request', 'this command is for live venues');
    return live.venue(id);
  }

  const stopWatchingKeys =
    options.keyChanges?.((change) => {
      live.onKeyChange(change);
    }) ?? (() => undefined);

  const state = (): TradingState => tradingState({ paper, live, gate, curve, breakers }, clock());
  /** Every command answers with the state after it; the next tick publishes it too. */
  const changed = (): TradingState => {
    events.changed();
    return state();
  };

  const commands: { [K in keyof Commands]: Handler<K> } = {
    'trading.state': () => state(),
    'trading.paper.start': async (request) => {
      const { fees, latencyMs } = request;
      const prepared = await prepareStrategy(launch, PAPER_VENUE, request);
      paper.start(prepared, { fees, latencyMs }, request, { fees, latencyMs, sizing: request.sizing });
      return changed();
    },
    'trading.live.start': async (request) => {
      const venue = requireLive(request.venue);
      if (!venue.armed)
        throw new ApiError(
          'bad_request',
          `${venue.id} is disarmed: ${armPhrase(venue.id)} first, then start the strategy`,
        );
      if (!request.instrument.startsWith(`${venue.id}:`))
        throw new ApiError('bad_request', `instrument ${request.instrument} is not on ${venue.id}`);
      const prepared = await prepareStrategy(launch, venue.id, request);
      venue.start(request.instrument, prepared, { sizing: request.sizing, exits: prepared.exits });
      return changed();
    },
    'trading.live.stop': ({ venue }) => {
      requireLive(venue).stopStrategy('stopped by the user');
      return changed();
    },
    'trading.paper.stop': () => {
      paper.stopStrategy('stopped by the user');
      return changed();
    },
    'trading.paper.reset': ({ initialCash }) => {
      paper.reset(initialCash);
      // A fresh account starts a fresh day: the breakers are cleared with it.
      breakers.length = 0;
      return changed();
    },
    'trading.order': async (request) => {
      const venue = venueOf(request.venue);
      const outcome = await venue.order(request.instrument, {
        side: request.side,
        type: request.type === 'stop-limit' ? 'stop_limit' : request.type,
        quantity: request.quantity,
        price: request.price,
        stopPrice: request.stopPrice,
        timeInForce: request.timeInForce === 'IOC' ? 'ioc' : 'gtc',
        postOnly: request.postOnly,
        reduceOnly: request.reduceOnly,
      });
      events.changed();
      return outcome;
    },
    'trading.cancel': async ({ venue, clientId }) => {
      const cancelled = await venueOf(venue).cancel(clientId);
      events.changed();
      return { cancelled };
    },
    'trading.limits.set': (limits) => {
      const before = gate.limits;
      gate.setLimits(limits);
      settings.set(LIMITS_SETTING, limits);
      record(clock(), 'setting', { action: 'limits', before, after: limits });
      return changed();
    },
    'trading.arm': async ({ venue, phrase }) => {
      await venueOf(venue).arm(phrase);
      // Arming again is how a tripped breaker is cleared (the gate was re-armed by the broker).
      breakers.length = 0;
      return changed();
    },
    'trading.disarm': ({ venue }) => {
      venueOf(venue).disarm('disarmed by the user');
      return changed();
    },
    'trading.panic': async ({ flatten }) => {
      const why = flatten ? 'panic button (flatten)' : 'panic button';
      record(clock(), 'arming', { venue: 'workspace', action: 'panic', flatten });
      await paper.panic(why);
      // Every venue with keys, built or not: orders of an earlier run are cancelled too.
      for (const id of live.ids()) await live.venue(id).panic(why);
      // After every cancel: a closing order must not meet the venue's own resting orders.
      const flattened = [];
      if (flatten) for (const venue of venues()) flattened.push(...(await venue.flatten(why)));
      return { ...changed(), flattened };
    },
    ...portfolioCommands({
      paper,
      workspaceBook,
      candles: options.candles,
      book: options.book,
      knownInstrument: options.knownInstrument,
      record,
      clock,
      order: async (order) => commands['trading.order'](order),
    }),
    ...auditCommands(audit, options.exportsDir, clock),
  };

  const topics = {
    'trading.state': (
      _params: z.output<Topics['trading.state']['params']>,
      emit: (state: TradingState) => void,
    ) => publisher.subscribe(emit),
    'trading.events': (
      _params: z.output<Topics['trading.events']['params']>,
      emit: (event: TradingEvent) => void,
    ) => events.subscribe(emit),
  };

  /** Each second: the gate's breakers on the clock, an equity sample, the marks saved. */
  const sampler = setInterval(() => {
    const now = clock();
    const trip = gate.observe({ ts: now });
    if (trip !== null) {
      record(trip.ts, 'arming', { venue: 'workspace', action: 'tripped', ...trip });
      onTrip('workspace', trip);
    }
    const byVenue: Record<string, number | null> = { [PAPER_VENUE]: paper.equity() };
    for (const venue of live.built()) byVenue[venue.id] = venue.riskState()?.equity ?? null;
    curve.sample(now, workspaceBook().equity, byVenue);
    paper.account.saveMarks();
    events.changed();
  }, SAMPLE_MS);
  const publisher = new StatePublisher(state, () => events.takeChanged());

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
    resume: (): Promise<void> =>
      resumePaperStrategy({
        settings,
        running: () => paper.strategy(),
        start: async (request) => {
          await commands['trading.paper.start'](request);
        },
        record,
        log,
        problem: (why) => events.problems.push(why),
        clock,
      }),
    /** Trading problems for the status bar. */
    problems: (): string[] => [...events.problems],
    /** Every validated live event, as the pipeline accepted it. */
    onMarketEvents(marketEvents: readonly MarketEvent[]): void {
      if (marketEvents.length === 0) return;
      for (const venue of venues()) venue.onMarketEvents(marketEvents);
    },
    stop(): void {
      stopWatchingKeys();
      clearInterval(sampler);
      publisher.stop();
      paper.close();
      live.close();
    },
  };
}

export type TradingService = ReturnType<typeof createTradingService>;
