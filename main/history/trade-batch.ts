import type { Timeframe } from '../../shared/domain/timeframes.js';

/**
 * Trades or candles parsed from a file or fetched from an exchange, held as columns: a file of
 * millions of rows costs a few arrays, not an object per row, and is checked whole before a
 * single row is written (an import is all or nothing).
 */
export class TradeColumns {
  readonly ts: number[] = [];
  readonly seq: number[] = [];
  readonly id: (string | null)[] = [];
  readonly price: number[] = [];
  readonly amount: number[] = [];
  /** 1 = taker buy, -1 = taker sell (the trades table's encoding). */
  readonly side: number[] = [];
  /** Local receive time in ms, NaN where the source has none (only Tardis files carry one). */
  readonly receiveTs: number[] = [];

  get length(): number {
    return this.ts.length;
  }

  /** Empties the columns, keeping the arrays: a streamed import refills one batch per chunk. */
  clear(): void {
    this.ts.length = 0;
    this.seq.length = 0;
    this.id.length = 0;
    this.price.length = 0;
    this.amount.length = 0;
    this.side.length = 0;
    this.receiveTs.length = 0;
  }

  push(
    ts: number,
    seq: number,
    id: string | null,
    price: number,
    amount: number,
    side: number,
    receiveTs = Number.NaN,
  ): void {
    this.ts.push(ts);
    this.seq.push(seq);
    this.id.push(id);
    this.price.push(price);
    this.amount.push(amount);
    this.side.push(side);
    this.receiveTs.push(receiveTs);
  }

  /** A copy in the order of `order` (indices into this). */
  reorder(order: Uint32Array): TradeColumns {
    const next = new TradeColumns();
    for (const i of order) {
      next.push(
        this.ts[i] ?? 0,
        this.seq[i] ?? 0,
        this.id[i] ?? null,
        this.price[i] ?? 0,
        this.amount[i] ?? 0,
        this.side[i] ?? 0,
        this.receiveTs[i] ?? Number.NaN,
      );
    }
    return next;
  }
}

export class CandleColumns {
  readonly openTime: number[] = [];
  readonly open: number[] = [];
  readonly high: number[] = [];
  readonly low: number[] = [];
  readonly close: number[] = [];
  readonly volume: number[] = [];
  readonly quoteVolume: number[] = [];
  readonly trades: number[] = [];

  constructor(readonly timeframe: Timeframe) {}

  get length(): number {
    return this.openTime.length;
  }

  clear(): void {
    this.openTime.length = 0;
    this.open.length = 0;
    this.high.length = 0;
    this.low.length = 0;
    this.close.length = 0;
    this.volume.length = 0;
    this.quoteVolume.length = 0;
    this.trades.length = 0;
  }

  push(
    openTime: number,
    open: number,
    high: number,
    low: number,
    close: number,
    volume: number,
    quoteVolume: number,
    trades: number,
  ): void {
    this.openTime.push(openTime);
    this.open.push(open);
    this.high.push(high);
    this.low.push(low);
    this.close.push(close);
    this.volume.push(volume);
    this.quoteVolume.push(quoteVolume);
    this.trades.push(trades);
  }
}

/** What an import or a backfill page holds. */
export type MarketRows =
  | { readonly kind: 'trades'; readonly rows: TradeColumns }
  | { readonly kind: 'candles'; readonly rows: CandleColumns };

/** Time range [from, to] (inclusive, ms) of the rows, or null when empty. */
export function rowsRange(data: MarketRows): { from: number; to: number } | null {
  const times = data.kind === 'trades' ? data.rows.ts : data.rows.openTime;
  if (times.length === 0) return null;
  let from = Number.MAX_SAFE_INTEGER;
  let to = 0;
  for (const ts of times) {
    if (ts < from) from = ts;
    if (ts > to) to = ts;
  }
  return { from, to };
}
