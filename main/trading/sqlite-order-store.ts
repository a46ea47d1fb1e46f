import type { Liquidity, OrderSide } from '../../shared/backtest/orders.js';
import type { SqliteDatabase } from '../storage/database.js';
import {
  compareTradeIds,
  type LiveFillRow,
  type LiveOrderPatch,
  type LiveOrderRow,
  type LiveOrderState,
  type LiveOrderStore,
  type LiveOrderType,
} from './live/order-store.js';

/**
 * The live broker's order store in the workspace database (migration 0009's tables; 0011 took
 * stop and stop-limit orders with their stop price): the order row is committed before its
 * request leaves, so a restart finds every order that may be on the exchange and reconciles it
 * instead of sending it again. Same behaviour as MemoryOrderStore.
 */

interface OrderRecord {
  client_id: string;
  exchange: string;
  symbol: string;
  session: string;
  seq: number;
  side: OrderSide;
  type: LiveOrderType;
  time_in_force: 'gtc' | 'ioc';
  post_only: number;
  quantity: number;
  price: number | null;
  stop_price: number | null;
  state: LiveOrderState;
  exchange_order_id: string | null;
  filled: number;
  reason: string | null;
  created_ts: number;
  updated_ts: number;
}

interface FillRecord {
  exchange: string;
  symbol: string;
  trade_id: string;
  client_id: string;
  exchange_order_id: string;
  side: OrderSide;
  price: number;
  quantity: number;
  fee: number;
  fee_currency: string | null;
  liquidity: Liquidity | null;
  ts: number;
}

function orderOf(r: OrderRecord): LiveOrderRow {
  return {
    clientId: r.client_id,
    exchange: r.exchange,
    symbol: r.symbol,
    session: r.session,
    seq: r.seq,
    side: r.side,
    type: r.type,
    timeInForce: r.time_in_force,
    postOnly: r.post_only === 1,
    quantity: r.quantity,
    price: r.price,
    stopPrice: r.stop_price,
    state: r.state,
    exchangeOrderId: r.exchange_order_id,
    filled: r.filled,
    reason: r.reason,
    createdTs: r.created_ts,
    updatedTs: r.updated_ts,
  };
}

function fillOf(r: FillRecord): LiveFillRow {
  return {
    exchange: r.exchange,
    symbol: r.symbol,
    tradeId: r.trade_id,
    clientId: r.client_id,
    exchangeOrderId: r.exchange_order_id,
    side: r.side,
    price: r.price,
    quantity: r.quantity,
    fee: r.fee,
    feeCurrency: r.fee_currency,
    liquidity: r.liquidity,
    ts: r.ts,
  };
}

export class SqliteOrderStore implements LiveOrderStore {
  private readonly sql;

  constructor(private readonly db: SqliteDatabase) {
    this.sql = {
      next: db.prepare<[string], { next: number }>(
        `INSERT INTO live_order_counters (session, next) VALUES (?, 1)
         ON CONFLICT (session) DO UPDATE SET next = next + 1 RETURNING next`,
      ),
      insert: db.prepare(
        `INSERT INTO live_orders (client_id, exchange, symbol, session, seq, side, type, time_in_force,
           post_only, quantity, price, stop_price, state, exchange_order_id, filled, reason, created_ts,
           updated_ts)
         VALUES (@client_id, @exchange, @symbol, @session, @seq, @side, @type, @time_in_force,
           @post_only, @quantity, @price, @stop_price, @state, @exchange_order_id, @filled, @reason,
           @created_ts, @updated_ts)`,
      ),
      update: db.prepare(
        `UPDATE live_orders SET state = @state, exchange_order_id = @exchange_order_id, filled = @filled,
           reason = @reason, updated_ts = @updated_ts WHERE client_id = @client_id`,
      ),
      order: db.prepare<[string], OrderRecord>('SELECT * FROM live_orders WHERE client_id = ?'),
      byExchangeId: db.prepare<[string, string, string], OrderRecord>(
        'SELECT * FROM live_orders WHERE exchange = ? AND symbol = ? AND exchange_order_id = ?',
      ),
      orders: db.prepare<[string], OrderRecord>(
        'SELECT * FROM live_orders WHERE exchange = ? ORDER BY rowid',
      ),
      addFill: db.prepare(
        `INSERT OR IGNORE INTO live_fills (exchange, symbol, trade_id, client_id, exchange_order_id, side,
           price, quantity, fee, fee_currency, liquidity, ts)
         VALUES (@exchange, @symbol, @trade_id, @client_id, @exchange_order_id, @side,
           @price, @quantity, @fee, @fee_currency, @liquidity, @ts)`,
      ),
      fills: db.prepare<[string], FillRecord>('SELECT * FROM live_fills WHERE exchange = ?'),
      fillsOf: db.prepare<[string, string], FillRecord>(
        'SELECT * FROM live_fills WHERE exchange = ? AND symbol = ?',
      ),
    };
  }

