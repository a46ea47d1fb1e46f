import { ApiError } from '../../../shared/api/protocol.js';
import type { ExchangeKeys } from '../../exchange/secret-store.js';
import type { FillWire, FlattenOrder, WorkingOrderWire } from '../../../shared/api/domains/trading.js';
import type { MarketEvent } from '../../../shared/domain/market.js';
import type { ReadonlyOrderBook } from '../../../shared/market/order-book.js';
import type { RiskState, RiskTrip } from '../../../shared/risk/gate.js';
import { flattenPositions } from '../panic-flatten.js';
import type { PaperStrategy } from '../paper-desks.js';
import type { PreparedStrategy } from '../strategy-launch.js';
import {
  messageOf,
  type OrderOutcome,
  type PositionView,
  type Venue,
  type VenueOrder,
  type VenueReports,
  type VenueView,
  wireOrderType,
} from '../venue.js';
import type { SignalRun } from '../paper-signal.js';
import { liveAuditRecord } from './live-audit.js';
import { LiveDesk } from './live-desk.js';
import type { LiveBrokerEvent } from './live-events.js';
import type { LiveExchange } from './live-exchange.js';
import type { LiveOrderStore, LiveOrderRow } from './order-store.js';

/** Order states that still work on the exchange (or may: in doubt), as the view lists them. */
const LISTED_STATES = ['sending', 'in_doubt', 'open', 'partially_filled'];

export interface LiveVenueOptions {
  readonly exchange: LiveExchange;
  readonly store: LiveOrderStore;
  readonly clock: () => number;
  readonly log: (line: string) => void;
  readonly reports: VenueReports;
  /** Whether the exchange's market data is connected now. */
  readonly connected: () => boolean;
  /** The live order book of an instrument (what a live strategy reads), or null before data. */
  readonly orderBook: (instrument: string) => ReadonlyOrderBook | null;
  /** The live mid of an instrument when there is one, else the fallback. */
  readonly markOf: (instrument: string, fallback: number) => number;
}

interface RunningStrategy {
  readonly desk: LiveDesk;
  readonly running: PaperStrategy;
  readonly signal: SignalRun | null;
}

/**
 * A live venue: an exchange connection with saved keys (LiveExchange: nothing is built until
 * armed), its orders and fills from the order store, and at most one strategy on a LiveDesk
 * between the pipeline's events, the strategy and the broker. Starting, stopping and every order
 * the desk could not send are audited under the venue.
 */
export class LiveVenue implements Venue {
  readonly id: string;
  private strategy: RunningStrategy | null = null;

  constructor(private readonly options: LiveVenueOptions) {
    this.id = options.exchange.exchangeId;
  }

  get armed(): boolean {
    return this.options.exchange.armed;
  }

