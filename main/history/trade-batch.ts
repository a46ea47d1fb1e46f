import type { Timeframe } from '../../shared/domain/timeframes.js';

/**
 * Trades or candles parsed from a file or fetched from an exchange, held as columns: a file of
 * millions of rows costs a few arrays, not an object per row, and is checked whole before a
 * single row is written (an import is all or nothing).
 */
export class TradeColumns {
  private size = 0;
  // Typed storage with room to spare, doubled when full: a push is a few stores, where six
  // growing JS arrays cost four times as much, which at 1M trades/s is a quarter of the budget.
  private tsData = new Float64Array(1024);
  private seqData = new Float64Array(1024);
  private priceData = new Float64Array(1024);
  private amountData = new Float64Array(1024);
  private sideData = new Int8Array(1024);
  /** Local receive time in ms, NaN where the source has none (only Tardis files carry one). */
  private receiveTsData = new Float64Array(1024);
  /** The exchange's trade id: a number when the file's id is a plain decimal read from bytes. */
  readonly id: (string | number | null)[] = [];

  get length(): number {
    return this.size;
  }

  // Views of the rows held (no copy: a write through one changes the row).
  get ts(): Float64Array {
    return this.tsData.subarray(0, this.size);
  }

  get seq(): Float64Array {
    return this.seqData.subarray(0, this.size);
  }

  get price(): Float64Array {
    return this.priceData.subarray(0, this.size);
  }

  get amount(): Float64Array {
    return this.amountData.subarray(0, this.size);
  }

  /** 1 = taker buy, -1 = taker sell (the trades table's encoding). */
  get side(): Int8Array {
    return this.sideData.subarray(0, this.size);
  }

  get receiveTs(): Float64Array {
    return this.receiveTsData.subarray(0, this.size);
  }

  /** Empties the columns, keeping their storage: a streamed import refills one batch per chunk. */
  clear(): void {
    this.size = 0;
    this.id.length = 0;
  }

  push(
    ts: number,
    seq: number,
    id: string | number | null,
    price: number,
    amount: number,
    side: number,
    receiveTs = Number.NaN,
  ): void {
    if (this.size === this.tsData.length) this.grow();
    const k = this.size++;
    this.tsData[k] = ts;
    this.seqData[k] = seq;
    this.id.push(id);
    this.priceData[k] = price;
    this.amountData[k] = amount;
    this.sideData[k] = side;
    this.receiveTsData[k] = receiveTs;
  }

  /** Appends rows [start, end) of another batch (typed copies, not a push per row). */
  appendRange(from: TradeColumns, start: number, end: number): void {
    const n = end - start;
    if (n <= 0) return;
    while (this.size + n > this.tsData.length) this.grow();
    const at = this.size;
    this.tsData.set(from.tsData.subarray(start, end), at);
    this.seqData.set(from.seqData.subarray(start, end), at);
    this.priceData.set(from.priceData.subarray(start, end), at);
    this.amountData.set(from.amountData.subarray(start, end), at);
    this.sideData.set(from.sideData.subarray(start, end), at);
    this.receiveTsData.set(from.receiveTsData.subarray(start, end), at);
    for (let i = start; i < end; i++) this.id.push(from.id[i] ?? null);
    this.size += n;
  }

  /**
   * The columns as arrays, read once: the getters above make a view per call, which a loop
   * indexing `rows.ts[i]` would pay for on every row.
   */
  columns(): {
    ts: Float64Array;
    seq: Float64Array;
    id: (string | number | null)[];
    price: Float64Array;
    amount: Float64Array;
    side: Int8Array;
    receiveTs: Float64Array;
  } {
    return {
      ts: this.ts,
      seq: this.seq,
      id: this.id,
      price: this.price,
      amount: this.amount,
      side: this.side,
      receiveTs: this.receiveTs,
    };
  }

  private grow(): void {
    const size = this.tsData.length * 2;
    const grown = <T extends Float64Array | Int8Array>(from: T, to: T): T => {
      to.set(from);
      return to;
    };
    this.tsData = grown(this.tsData, new Float64Array(size));
    this.seqData = grown(this.seqData, new Float64Array(size));
    this.priceData = grown(this.priceData, new Float64Array(size));
    this.amountData = grown(this.amountData, new Float64Array(size));
    this.sideData = grown(this.sideData, new Int8Array(size));
    this.receiveTsData = grown(this.receiveTsData, new Float64Array(size));
  }

  /** A copy in the order of `order` (indices into this). */
  reorder(order: Uint32Array): TradeColumns {
    const next = new TradeColumns();
    for (const i of order) {
      next.push(
        this.tsData[i] ?? 0,
        this.seqData[i] ?? 0,
        this.id[i] ?? null,
        this.priceData[i] ?? 0,
        this.amountData[i] ?? 0,
        this.sideData[i] ?? 0,
        this.receiveTsData[i] ?? Number.NaN,
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
