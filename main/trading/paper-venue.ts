import { ApiError } from '../../shared/api/protocol.js';
import type { FillWire, FlattenOrder, WorkingOrderWire } from '../../shared/api/domains/trading.js';
import type { Level, MarketEvent } from '../../shared/domain/market.js';
import type { RiskGate, RiskPosition, RiskState, RiskTrip } from '../../shared/risk/gate.js';
import { brokerAuditRecord } from '../../shared/trading/broker-audit.js';
import type { BrokerEvent } from '../../shared/trading/paper-broker.js';
import type { SqliteDatabase } from '../storage/database.js';
import { armPhrase } from './live/live-broker.js';
import { flattenPositions } from './panic-flatten.js';
import { PaperAccount } from './paper-account.js';
import { PAPER_VENUE, PaperDesks, type PaperCosts, type PaperStrategy } from './paper-desks.js';
import { SqlitePaperOrders } from './paper-orders.js';
import type { SignalRun } from './paper-signal.js';
import type { PreparedStrategy } from './strategy-launch.js';
import {
  messageOf,
  type OrderOutcome,
  type PositionView,
  type Venue,
  type VenueOrder,
  type VenueReports,
  type VenueView,
  wireOrderType,
} from './venue.js';

/** The paper strategy's start request while it runs: a restart starts it again. */
export const RUNNING_SETTING = 'trading.paper.running';

export interface PaperVenueOptions {
  readonly db: SqliteDatabase;
  readonly gate: RiskGate;
  readonly clock: () => number;
  readonly log: (line: string) => void;
  readonly settings: { set(key: string, value: unknown): void };
  readonly reports: VenueReports;
  /** The live mid of an instrument, or null. */
  readonly mid: (instrument: string) => number | null;
  readonly book: (instrument: string) => { bids: readonly Level[]; asks: readonly Level[] } | null;
  /** Throws ApiError not_found for an instrument the workspace does not know. */
  readonly knownInstrument: (instrument: string) => void;
}

/**
 * The paper venue: the paper account (the record of cash, positions and fills), the desks that
 * trade it on the live events, and the one paper strategy. Always there, armed at the start.
 */
export class PaperVenue implements Venue {
  readonly id = PAPER_VENUE;
  readonly account: PaperAccount;
  private readonly desks: PaperDesks;
  /** When each order was sent (exchange time), for the working-order list. */
  private readonly createdAt = new Map<string, number>();
  /** A manual order's refusal, answered by `order`. */
  private readonly lastRefusal = new Map<string, { limit: string; reason: string }>();
  /** The ML-signal strategy's model and feed while it runs. */
  private signalRun: SignalRun | null = null;

