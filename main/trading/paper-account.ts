import type { Fill, Liquidity, OrderSide } from '../../shared/backtest/orders.js';
import type { SqliteDatabase } from '../storage/database.js';

/**
 * The paper account of the workspace: cash, a position per instrument (average entry,
 * realised PnL) and every fill, written to SQLite as each fill happens. A restart loads it as
 * it was; nothing is replayed. (The paper brokers' own engines start flat on every run: the
 * account, not the engine, is the record of what the paper venue holds.)
 *
 * Accounting is the backtest's: a buy pays price x quantity plus its fee, a sell receives
 * price x quantity minus its fee; realised PnL is booked against the average entry when a
 * position shrinks or flips.
 */

export const PAPER_WORKSPACE = 'paper';
export const DEFAULT_INITIAL_CASH = 100_000;

export interface PaperPosition {
  readonly instrument: string;
  readonly quantity: number;
  /** NaN when flat. */
  readonly avgEntryPrice: number;
  readonly realizedPnl: number;
  /** The last price it was marked at (kept, so a restart values it before the book is back). */
  readonly lastMark: number;
}

export interface PaperFill {
  readonly clientId: string;
  readonly instrument: string;
  readonly side: OrderSide;
  readonly price: number;
  readonly quantity: number;
  readonly fee: number;
  readonly liquidity: Liquidity;
  readonly ts: number;
}

interface PositionRecord {
  instrument: string;
  quantity: number;
  avg_entry_price: number | null;
  realized_pnl: number;
  last_mark: number | null;
}

const EPS = 1e-12;

export class PaperAccount {
  private initial = DEFAULT_INITIAL_CASH;
  private cashHeld = DEFAULT_INITIAL_CASH;
  private fees = 0;
  private readonly positionsBy = new Map<string, PaperPosition>();
  private readonly sql;
  private readonly recordFill: (fill: PaperFill, position: PaperPosition) => void;
  private readonly resetTx: (initialCash: number, ts: number) => void;

  constructor(db: SqliteDatabase, clock: () => number) {
    const w = PAPER_WORKSPACE;
    this.sql = {
      account: db.prepare<[string], { initial_cash: number; cash: number; fees_paid: number }>(
        'SELECT initial_cash, cash, fees_paid FROM paper_account WHERE workspace = ?',
      ),
      saveAccount: db.prepare<[string, number, number, number, number]>(
        `INSERT INTO paper_account (workspace, initial_cash, cash, fees_paid, updated_ts) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (workspace) DO UPDATE SET initial_cash = excluded.initial_cash, cash = excluded.cash,
           fees_paid = excluded.fees_paid, updated_ts = excluded.updated_ts`,
      ),
      positions: db.prepare<[string], PositionRecord>('SELECT * FROM paper_positions WHERE workspace = ?'),
      savePosition: db.prepare<[string, string, number, number | null, number, number | null]>(
        `INSERT INTO paper_positions (workspace, instrument, quantity, avg_entry_price, realized_pnl, last_mark)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (workspace, instrument) DO UPDATE SET quantity = excluded.quantity,
           avg_entry_price = excluded.avg_entry_price, realized_pnl = excluded.realized_pnl,
           last_mark = excluded.last_mark`,
      ),
      insertFill: db.prepare(
        `INSERT INTO paper_fills (workspace, client_id, instrument, side, price, quantity, fee, liquidity, ts)
         VALUES (@workspace, @clientId, @instrument, @side, @price, @quantity, @fee, @liquidity, @ts)`,
      ),
      recentFills: db.prepare<[string, number], PaperFill>(
        `SELECT client_id AS clientId, instrument, side, price, quantity, fee, liquidity, ts
         FROM paper_fills WHERE workspace = ? ORDER BY id DESC LIMIT ?`,
      ),
      clearPositions: db.prepare<[string]>('DELETE FROM paper_positions WHERE workspace = ?'),
      clearFills: db.prepare<[string]>('DELETE FROM paper_fills WHERE workspace = ?'),
    };
    this.recordFill = db.transaction((fill: PaperFill, position: PaperPosition) => {
      this.sql.insertFill.run({ workspace: w, ...fill });
      this.savePosition(position);
      this.sql.saveAccount.run(w, this.initial, this.cashHeld, this.fees, clock());
    });
    this.resetTx = db.transaction((initialCash: number, ts: number) => {
      this.sql.clearPositions.run(w);
      this.sql.clearFills.run(w);
      this.sql.saveAccount.run(w, initialCash, initialCash, 0, ts);
    });
    const stored = this.sql.account.get(w);
    if (stored === undefined) {
      this.sql.saveAccount.run(w, this.initial, this.cashHeld, 0, clock());
    } else {
      this.initial = stored.initial_cash;
      this.cashHeld = stored.cash;
      this.fees = stored.fees_paid;
    }
    for (const r of this.sql.positions.all(w)) {
      this.positionsBy.set(r.instrument, {
        instrument: r.instrument,
        quantity: r.quantity,
        avgEntryPrice: r.avg_entry_price ?? Number.NaN,
        realizedPnl: r.realized_pnl,
        lastMark: r.last_mark ?? Number.NaN,
      });
    }
  }

