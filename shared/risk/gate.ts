import type { OrderIntent, OrderSide } from '../backtest/orders.js';

/**
 * The contract between whoever sends orders (the paper broker, the live broker) and whoever
 * has the last word on them (the risk manager). Every intent is checked BEFORE it reaches a
 * venue; a refusal carries the limit, the value the order would reach and the boundary, so
 * the user sees why.
 */

/** A position as the risk manager values it: signed base quantity marked at `mark` (quote). */
export interface RiskPosition {
  readonly instrument: string;
  readonly quantity: number;
  readonly mark: number;
}

/** An order still working (pending, open or partially filled). */
export interface RiskOpenOrder {
  readonly instrument: string;
  readonly clientId: string;
  readonly side: OrderSide;
  /** Total quantity, filled part included. */
  readonly quantity: number;
  readonly remaining: number;
  /** Limit price; NaN for market and stop orders (valued at the mark). */
  readonly price: number;
}

/** What the gate sees when it decides: the book of positions and orders, and the account. */
export interface RiskState {
  /** Market time (ms UTC): the orders-per-minute window and the trading day run on it. */
  readonly ts: number;
  /** Cash plus marked positions (quote). */
  readonly equity: number;
  readonly positions: readonly RiskPosition[];
  readonly openOrders: readonly RiskOpenOrder[];
}

/** An intent on its way to a venue, with the instrument and the price that values it. */
export interface GatedIntent {
  readonly instrument: string;
  readonly intent: OrderIntent;
  /** Limit price of a limit order, else the current mark: what one unit costs. */
  readonly price: number;
}

/** Every limit a refusal or a trip can name. */
export type RiskLimitName =
  | 'disarmed'
  | 'breaker_tripped'
  | 'max_order_quantity'
  | 'max_order_notional'
  | 'max_position'
  | 'max_notional'
  | 'max_gross_notional'
  | 'max_orders_per_minute'
  | 'max_daily_loss'
  | 'max_drawdown'
  | 'concentration'
  | 'invalid_order';

export interface RiskRefusal {
  readonly ok: false;
  readonly limit: RiskLimitName;
  /** What the order would bring the limited quantity to. */
  readonly value: number;
  /** The limit's boundary (allowed up to and including it). */
  readonly boundary: number;
  /** One sentence for the user, naming the limit, the value and the boundary. */
  readonly reason: string;
}

export type RiskVerdict = { readonly ok: true } | RiskRefusal;

/** A circuit breaker or kill switch fired: the host disarms and cancels every open order. */
export interface RiskTrip {
  readonly limit: 'max_daily_loss' | 'max_drawdown';
  readonly ts: number;
  readonly value: number;
  readonly boundary: number;
  readonly reason: string;
  readonly actions: readonly ['disarm', 'cancel_all'];
}

export interface RiskGate {
  /**
   * Decides one intent. An allowed submit or replace counts as sent (orders-per-minute), so
   * call it once per intent, right before sending.
   */
  check(intent: GatedIntent, state: RiskState): RiskVerdict;
  /** Sees the account after market moves and fills; returns a trip the first time one fires. */
  observe?(state: RiskState): RiskTrip | null;
  /** The user re-arms after a trip. */
  rearm?(): void;
}

/** Lets everything through: for backtest parity and tests, never for trading. */
export const allowAll: RiskGate = {
  check: () => ({ ok: true }),
};

export function refusal(limit: RiskLimitName, value: number, boundary: number, what: string): RiskRefusal {
  return {
    ok: false,
    limit,
    value,
    boundary,
    reason: `${limit}: ${what} would be ${formatNumber(value)}, limit ${formatNumber(boundary)}`,
  };
}

/** Up to 8 significant digits, no trailing zeros: refusals are read by people. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(8)));
}