  nextSequence(session: string): number {
    const row = this.sql.next.get(session);
    if (row === undefined) throw new Error(`no counter for session ${session}`);
    return row.next;
  }

  insertOrder(row: LiveOrderRow): void {
    if (this.order(row.clientId) !== undefined) throw new Error(`order ${row.clientId} already stored`);
    this.sql.insert.run({
      client_id: row.clientId,
      exchange: row.exchange,
      symbol: row.symbol,
      session: row.session,
      seq: row.seq,
      side: row.side,
      type: row.type,
      time_in_force: row.timeInForce,
      post_only: row.postOnly ? 1 : 0,
      quantity: row.quantity,
      price: row.price,
      stop_price: row.stopPrice,
      state: row.state,
      exchange_order_id: row.exchangeOrderId,
      filled: row.filled,
      reason: row.reason,
      created_ts: row.createdTs,
      updated_ts: row.updatedTs,
    });
  }

  updateOrder(clientId: string, patch: LiveOrderPatch): LiveOrderRow {
    const row = this.order(clientId);
    if (row === undefined) throw new Error(`no stored order ${clientId}`);
    const next: LiveOrderRow = { ...row, ...patch };
    this.sql.update.run({
      client_id: clientId,
      state: next.state,
      exchange_order_id: next.exchangeOrderId,
      filled: next.filled,
      reason: next.reason,
      updated_ts: next.updatedTs,
    });
    return next;
  }

  order(clientId: string): LiveOrderRow | undefined {
    const r = this.sql.order.get(clientId);
    return r === undefined ? undefined : orderOf(r);
  }

  orderByExchangeId(exchange: string, symbol: string, exchangeOrderId: string): LiveOrderRow | undefined {
    const r = this.sql.byExchangeId.get(exchange, symbol, exchangeOrderId);
    return r === undefined ? undefined : orderOf(r);
  }

  orders(exchange: string, states?: readonly LiveOrderState[]): LiveOrderRow[] {
    const rows = this.sql.orders.all(exchange).map(orderOf);
    return states === undefined ? rows : rows.filter((row) => states.includes(row.state));
  }

  addFill(row: LiveFillRow): boolean {
    const result = this.sql.addFill.run({
      exchange: row.exchange,
      symbol: row.symbol,
      trade_id: row.tradeId,
      client_id: row.clientId,
      exchange_order_id: row.exchangeOrderId,
      side: row.side,
      price: row.price,
      quantity: row.quantity,
      fee: row.fee,
      fee_currency: row.feeCurrency,
      liquidity: row.liquidity,
      ts: row.ts,
    });
    return result.changes === 1;
  }

  fills(exchange: string, symbol?: string): LiveFillRow[] {
    const rows = symbol === undefined ? this.sql.fills.all(exchange) : this.sql.fillsOf.all(exchange, symbol);
    return rows.map(fillOf).sort((a, b) => a.ts - b.ts || compareTradeIds(a.tradeId, b.tradeId));
  }
}
