import type { OrderRequest, OrderSide, OrderType } from '../../../shared/backtest/orders.js';
import type { RiskRefusal, RiskTrip } from '../../../shared/risk/gate.js';
import type { LiveFillRow, LiveOrderState, LiveOrderType } from './order-store.js';

/** What goes into and comes out of the live broker: requests, results and typed events. */

/**
 * An order as the user or a strategy asks for it; the broker chooses the client id. `stop`
 * and `stop_limit` need `stopPrice` (and `stop_limit` its `price`): they are sent as the
 * exchange's own stop orders.
 */
export type LiveOrderRequest = Omit<OrderRequest, 'clientId' | 'goodTillTs'> & {
  readonly type: OrderType;
  /**
   * Who asked, in their own words (a strategy desk's order id): echoed in the `sent` event, so
   * the asker knows its order by the broker's client id before the submit resolves.
   */
  readonly tag?: string;
};

/** How the asker can still withdraw an order while the broker rounds and prices it. */
export interface SubmitGuard {
  /**
   * Read again right before the request leaves (as the armed switch is): false withdraws an
   * order its asker no longer wants (a strategy stopped meanwhile).
   */
  readonly stillWanted: () => boolean;
  /**
   * The panic's flatten: a reduce-only order passes while disarmed, as a cancel does (it can
   * only shrink what is held); the risk gate still decides on it.
   */
  readonly flatten?: boolean;
}

export type LiveSubmitResult =
  | { readonly ok: true; readonly clientId: string; readonly state: LiveOrderState }
  | { readonly ok: false; readonly refusal: RiskRefusal };

export type LiveBrokerEvent =
  | { readonly kind: 'armed'; readonly ts: number; readonly armed: boolean; readonly why: string }
  /** Refused before any request: disarmed, rounding, or the risk gate. */
  | {
      readonly kind: 'refused';
      readonly ts: number;
      readonly symbol: string;
      readonly request: LiveOrderRequest;
      readonly refusal: RiskRefusal;
    }
  | {
      readonly kind: 'sent';
      readonly ts: number;
      readonly symbol: string;
      readonly clientId: string;
      readonly side: OrderSide;
      readonly type: LiveOrderType;
      readonly quantity: number;
      readonly price: number | null;
      readonly stopPrice: number | null;
      /** The request's `tag`, null without one. */
      readonly tag: string | null;
    }
  | {
      readonly kind: 'accepted';
      readonly ts: number;
      readonly symbol: string;
      readonly clientId: string;
      readonly exchangeOrderId: string;
    }
  | {
      readonly kind: 'partially_filled' | 'filled';
      readonly ts: number;
      readonly symbol: string;
      readonly clientId: string;
      readonly fill: LiveFillRow;
      /** Filled so far, this fill included. */
      readonly filled: number;
      readonly remaining: number;
    }
  | {
      readonly kind: 'cancelled' | 'expired';
      readonly ts: number;
      readonly symbol: string;
      readonly clientId: string;
      readonly filled: number;
    }
  /** The exchange said no; `reason` is its message (e.g. `Filter failure: LOT_SIZE`). */
  | {
      readonly kind: 'rejected';
      readonly ts: number;
      readonly symbol: string;
      readonly clientId: string;
      readonly reason: string;
      readonly error: string;
    }
  /** A create got no answer: the order may or may not be on the exchange. */
  | {
      readonly kind: 'in_doubt';
      readonly ts: number;
      readonly symbol: string;
      readonly clientId: string;
      readonly error: string;
    }
  /** The exchange's answer after doubt or absence: a lookup, or a sync's catch-up. */
  | {
      readonly kind: 'reconciled';
      readonly ts: number;
      readonly symbol: string;
      readonly clientId: string | null;
      readonly outcome: 'found' | 'not_placed' | 'caught_up';
      /** Fills recorded by this reconciliation. */
      readonly fills: number;
    }
  | { readonly kind: 'tripped'; readonly trip: RiskTrip };
