import type { Liquidity, OrderSide } from '../../../shared/backtest/orders.js';
import type { SequenceSource } from './client-order-id.js';

/**
 * What the live broker remembers about its orders and fills, and must remember across a crash:
 * an order is written (state `sending`) BEFORE its request leaves, so a restart knows it may
 * be on the exchange and looks for it by client id instead of sending it again.
 *
 * The shape is SQLite's: flat rows of numbers, strings and nulls, the client id as the
 * order's primary key, (exchange, symbol, tradeId) as a fill's, and one counter row per
 * session for client ids. `MemoryOrderStore` is the same contract in memory for tests.
 */

/**
 * - `sending`: persisted, the create request is leaving or in flight;
 * - `in_doubt`: the create request failed without an answer (timeout, dropped connection):
 *   the order may or may not be on the exchange until a lookup by client id says;
 * - `not_placed`: a lookup proved the exchange never accepted it (and no longer can);
 * - the rest are the exchange's states.
 */
export type LiveOrderState =
  | 'sending'
  | 'in_doubt'
  | 'open'
  | 'partially_filled'
  | 'filled'
  | 'cancelled'
  | 'expired'
  | 'rejected'
  | 'not_placed';

/** States in which an order may still trade (or may be on the exchange at all). */
export const WORKING_STATES: readonly LiveOrderState[] = ['sending', 'in_doubt', 'open', 'partially_filled'];

export function isWorking(state: LiveOrderState): boolean {
  return WORKING_STATES.includes(state);
}

/**
 * The engine's order types (shared/backtest/orders.ts). A `stop` is a market order on trigger
 * (Binance spot STOP_LOSS), a `stop_limit` a limit order on trigger (STOP_LOSS_LIMIT); both
 * rest on the exchange untriggered, so they protect while the workstation is closed.
 */
export type LiveOrderType = 'market' | 'limit' | 'stop' | 'stop_limit';

export interface LiveOrderRow {
  readonly clientId: string;
  readonly exchange: string;
  readonly symbol: string;
  readonly session: string;
  readonly seq: number;
  readonly side: OrderSide;
  readonly type: LiveOrderType;
  readonly timeInForce: 'gtc' | 'ioc';
  readonly postOnly: boolean;
  /** Base quantity as sent (already rounded to the market). */
  readonly quantity: number;
  /** Limit price as sent; null for a market or stop order. */
  readonly price: number | null;
  /** Trigger price as sent (rounded to the tick); null unless a stop or stop-limit order. */
  readonly stopPrice: number | null;
  readonly state: LiveOrderState;
  readonly exchangeOrderId: string | null;
  /** Filled quantity as the exchange last reported it. */
  readonly filled: number;
  /** The exchange's reason for a rejection, or why the broker gave the order up. */
  readonly reason: string | null;
  /** Host clock (ms) when the order was written, before sending. */
  readonly createdTs: number;
  readonly updatedTs: number;
}

export interface LiveFillRow {
  readonly exchange: string;
  readonly symbol: string;
  /** The exchange's trade id: a fill seen twice (order response, then myTrades) is one fill. */
  readonly tradeId: string;
  readonly clientId: string;
  readonly exchangeOrderId: string;
  readonly side: OrderSide;
  readonly price: number;
  readonly quantity: number;
  /** Commission as charged, in `feeCurrency` (Binance charges the asset received). */
  readonly fee: number;
  readonly feeCurrency: string | null;
  readonly liquidity: Liquidity | null;
  /** Exchange time of the fill (ms). */
  readonly ts: number;
}

export type LiveOrderPatch = Partial<
  Pick<LiveOrderRow, 'state' | 'exchangeOrderId' | 'filled' | 'reason' | 'updatedTs'>
>;

export interface LiveOrderStore extends SequenceSource {
  /** Writes a new order; an existing client id is an error (ids are never reused). */
  insertOrder(row: LiveOrderRow): void;
  updateOrder(clientId: string, patch: LiveOrderPatch): LiveOrderRow;
  order(clientId: string): LiveOrderRow | undefined;
  orderByExchangeId(exchange: string, symbol: string, exchangeOrderId: string): LiveOrderRow | undefined;
  /** Orders of an exchange, oldest first; only those in `states` when given. */
  orders(exchange: string, states?: readonly LiveOrderState[]): LiveOrderRow[];
  /** Records a fill; false when its trade id is already known (nothing written). */
  addFill(row: LiveFillRow): boolean;
  /** Fills of an exchange (and symbol), in exchange time then trade id order. */
  fills(exchange: string, symbol?: string): LiveFillRow[];
}

/** The order store in memory: for tests, and the reference behaviour of a SQLite one. */
export class MemoryOrderStore implements LiveOrderStore {
  private readonly counters = new Map<string, number>();
  private readonly orderRows = new Map<string, LiveOrderRow>();
  private readonly fillRows = new Map<string, LiveFillRow>();

  nextSequence(session: string): number {
    const next = (this.counters.get(session) ?? 0) + 1;
    this.counters.set(session, next);
    return next;
  }

  insertOrder(row: LiveOrderRow): void {
    if (this.orderRows.has(row.clientId)) throw new Error(`order ${row.clientId} already stored`);
    this.orderRows.set(row.clientId, { ...row });
  }

  updateOrder(clientId: string, patch: LiveOrderPatch): LiveOrderRow {
    const row = this.orderRows.get(clientId);
    if (row === undefined) throw new Error(`no stored order ${clientId}`);
    const next: LiveOrderRow = { ...row, ...patch };
    this.orderRows.set(clientId, next);
    return next;
  }

  order(clientId: string): LiveOrderRow | undefined {
    return this.orderRows.get(clientId);
  }

  orderByExchangeId(exchange: string, symbol: string, exchangeOrderId: string): LiveOrderRow | undefined {
    for (const row of this.orderRows.values())
      if (row.exchange === exchange && row.symbol === symbol && row.exchangeOrderId === exchangeOrderId)
        return row;
    return undefined;
  }

  orders(exchange: string, states?: readonly LiveOrderState[]): LiveOrderRow[] {
    return [...this.orderRows.values()].filter(
      (row) => row.exchange === exchange && (states === undefined || states.includes(row.state)),
    );
  }

  addFill(row: LiveFillRow): boolean {
    const key = `${row.exchange}\u0000${row.symbol}\u0000${row.tradeId}`;
    if (this.fillRows.has(key)) return false;
    this.fillRows.set(key, { ...row });
    return true;
  }

  fills(exchange: string, symbol?: string): LiveFillRow[] {
    return [...this.fillRows.values()]
      .filter((row) => row.exchange === exchange && (symbol === undefined || row.symbol === symbol))
      .sort((a, b) => a.ts - b.ts || compareTradeIds(a.tradeId, b.tradeId));
  }
}

/** Numeric ids (Binance's) compare as numbers, others as text. */
export function compareTradeIds(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}
