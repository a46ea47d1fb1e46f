import type { z } from 'zod';
import type {
  FillWire,
  FlattenOrder,
  TradingState,
  WorkingOrderWire,
  tradingTopics,
} from '../../shared/api/domains/trading.js';
import type { OrderSide, OrderType, TimeInForce } from '../../shared/backtest/orders.js';
import type { MarketEvent } from '../../shared/domain/market.js';
import type { RiskState, RiskTrip } from '../../shared/risk/gate.js';
import type { AuditKind } from '../../shared/trading/audit-chain.js';

/**
 * What the trading service asks of a venue, paper or live. Each venue keeps its own rules
 * (paper arms with its phrase at once, a live venue builds its client and reconciles first) and
 * audits its own facts, so the service composes venues without asking which one it holds.
 */

export type VenueView = TradingState['venues'][number];
export type PositionView = TradingState['positions'][number];
export type TradingEvent = z.input<(typeof tradingTopics)['trading.events']['payload']>;

/** An order as the user (or a rebalance) places it, in the engines' terms. */
export interface VenueOrder {
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly quantity: number;
  readonly price?: number | undefined;
  /** Trigger price of a `stop` / `stop_limit` order (live: sent as the exchange's own stop). */
  readonly stopPrice?: number | undefined;
  readonly timeInForce: TimeInForce;
  readonly postOnly: boolean;
  readonly reduceOnly: boolean;
}

/** Placed (with the client id it was given), or refused by a limit, with why. */
export type OrderOutcome = { ok: true; clientId: string } | { ok: false; limit: string; reason: string };

export interface Venue {
  /** `paper`, or the exchange id of a live venue. */
  readonly id: string;
  readonly armed: boolean;
  /** The venue's row of the trading state. */
  view(): VenueView;
  positions(): PositionView[];
  workingOrders(now: number): WorkingOrderWire[];
  /** The last `limit` fills, newest last. */
  recentFills(limit: number): FillWire[];
  /** Positions, working orders and equity as the gate counts them; null before any. */
  riskState(): Omit<RiskState, 'ts'> | null;
  /** Places an order on one of the venue's instruments; the gate may refuse it. */
  order(instrument: string, order: VenueOrder): Promise<OrderOutcome>;
  /** Cancels a working order; false when the venue has no such order. Passes while disarmed. */
  cancel(clientId: string): Promise<boolean>;
  /** Arms with the exact phrase (`arm live trading on <venue>`); a wrong one arms nothing and throws. */
  arm(phrase: string): Promise<void>;
  /** The user disarms: new orders are refused (and the venue's strategy stops where it would pile refusals). */
  disarm(why: string): void;
  /** Stops the venue's strategy (its orders cancelled, the position kept), audited with why. */
  stopStrategy(why: string): void;
  /** The panic button: the strategy stops and every working order is cancelled. */
  panic(why: string): Promise<void>;
  /**
   * The panic's flatten, after `panic`: each open position closed with a reduce-only market
   * order through the gate (passing while disarmed), each audited; refusals are returned.
   */
  flatten(why: string): Promise<FlattenOrder[]>;
  /** A breaker tripped: the strategy stops, the venue disarms and cancels every working order. */
  trip(trip: RiskTrip): Promise<void>;
  /** Every validated live event, as the pipeline accepted it. */
  onMarketEvents(events: readonly MarketEvent[]): void;
  /** The App stops: timers and feeds end, working orders stay as they are. */
  close(): void;
}

/** What a venue reports to the service: audit entries, events for the view, trips, changes. */
export interface VenueReports {
  readonly record: (ts: number, kind: AuditKind, payload: unknown) => void;
  readonly emit: (event: TradingEvent) => void;
  /** A breaker or kill switch fired on this venue: every venue must stop. */
  readonly tripped: (venue: string, trip: RiskTrip) => void;
  /** The state changed: the next state tick publishes it. */
  readonly changed: () => void;
}

/** An error as the one line a log or a refusal shows. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An engine or store order type as the API names it. */
export function wireOrderType(type: string): WorkingOrderWire['type'] {
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