  constructor(private readonly options: PaperVenueOptions) {
    const { db, clock, reports } = options;
    this.account = new PaperAccount(db, clock);
    this.desks = new PaperDesks(
      {
        gate: options.gate,
        book: (instrument) => options.book(instrument),
        onEvent: (instrument, event) => {
          this.onBrokerEvent(instrument, event);
        },
        cash: () => this.account.cash,
        position: (instrument) => {
          const held = this.account.position(instrument);
          return held === undefined || held.quantity === 0 || !(held.avgEntryPrice > 0)
            ? null
            : { quantity: held.quantity, avgEntryPrice: held.avgEntryPrice };
        },
        orders: new SqlitePaperOrders(db),
        onRestore: (instrument, restored, dropped) => {
          reports.record(restored[0]?.createdTs ?? clock(), 'decision', {
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
  }

  get armed(): boolean {
    return this.desks.armed;
  }

  /** The running strategy's request, if any (what a restart resumes). */
  strategy(): PaperStrategy | null {
    return this.desks.strategy();
  }

  /** The live mid when there is one, else the fallback (the last fill or the engine's mark). */
  markOf(instrument: string, fallback: number): number {
    const mid = this.options.mid(instrument);
    return mid !== null && mid > 0 ? mid : fallback;
  }

  /** The engine's own mark of an instrument (mid, or last trade), NaN before data. */
  engineMark(instrument: string): number {
    return this.desks.mark(instrument);
  }

  /** Non-flat positions marked at the live mid (else the last fill). */
  heldPositions(): RiskPosition[] {
    return this.account
      .positions()
      .filter((p) => p.quantity !== 0)
      .map((p) => ({
        instrument: p.instrument,
        quantity: p.quantity,
        mark: this.markOf(p.instrument, p.lastMark),
      }));
  }

  equity(): number {
    let equity = this.account.cash;
    for (const p of this.heldPositions()) if (Number.isFinite(p.mark)) equity += p.quantity * p.mark;
    return equity;
  }

  view(): VenueView {
    const running = this.desks.strategy();
    return {
      venue: PAPER_VENUE,
      kind: 'paper',
      armed: this.desks.armed,
      disarmedReason: this.desks.disarmedReason,
      connected: true,
      balances: { cash: { free: this.account.cash, used: 0, total: this.account.cash } },
      equity: this.equity(),
      strategy:
        running === null
          ? null
          : { ...running, signal: running.kind === 'ml-signal' ? (this.signalRun?.view() ?? null) : null },
    };
  }

  positions(): PositionView[] {
    return this.account
      .positions()
      .filter((p) => p.quantity !== 0 || p.realizedPnl !== 0)
      .map((p) => {
        const mark = this.markOf(p.instrument, p.lastMark);
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
  }

  workingOrders(now: number): WorkingOrderWire[] {
    return this.desks.openOrders().map(({ instrument, order }) => ({
      venue: PAPER_VENUE,
      clientId: order.clientId,
      exchangeId: null,
      instrument,
      side: order.side,
      type: wireOrderType(order.type),
      quantity: order.quantity,
      filled: order.filled,
      price: Number.isFinite(order.price) ? order.price : null,
      stopPrice: null,
      status: order.status,
      createdAt: Math.round(this.createdAt.get(order.clientId) ?? now),
    }));
  }

  recentFills(limit: number): FillWire[] {
    return this.account.recentFills(limit).map((f) => ({ venue: PAPER_VENUE, ...f }));
  }

  riskState(): Omit<RiskState, 'ts'> {
    return { equity: this.equity(), positions: this.heldPositions(), openOrders: this.desks.riskOrders() };
  }

  order(instrument: string, order: VenueOrder): Promise<OrderOutcome> {
    try {
      return Promise.resolve(this.place(instrument, order));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private place(instrument: string, order: VenueOrder): OrderOutcome {
    this.options.knownInstrument(instrument);
    const clientId = this.desks.place(instrument, {
      side: order.side,
      type: order.type,
      quantity: order.quantity,
      ...(order.price === undefined ? {} : { price: order.price }),
      ...(order.stopPrice === undefined ? {} : { stopPrice: order.stopPrice }),
      timeInForce: order.timeInForce,
      ...(order.postOnly ? { postOnly: true } : {}),
      ...(order.reduceOnly ? { reduceOnly: true } : {}),
    });
    this.options.reports.changed();
    const refused = this.lastRefusal.get(clientId);
    this.lastRefusal.delete(clientId);
    return refused === undefined
      ? { ok: true, clientId }
      : { ok: false, limit: refused.limit, reason: refused.reason };
  }

  cancel(clientId: string): Promise<boolean> {
    return Promise.resolve(this.desks.cancel(clientId));
  }

  arm(phrase: string): Promise<void> {
    if (phrase !== armPhrase(PAPER_VENUE))
      return Promise.reject(
        new ApiError('bad_request', `arming paper needs the exact phrase '${armPhrase(PAPER_VENUE)}'`),
      );
    this.desks.arm('armed by the user');
    this.options.reports.record(this.options.clock(), 'arming', {
      venue: PAPER_VENUE,
      action: 'armed',
      why: 'armed by the user',
    });
    return Promise.resolve();
  }

  disarm(why: string): void {
    this.desks.disarm(why);
    this.options.reports.record(this.options.clock(), 'arming', {
      venue: PAPER_VENUE,
      action: 'disarmed',
      why,
    });
  }

  /** Runs a prepared strategy (the one running before stops); its request is kept for a restart. */
  start(
    prepared: PreparedStrategy,
    costs: PaperCosts,
    request: unknown,
    audited: Record<string, unknown>,
  ): void {
    this.endSignal();
    this.desks.start(prepared.running, prepared.create, costs, prepared.barMs, prepared.signal?.feed);
    this.signalRun = prepared.signal;
    this.options.settings.set(RUNNING_SETTING, request);
    this.options.reports.record(this.options.clock(), 'decision', {
      venue: PAPER_VENUE,
      action: 'strategy_started',
      ...prepared.running,
      ...audited,
      exits: prepared.exits,
    });
  }

  stopStrategy(why: string, at = this.options.clock()): void {
    const stopped = this.desks.stop();
    this.endSignal();
    this.options.settings.set(RUNNING_SETTING, null);
    if (stopped !== null)
      this.options.reports.record(at, 'decision', {
        venue: PAPER_VENUE,
        action: 'strategy_stopped',
        why,
        ...stopped,
      });
  }

  /** A fresh account with `initialCash`, flat engines, no strategy, armed again. */
  reset(initialCash: number): void {
    // The account first: the fresh engines start from its cash.
    this.account.reset(initialCash, this.options.clock());
    this.desks.reset();
    this.endSignal();
    this.options.settings.set(RUNNING_SETTING, null);
    this.desks.arm('paper account reset');
    this.options.reports.record(this.options.clock(), 'setting', {
      venue: PAPER_VENUE,
      action: 'reset',
      initialCash,
    });
  }

  panic(why: string): Promise<void> {
    this.stopStrategy(why);
    this.desks.cancelAll();
    return Promise.resolve();
  }

  /** Paper stays armed through a panic, so its closing orders take the ordinary path. */
  flatten(why: string): Promise<FlattenOrder[]> {
    return flattenPositions(this.heldPositions(), {
      venue: PAPER_VENUE,
      why,
      record: this.options.reports.record,
      clock: this.options.clock,
      place: (instrument, order) => this.order(instrument, order),
    });
  }

  trip(trip: RiskTrip): Promise<void> {
    this.stopStrategy(trip.reason, trip.ts);
    this.desks.disarm(trip.reason);
    this.desks.cancelAll();
    return Promise.resolve();
  }

  onMarketEvents(events: readonly MarketEvent[]): void {
    try {
      this.desks.onEvents(events);
    } catch (error) {
      this.options.log(`trading: paper broker: ${messageOf(error)}`);
    }
  }

  close(): void {
    this.endSignal();
    this.account.saveMarks();
  }

  private endSignal(): void {
    this.signalRun?.stop();
    this.signalRun = null;
  }

  /** Every paper broker event: audited, booked into the account, told to the view. */
  private onBrokerEvent(instrument: string, event: BrokerEvent): void {
    const { reports, clock } = this.options;
    const r = brokerAuditRecord(event, instrument, clock());
    reports.record(r.ts, r.kind, { venue: PAPER_VENUE, ...(r.payload as object) });
    switch (event.kind) {
      case 'sent':
        if (event.intent.kind === 'submit') this.createdAt.set(event.intent.order.clientId, event.ts);
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
        if (event.intent.kind === 'submit' && this.desks.isManual(event.intent.order.clientId))
          this.lastRefusal.set(event.intent.order.clientId, refusal);
        reports.emit({ type: 'refusal', refusal });
        break;
      }
      case 'fill': {
        this.account.apply(instrument, event.fill);
        const { fill } = event;
        reports.emit({
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
      case 'tripped': {
        const { trip } = event;
        // After the broker's own disarm and cancel-all, outside its event loop.
        queueMicrotask(() => {
          reports.tripped(PAPER_VENUE, trip);
        });
        break;
      }
      case 'order':
      case 'armed':
      case 'reset':
        break;
      default:
        event satisfies never;
    }
    reports.changed();
  }
}