  get cash(): number {
    return this.cashHeld;
  }

  get initialCash(): number {
    return this.initial;
  }

  get feesPaid(): number {
    return this.fees;
  }

  positions(): PaperPosition[] {
    return [...this.positionsBy.values()];
  }

  position(instrument: string): PaperPosition | undefined {
    return this.positionsBy.get(instrument);
  }

  /** Books one fill of the paper venue and writes it, with the account, in one transaction. */
  apply(instrument: string, fill: Fill): PaperPosition {
    const sign = fill.side === 'buy' ? 1 : -1;
    const old = this.positionsBy.get(instrument);
    const q0 = old?.quantity ?? 0;
    const avg0 = old?.avgEntryPrice ?? Number.NaN;
    let realized = old?.realizedPnl ?? 0;
    const q1 = q0 + sign * fill.quantity;
    let avg1: number;
    if (Math.abs(q0) < EPS || Math.sign(q0) === sign) {
      // Opening or adding: the average entry moves.
      avg1 = (Math.abs(q0) * (Number.isNaN(avg0) ? 0 : avg0) + fill.quantity * fill.price) / Math.abs(q1);
    } else {
      const closed = Math.min(Math.abs(q0), fill.quantity);
      realized += closed * (fill.price - avg0) * Math.sign(q0);
      // Shrinking keeps the entry; a flip opens the rest at this fill's price.
      if (Math.abs(q1) < EPS) avg1 = Number.NaN;
      else avg1 = Math.sign(q1) === Math.sign(q0) ? avg0 : fill.price;
    }
    this.cashHeld -= sign * fill.price * fill.quantity + fill.fee;
    this.fees += fill.fee;
    const next: PaperPosition = {
      instrument,
      quantity: Math.abs(q1) < EPS ? 0 : q1,
      avgEntryPrice: avg1,
      realizedPnl: realized - fill.fee,
      lastMark: fill.price,
    };
    this.positionsBy.set(instrument, next);
    this.recordFill(
      {
        clientId: fill.clientId,
        instrument,
        side: fill.side,
        price: fill.price,
        quantity: fill.quantity,
        fee: fill.fee,
        liquidity: fill.liquidity,
        ts: fill.ts,
      },
      next,
    );
    return next;
  }

  /** Remembers the mark (in memory; written with the next fill or on `saveMarks`). */
  mark(instrument: string, price: number): void {
    const p = this.positionsBy.get(instrument);
    if (p !== undefined && price > 0 && Number.isFinite(price))
      this.positionsBy.set(instrument, { ...p, lastMark: price });
  }

  saveMarks(): void {
    for (const p of this.positionsBy.values()) this.savePosition(p);
  }

  /** Cash plus every position at its last mark. */
  equity(): number {
    let equity = this.cashHeld;
    for (const p of this.positionsBy.values())
      if (p.quantity !== 0 && Number.isFinite(p.lastMark)) equity += p.quantity * p.lastMark;
    return equity;
  }

  recentFills(limit: number): PaperFill[] {
    return this.sql.recentFills.all(PAPER_WORKSPACE, limit);
  }

  /** A fresh account: this much cash, no positions, no fills. */
  reset(initialCash: number, ts: number): void {
    this.resetTx(initialCash, ts);
    this.initial = initialCash;
    this.cashHeld = initialCash;
    this.fees = 0;
    this.positionsBy.clear();
  }

  private savePosition(p: PaperPosition): void {
    this.sql.savePosition.run(
      PAPER_WORKSPACE,
      p.instrument,
      p.quantity,
      Number.isFinite(p.avgEntryPrice) ? p.avgEntryPrice : null,
      p.realizedPnl,
      Number.isFinite(p.lastMark) ? p.lastMark : null,
    );
  }
}