  /** The broker's events: audited, handed to the desk, told to the view. */
  onBrokerEvent(event: LiveBrokerEvent): void {
    const { reports } = this.options;
    const r = liveAuditRecord(event, this.id);
    reports.record(r.ts, r.kind, { venue: this.id, ...(r.payload as object) });
    try {
      this.strategy?.desk.onBrokerEvent(event);
    } catch (error) {
      this.options.log(`trading: ${this.id} strategy: ${messageOf(error)}`);
    }
    switch (event.kind) {
      case 'refused':
        reports.emit({
          type: 'refusal',
          refusal: {
            at: Math.round(event.ts),
            venue: this.id,
            instrument: `${this.id}:${event.symbol}`,
            limit: event.refusal.limit,
            reason: event.refusal.reason,
          },
        });
        break;
      case 'partially_filled':
      case 'filled':
        reports.emit({ type: 'fill', fill: liveFill(event.fill) });
        break;
      case 'tripped': {
        const { trip } = event;
        queueMicrotask(() => {
          reports.tripped(this.id, trip);
        });
        break;
      }
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
    reports.changed();
  }

  view(): VenueView {
    const { exchange } = this.options;
    const entry = this.strategy;
    return {
      venue: this.id,
      kind: 'live',
      armed: exchange.armed,
      disarmedReason: exchange.disarmedReason,
      connected: this.options.connected(),
      balances: exchange.balances,
      equity: exchange.riskState()?.equity ?? null,
      strategy: entry === null ? null : { ...entry.running, signal: entry.signal?.view() ?? null },
    };
  }

  positions(): PositionView[] {
    return (this.options.exchange.riskState()?.positions ?? []).map((p) => {
      const mark = this.options.markOf(p.instrument, p.mark);
      return {
        venue: this.id,
        instrument: p.instrument,
        quantity: p.quantity,
        avgEntryPrice: null,
        mark: Number.isFinite(mark) ? mark : null,
        unrealizedPnl: 0,
        realizedPnl: 0,
      };
    });
  }

  workingOrders(): WorkingOrderWire[] {
    return liveWorkingOrders(this.options.store, this.id);
  }

  recentFills(limit: number): FillWire[] {
    return liveRecentFills(this.options.store, this.id, limit);
  }

  riskState(): Omit<RiskState, 'ts'> | null {
    return this.options.exchange.riskState();
  }

  async order(instrument: string, order: VenueOrder): Promise<OrderOutcome> {
    const symbol = this.symbolOf(instrument);
    const result = await this.options.exchange.submit(symbol, order);
    this.options.reports.changed();
    return result.ok
      ? { ok: true, clientId: result.clientId }
      : { ok: false, limit: result.refusal.limit, reason: result.refusal.reason };
  }

  cancel(clientId: string): Promise<boolean> {
    return this.options.exchange.cancel(clientId);
  }

  async arm(phrase: string): Promise<void> {
    try {
      await this.options.exchange.arm(phrase);
    } catch (error) {
      const message = messageOf(error);
      this.options.reports.record(this.options.clock(), 'arming', {
        venue: this.id,
        action: 'arm_refused',
        why: message,
      });
      throw new ApiError('bad_request', message);
    }
  }

  disarm(why: string): void {
    this.options.exchange.disarm(why);
    // A disarmed venue refuses every order: its strategy would only pile up refusals.
    this.stopStrategy(`venue ${why}`);
  }

  /** Runs a prepared strategy on one of the venue's instruments (`<exchange>:<symbol>`). */
  start(instrument: string, prepared: PreparedStrategy, audited: Record<string, unknown>): void {
    const { exchange, reports, clock, log } = this.options;
    const symbol = this.symbolOf(instrument);
    this.stopStrategy('replaced by a new strategy');
    const quote = symbol.split('/')[1] ?? '';
    const desk = new LiveDesk({
      venue: this.id,
      instrument,
      symbol,
      strategy: prepared.create(),
      ...(prepared.signal === null ? {} : { features: prepared.signal.feed }),
      barMs: prepared.barMs,
      book: () => this.options.orderBook(instrument),
      submit: (order, guard) => exchange.submit(symbol, order, guard),
      cancel: (clientId) => exchange.cancel(clientId),
      equity: () => exchange.riskState()?.equity ?? Number.NaN,
      cash: () => exchange.balances[quote]?.free ?? Number.NaN,
      onProblem: (what) => {
        log(`trading: ${this.id} strategy: ${what}`);
        reports.record(clock(), 'decision', { venue: this.id, action: 'not_sent', instrument, why: what });
      },
    });
    this.strategy = { desk, running: prepared.running, signal: prepared.signal };
    reports.record(clock(), 'decision', {
      venue: this.id,
      action: 'strategy_started',
      ...prepared.running,
      ...audited,
    });
  }

  stopStrategy(why: string): void {
    const entry = this.strategy;
    if (entry === null) return;
    this.strategy = null;
    entry.signal?.stop();
    void entry.desk.stop();
    this.options.reports.record(this.options.clock(), 'decision', {
      venue: this.id,
      action: 'strategy_stopped',
      why,
      ...entry.running,
    });
  }

  async panic(why: string): Promise<void> {
    this.stopStrategy(why);
    await this.options.exchange.panic(why);
  }

  /** Only this exchange's own holdings: its risk state also carries the other venues' book. */
  flatten(why: string): Promise<FlattenOrder[]> {
    const { exchange, reports, clock } = this.options;
    const own = (exchange.riskState()?.positions ?? []).filter((p) => p.instrument.startsWith(`${this.id}:`));
    return flattenPositions(own, {
      venue: this.id,
      why,
      record: reports.record,
      clock,
      place: async (instrument, order) => {
        const result = await exchange.flatten(this.symbolOf(instrument), order);
        reports.changed();
        return result.ok
          ? { ok: true, clientId: result.clientId }
          : { ok: false, limit: result.refusal.limit, reason: result.refusal.reason };
      },
    });
  }

  async trip(trip: RiskTrip): Promise<void> {
    this.stopStrategy(trip.reason);
    try {
      await this.options.exchange.panic(trip.reason);
    } catch (error) {
      this.options.log(`trading: ${this.id} panic after ${trip.limit}: ${String(error)}`);
    }
  }

  onMarketEvents(events: readonly MarketEvent[]): void {
    const entry = this.strategy;
    if (entry === null) return;
    try {
      entry.desk.onEvents(events);
    } catch (error) {
      this.options.log(`trading: ${this.id} strategy: ${messageOf(error)}`);
    }
  }

  /** The keys were deleted: the strategy stops, the venue disarms and drops its client. */
  dropKeys(why: string): void {
    this.stopStrategy('API keys deleted');
    this.options.exchange.dropKeys(why);
  }

  replaceKeys(keys: ExchangeKeys): void {
    this.options.exchange.replaceKeys(keys);
  }

  /** Predictions stop reaching the desk; the exchange client closes (orders stay as they are). */
  close(): void {
    this.strategy?.signal?.stop();
    this.options.exchange.stop();
  }

  private symbolOf(instrument: string): string {
    const prefix = `${this.id}:`;
    if (!instrument.startsWith(prefix))
      throw new ApiError('bad_request', `instrument ${instrument} is not on ${this.id}`);
    return instrument.slice(prefix.length);
  }
}

/** The exchange's working orders from the order store (those of an earlier run too). */
export function liveWorkingOrders(store: LiveOrderStore, exchange: string): WorkingOrderWire[] {
  return store
    .orders(exchange)
    .filter((row) => LISTED_STATES.includes(row.state))
    .map((row: LiveOrderRow) => ({
      venue: exchange,
      clientId: row.clientId,
      exchangeId: row.exchangeOrderId,
      instrument: `${exchange}:${row.symbol}`,
      side: row.side,
      type: wireOrderType(row.type),
      quantity: row.quantity,
      filled: row.filled,
      price: row.price,
      stopPrice: row.stopPrice,
      status: row.state,
      createdAt: row.createdTs,
    }));
}

export function liveRecentFills(store: LiveOrderStore, exchange: string, limit: number): FillWire[] {
  return store.fills(exchange).slice(-limit).map(liveFill);
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
