import type { OrderRequest, OrderSide, OrderType, TimeInForce } from '../../shared/backtest/orders.js';
import type { SqliteDatabase } from '../storage/database.js';

/**
 * The paper venue's working orders, kept as they change so a restart can put the resting ones
 * back (migration 0012). The paper engine is the truth while the process runs; this is its
 * record, written on every order event, never read back except at start.
 */

/** The user's orders (manual, or restored ones) and a strategy's. */
export type PaperOrderOwner = 'manual' | 'strategy';

export interface PaperOrderRow {
  readonly clientId: string;
  readonly instrument: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  /** Total quantity of the order as the engine holds it now. */
  readonly quantity: number;
  readonly filled: number;
  readonly price: number | null;
  readonly stopPrice: number | null;
  readonly timeInForce: TimeInForce;
  readonly postOnly: boolean;
  readonly reduceOnly: boolean;
  readonly goodTillTs: number | null;
  readonly owner: PaperOrderOwner;
  /** Market time the order was first sent (kept across restores). */
  readonly createdTs: number;
}

export interface PaperOrderStore {
  /** Inserts, or replaces an order sent again (restored or carried): its first time is kept. */
  put(row: PaperOrderRow): void;
  filled(clientId: string, quantity: number): void;
  /** A stop order triggered: a stop is now a market order, a stop-limit a limit order. */
  triggered(clientId: string): void;
  replaced(clientId: string, price: number, quantity: number): void;
  remove(clientId: string): void;
  /** Every stored order, oldest first. */
  all(): PaperOrderRow[];
}

/** The row of an order as it is sent. */
export function paperOrderRow(
  instrument: string,
  order: OrderRequest,
  owner: PaperOrderOwner,
  ts: number,
): PaperOrderRow {
  return {
    clientId: order.clientId,
    instrument,
    side: order.side,
    type: order.type,
    quantity: order.quantity,
    filled: 0,
    price: order.price ?? null,
    stopPrice: order.stopPrice ?? null,
    timeInForce: order.timeInForce ?? 'gtc',
    postOnly: order.postOnly ?? false,
    reduceOnly: order.reduceOnly ?? false,
    goodTillTs: order.goodTillTs ?? null,
    owner,
    createdTs: ts,
  };
}

/** The remaining part of a stored order as a new request to an engine, same client id. */
export function restingRequest(row: PaperOrderRow): OrderRequest {
  return {
    clientId: row.clientId,
    side: row.side,
    type: row.type,
    quantity: row.quantity - row.filled,
    ...(row.price === null ? {} : { price: row.price }),
    ...(row.stopPrice === null ? {} : { stopPrice: row.stopPrice }),
    timeInForce: row.timeInForce,
    ...(row.postOnly ? { postOnly: true } : {}),
    ...(row.reduceOnly ? { reduceOnly: true } : {}),
    ...(row.goodTillTs === null ? {} : { goodTillTs: row.goodTillTs }),
  };
}

/**
 * Why a stored order is not put back on the book at a restart, or null when it is. Only
 * resting orders come back: a market or IOC order in flight when the App stopped belongs to a
 * moment that has passed, and a strategy's order to a strategy that decides again.
 */
export function notRestored(row: PaperOrderRow, now: number): string | null {
  if (row.owner === 'strategy')
    return 'placed by a strategy: a resumed strategy decides again from its position';
  if (row.type === 'market') return 'a market order in flight at shutdown is not sent again';
  if (row.timeInForce === 'ioc') return 'an IOC order in flight at shutdown is not sent again';
  if (!(row.quantity - row.filled > 0)) return 'nothing left to fill';
  if (row.goodTillTs !== null && row.goodTillTs <= now) return 'expired while the App was closed';
  return null;
}

interface Record {
  client_id: string;
  instrument: string;
  side: OrderSide;
  type: OrderType;
  quantity: number;
  filled: number;
  price: number | null;
  stop_price: number | null;
  time_in_force: TimeInForce;
  post_only: number;
  reduce_only: number;
  good_till_ts: number | null;
  owner: PaperOrderOwner;
  created_ts: number;
}

export class SqlitePaperOrders implements PaperOrderStore {
  private readonly sql;

  constructor(db: SqliteDatabase) {
    this.sql = {
      put: db.prepare(
        `INSERT INTO paper_orders (client_id, instrument, side, type, quantity, filled, price, stop_price,
           time_in_force, post_only, reduce_only, good_till_ts, owner, created_ts)
         VALUES (@clientId, @instrument, @side, @type, @quantity, @filled, @price, @stopPrice,
           @timeInForce, @postOnly, @reduceOnly, @goodTillTs, @owner, @createdTs)
         ON CONFLICT (client_id) DO UPDATE SET instrument = excluded.instrument, side = excluded.side,
           type = excluded.type, quantity = excluded.quantity, filled = excluded.filled,
           price = excluded.price, stop_price = excluded.stop_price,
           time_in_force = excluded.time_in_force, post_only = excluded.post_only,
           reduce_only = excluded.reduce_only, good_till_ts = excluded.good_till_ts,
           owner = excluded.owner`,
      ),
      filled: db.prepare<[number, string]>('UPDATE paper_orders SET filled = filled + ? WHERE client_id = ?'),
      triggered: db.prepare<[string]>(
        `UPDATE paper_orders SET type = CASE type WHEN 'stop' THEN 'market' WHEN 'stop_limit' THEN 'limit' ELSE type END
         WHERE client_id = ?`,
      ),
      replaced: db.prepare<[number | null, number, string]>(
        'UPDATE paper_orders SET price = ?, quantity = ? WHERE client_id = ?',
      ),
      remove: db.prepare<[string]>('DELETE FROM paper_orders WHERE client_id = ?'),
      all: db.prepare<[], Record>('SELECT * FROM paper_orders ORDER BY created_ts, rowid'),
    };
  }

  put(row: PaperOrderRow): void {
    this.sql.put.run({ ...row, postOnly: row.postOnly ? 1 : 0, reduceOnly: row.reduceOnly ? 1 : 0 });
  }

  filled(clientId: string, quantity: number): void {
    this.sql.filled.run(quantity, clientId);
  }

  triggered(clientId: string): void {
    this.sql.triggered.run(clientId);
  }

  replaced(clientId: string, price: number, quantity: number): void {
    // A market order has no limit price (NaN in the engine): it keeps none.
    this.sql.replaced.run(Number.isFinite(price) ? price : null, quantity, clientId);
  }

  remove(clientId: string): void {
    this.sql.remove.run(clientId);
  }

  all(): PaperOrderRow[] {
    return this.sql.all.all().map((r) => ({
      clientId: r.client_id,
      instrument: r.instrument,
      side: r.side,
      type: r.type,
      quantity: r.quantity,
      filled: r.filled,
      price: r.price,
      stopPrice: r.stop_price,
      timeInForce: r.time_in_force,
      postOnly: r.post_only === 1,
      reduceOnly: r.reduce_only === 1,
      goodTillTs: r.good_till_ts,
      owner: r.owner,
      createdTs: r.created_ts,
    }));
  }
}

/** The store in memory, for a venue without a database (tests). */
export class MemoryPaperOrders implements PaperOrderStore {
  private readonly rows = new Map<string, PaperOrderRow>();

  put(row: PaperOrderRow): void {
    const old = this.rows.get(row.clientId);
    this.rows.set(row.clientId, old === undefined ? row : { ...row, createdTs: old.createdTs });
  }

  filled(clientId: string, quantity: number): void {
    const row = this.rows.get(clientId);
    if (row !== undefined) this.rows.set(clientId, { ...row, filled: row.filled + quantity });
  }

  triggered(clientId: string): void {
    const row = this.rows.get(clientId);
    if (row === undefined) return;
    const type = row.type === 'stop' ? 'market' : row.type === 'stop_limit' ? 'limit' : row.type;
    this.rows.set(clientId, { ...row, type });
  }

  replaced(clientId: string, price: number, quantity: number): void {
    const row = this.rows.get(clientId);
    if (row !== undefined)
      this.rows.set(clientId, { ...row, price: Number.isFinite(price) ? price : null, quantity });
  }

  remove(clientId: string): void {
    this.rows.delete(clientId);
  }

  all(): PaperOrderRow[] {
    return [...this.rows.values()].sort((a, b) => a.createdTs - b.createdTs);
  }
}
