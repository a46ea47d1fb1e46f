import type { Trade } from '../../shared/domain/market.js';
import type { SqliteDatabase } from './database.js';
import {
  TradeBlock,
  decodeTradeChunk,
  encodeTradeChunk,
  idRange,
  numericId,
  type TradeRunColumns,
} from './trade-chunk-codec.js';

/**
 * Most trades in one chunk. Larger chunks waste less of their last overflow page (about half a
 * 4 KiB page each: 0.5 B/trade at 4096) but the open chunk is re-encoded on every recorder
 * flush that appends to it, which costs O(chunk): 4096 keeps that well under a millisecond.
 */
export const CHUNK_MAX_TRADES = 4096;
/** Longest market time one chunk covers, so a quiet market's open chunk is closed within the hour. */
export const CHUNK_SPAN_MS = 3_600_000;
/**
 * How far in market time a text trade id (not a plain decimal, e.g. Bybit's UUIDs) is looked
 * for among stored trades: a resend after a reconnect comes within seconds to minutes of the
 * original, and text ids have no order that would let an index over chunks find them.
 */
export const TEXT_ID_WINDOW_MS = 15 * 60_000;
/** Chunk rows fetched per read statement: reads never hold a statement open across a visitor. */
const PAGE_ROWS = 8;

interface ChunkMeta {
  rowid: number;
  first_ts: number;
  first_seq: number;
  last_ts: number;
  last_seq: number;
  count: number;
}

interface ChunkRow {
  first_ts: number;
  first_seq: number;
  last_ts: number;
  trades: Buffer;
}

type ChunkRowWithMeta = ChunkMeta & { trades: Buffer };

/**
 * Trades being merged before they are encoded: typed columns with a capacity, filled by index
 * (one shape, so the copy loops stay monomorphic), ids already as their keys (idKey), so the
 * text of an id is parsed once per write, not once per step.
 */
class TradeRun implements TradeRunColumns {
  length = 0;
  ts: Float64Array;
  seq: Float64Array;
  id: (string | number | null)[];
  price: Float64Array;
  amount: Float64Array;
  side: Int8Array;
  receiveTs: Float64Array;

  constructor(capacity: number) {
    const size = Math.max(16, capacity);
    this.ts = new Float64Array(size);
    this.seq = new Float64Array(size);
    // Grown by index as trades are appended: no holes, no prefill.
    this.id = [];
    this.price = new Float64Array(size);
    this.amount = new Float64Array(size);
    this.side = new Int8Array(size);
    this.receiveTs = new Float64Array(size);
  }

  private grow(): void {
    const size = this.ts.length * 2;
    const copy = <T extends Float64Array | Int8Array>(from: T, to: T): T => {
      to.set(from);
      return to;
    };
    this.ts = copy(this.ts, new Float64Array(size));
    this.seq = copy(this.seq, new Float64Array(size));
    this.price = copy(this.price, new Float64Array(size));
    this.amount = copy(this.amount, new Float64Array(size));
    this.side = copy(this.side, new Int8Array(size));
    this.receiveTs = copy(this.receiveTs, new Float64Array(size));
  }

  /** Append trade i of another run (same shape: ids already keys). */
  pushFrom(run: TradeRun, i: number): void {
    if (this.length === this.ts.length) this.grow();
    const k = this.length++;
    this.ts[k] = run.ts[i] ?? Number.NaN;
    this.seq[k] = run.seq[i] ?? Number.NaN;
    this.id[k] = run.id[i] ?? null;
    this.price[k] = run.price[i] ?? Number.NaN;
    this.amount[k] = run.amount[i] ?? Number.NaN;
    this.side[k] = run.side[i] ?? 0;
    this.receiveTs[k] = run.receiveTs[i] ?? Number.NaN;
  }

  /** Append every trade of a decoded chunk. */
  pushBlock(block: TradeBlock, from = 0): void {
    for (let i = from; i < block.length; i++) {
      if (this.length === this.ts.length) this.grow();
      const k = this.length++;
      this.ts[k] = block.ts[i] ?? Number.NaN;
      this.seq[k] = block.seq[i] ?? Number.NaN;
      this.id[k] = block.idKeyAt(i);
      this.price[k] = block.price[i] ?? Number.NaN;
      this.amount[k] = block.amount[i] ?? Number.NaN;
      this.side[k] = block.side[i] ?? 0;
      this.receiveTs[k] = block.receiveTs[i] ?? Number.NaN;
    }
  }

  /** The trades run[from, to) in the order given by `order` (absolute indices). */
  static of(run: TradeRunColumns, order: Uint32Array): TradeRun {
    const out = new TradeRun(order.length);
    const receive = run.receiveTs;
    for (let k = 0; k < order.length; k++) {
      const i = order[k] ?? 0;
      out.ts[k] = run.ts[i] ?? Number.NaN;
      out.seq[k] = run.seq[i] ?? Number.NaN;
      out.id[k] = idKey(run.id[i] ?? null);
      out.price[k] = run.price[i] ?? Number.NaN;
      out.amount[k] = run.amount[i] ?? Number.NaN;
      out.side[k] = run.side[i] ?? 0;
      out.receiveTs[k] = receive === null ? Number.NaN : (receive[i] ?? Number.NaN);
    }
    out.length = order.length;
    return out;
  }
}

/** The key a trade id is compared by: a number, the text, or null (no id: never a duplicate). */
function idKey(id: string | number | null): number | string | null {
  const numeric = numericId(id);
  if (numeric !== null) return numeric;
  return id === null || id === '' ? null : String(id);
}

/** First index in block[from, to) whose ts is >= t (binary search: ts is ordered). */
function lowerBound(ts: Float64Array, from: number, to: number, t: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ts[mid] ?? 0) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Reads the trades of one instrument in [from, to) chunk by chunk, in (ts, seq) order. Each
 * step decodes one chunk into the same `block` (typed columns, reused), so memory stays one
 * chunk whatever the range; `index`..`end` is the part of the block inside the range.
 *
 *   while (cursor.nextBlock()) for (let i = cursor.index; i < cursor.end; i++) use(cursor.block.price[i])
 *
 * A merging reader may instead advance `index` itself and call `current()`.
 */
export class TradeCursor {
  readonly block = new TradeBlock();
  index = 0;
  end = 0;
  private rows: ChunkRow[] = [];
  private rowAt = 0;
  private afterTs: number;
  private afterSeq: number;
  private exhausted = false;

  constructor(
    private readonly page: (key: number, afterTs: number, afterSeq: number, to: number) => ChunkRow[],
    private readonly key: number,
    private readonly from: number,
    private readonly to: number,
    start: { ts: number; seq: number },
  ) {
    this.afterTs = start.ts;
    this.afterSeq = start.seq;
  }

  /** Decode the next chunk with trades in the range; false when there is none. */
  nextBlock(): boolean {
    for (;;) {
      if (this.rowAt >= this.rows.length) {
        if (this.exhausted) return false;
        this.rows = this.page(this.key, this.afterTs, this.afterSeq, this.to);
        this.rowAt = 0;
        if (this.rows.length < PAGE_ROWS) this.exhausted = true;
        if (this.rows.length === 0) return false;
        const last = this.rows[this.rows.length - 1];
        if (last !== undefined) {
          this.afterTs = last.first_ts;
          this.afterSeq = last.first_seq;
        }
      }
      const row = this.rows[this.rowAt++];
      if (row === undefined) continue;
      const block = decodeTradeChunk(row.trades, this.block);
      this.index = row.first_ts >= this.from ? 0 : lowerBound(block.ts, 0, block.length, this.from);
      this.end =
        row.last_ts < this.to ? block.length : lowerBound(block.ts, this.index, block.length, this.to);
      if (this.index < this.end) return true;
    }
  }

  /** True while a trade is at `index` (loading the next chunk when this one is used up). */
  current(): boolean {
    return this.index < this.end || this.nextBlock();
  }
}

/**
 * Every trade of the workspace, stored as packed column chunks (trade-chunk-codec.ts) per
 * instrument: migration 0014's `trade_chunks`. The one place that reads or writes trades.
 *
 * Invariant: the chunks of an instrument never overlap in (ts, seq), so a range is read by
 * walking chunks in key order with no merge, and at most one chunk straddles any time.
 *
 * Duplicates (an exchange resends after a reconnect) are rejected without an index on every
 * trade: a trade is a duplicate when a stored trade of the instrument has the same (ts, seq) or
 * the same id. Same (ts, seq) can only be in the chunks whose ts span touches the batch's, so a
 * write reads just those (for live recording: the open chunk at the tail), merges, and
 * rewrites them. A numeric id is looked for in the chunks whose [min_id, max_id] holds it (an
 * index over chunks, not trades); a text id (not a plain decimal) within TEXT_ID_WINDOW_MS. Appends past the tail (the per-instrument watermark) fill the open
 * chunk until it has CHUNK_MAX_TRADES.
 */
export class TradeStore {
  private readonly sql;
  private readonly scratch = new TradeBlock();
  private readonly group = new GroupKeys();

  constructor(readonly db: SqliteDatabase) {
    this.sql = {
      // Walked newest first from maxTs and stopped at the first chunk ending before minTs.
      touchingDesc: db.prepare<[number, number], ChunkRowWithMeta>(
        `SELECT rowid, first_ts, first_seq, last_ts, last_seq, count, trades FROM trade_chunks
         WHERE instrument = ? AND first_ts <= ? ORDER BY first_ts DESC, first_seq DESC`,
      ),
      tail: db.prepare<[number], ChunkRowWithMeta>(
        `SELECT rowid, first_ts, first_seq, last_ts, last_seq, count, trades FROM trade_chunks
         WHERE instrument = ? ORDER BY first_ts DESC, first_seq DESC LIMIT 1`,
      ),
      insert: db.prepare<
        [number, number, number, number, number, number, number | null, number | null, Buffer]
      >(
        `INSERT INTO trade_chunks (instrument, first_ts, first_seq, last_ts, last_seq, count, min_id, max_id, trades)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      // Chunks whose numeric id range meets [min, max]: a range scan of the max_id index.
      idsMeeting: db.prepare<[number, number, number], { rowid: number; trades: Buffer }>(
        `SELECT rowid, trades FROM trade_chunks WHERE instrument = ? AND max_id >= ? AND min_id <= ?`,
      ),
      delete: db.prepare<[number]>('DELETE FROM trade_chunks WHERE rowid = ?'),
      lastBefore: db.prepare<[number, number], ChunkRowWithMeta>(
        `SELECT rowid, first_ts, first_seq, last_ts, last_seq, count, trades FROM trade_chunks
         WHERE instrument = ? AND first_ts < ? ORDER BY first_ts DESC, first_seq DESC LIMIT 1`,
      ),
      page: db.prepare<[number, number, number, number], ChunkRow>(
        `SELECT first_ts, first_seq, last_ts, trades FROM trade_chunks
         WHERE instrument = ? AND (first_ts, first_seq) > (?, ?) AND first_ts < ?
         ORDER BY first_ts, first_seq LIMIT ${PAGE_ROWS}`,
      ),
      countAll: db.prepare<[], number>('SELECT coalesce(sum(count), 0) FROM trade_chunks').pluck(),
      countOf: db
        .prepare<[number], number>('SELECT coalesce(sum(count), 0) FROM trade_chunks WHERE instrument = ?')
        .pluck(),
      countInside: db
        .prepare<[number, number, number, number], number>(
          `SELECT coalesce(sum(count), 0) FROM trade_chunks
           WHERE instrument = ? AND first_ts >= ? AND first_ts < ? AND last_ts < ?`,
        )
        .pluck(),
      range: db.prepare<[number], { from: number | null; to: number | null }>(
        'SELECT min(first_ts) AS "from", max(last_ts) AS "to" FROM trade_chunks WHERE instrument = ?',
      ),
      // Is any stored numeric id in [min, max]? (the chunks' id ranges only: conservative)
      anyIdMeeting: db
        .prepare<[number, number, number], number>(
          `SELECT 1 FROM trade_chunks WHERE instrument = ? AND max_id >= ? AND min_id <= ? LIMIT 1`,
        )
        .pluck(),
      endingBefore: db.prepare<[number, number, number, number], { rowid: number; count: number }>(
        `SELECT rowid, count FROM trade_chunks WHERE instrument = ? AND first_ts < ? AND last_ts < ?
         ORDER BY first_ts, first_seq LIMIT ?`,
      ),
    };
  }

  /**
   * Store trades[from, to) of the instrument with key `key` (any order; call inside a
   * transaction), skipping duplicates of stored trades and of earlier trades in the batch.
   * Returns a mask over [from, to): 1 where the trade was stored.
   */
  insert(key: number, run: TradeRunColumns, from = 0, to = run.ts.length): Uint8Array {
    const n = to - from;
    const kept = new Uint8Array(n);
    if (n <= 0) return kept;
    const order = orderOf(run, from, to);
    const incoming = TradeRun.of(run, order);
    const minTs = incoming.ts[0] ?? 0;
    const maxTs = incoming.ts[n - 1] ?? 0;
    if (!Number.isSafeInteger(minTs) || !Number.isSafeInteger(maxTs))
      throw new RangeError(`trade ts must be integer ms, got ${minTs}..${maxTs}`);

    const touched: ChunkRowWithMeta[] = [];
    for (const row of this.sql.touchingDesc.iterate(key, maxTs)) {
      if (row.last_ts < minTs) break;
      touched.push(row);
    }
    touched.reverse();
    if (touched.length === 0) {
      // Past the watermark: fill the open chunk while it has room and span left.
      const tail = this.sql.tail.get(key);
      if (tail !== undefined && tail.count < CHUNK_MAX_TRADES && minTs - tail.first_ts < CHUNK_SPAN_MS)
        touched.push(tail);
    }
    const stored = new TradeRun(touched.reduce((sum, row) => sum + row.count, 0));
    for (const row of touched) stored.pushBlock(decodeTradeChunk(row.trades, this.scratch));
    const knownIds = this.storedIdsMeeting(key, incoming, touched, stored);
    const knownTexts = this.storedTextIdsNear(key, incoming, minTs, maxTs);

    const merged = new TradeRun(stored.length + n);
    const seen = this.group;
    let s = 0;
    let g = 0;
    while (g < n) {
      // One group: every incoming trade of one ts, checked against the stored ones of that ts.
      const ts = incoming.ts[g] ?? 0;
      let groupEnd = g + 1;
      while (groupEnd < n && incoming.ts[groupEnd] === ts) groupEnd++;
      while (s < stored.length && (stored.ts[s] ?? 0) < ts) merged.pushFrom(stored, s++);
      let storedEnd = s;
      while (storedEnd < stored.length && stored.ts[storedEnd] === ts) storedEnd++;
      seen.reset();
      for (let k = s; k < storedEnd; k++) seen.add(stored.seq[k] ?? 0, stored.id[k] ?? null);
      for (let k = g; k < groupEnd; k++) {
        const seq = incoming.seq[k] ?? Number.NaN;
        const id = incoming.id[k] ?? null;
        // Both are in seq order within the ts: merge the stored ones before this one.
        while (s < storedEnd && (stored.seq[s] ?? 0) < seq) merged.pushFrom(stored, s++);
        if (seen.has(seq, id)) continue;
        if (typeof id === 'number' && knownIds !== null) {
          if (knownIds.has(id)) continue;
          knownIds.add(id);
        } else if (typeof id === 'string' && knownTexts !== null) {
          if (knownTexts.has(id)) continue;
          knownTexts.add(id);
        }
        seen.add(seq, id);
        kept[(order[k] ?? from) - from] = 1;
        merged.pushFrom(incoming, k);
      }
      while (s < storedEnd) merged.pushFrom(stored, s++);
      g = groupEnd;
    }
    while (s < stored.length) merged.pushFrom(stored, s++);

    if (merged.length === stored.length) return kept;
    for (const row of touched) this.sql.delete.run(row.rowid);
    this.writeChunks(key, merged, 0, merged.length);
    return kept;
  }

  /**
   * The append fast path of bulk imports: stores trades[from, to) when they come strictly
   * after every stored trade of the instrument (later ts), in strictly rising (ts, seq) order
   * with numeric ids rising and none in a stored chunk's id range, so none can be a duplicate
   * and nothing stored needs a merge: whole chunks are encoded straight from the columns. The
   * open chunk is left as it is: filling it is a decode, merge and re-encode of up to 4096
   * trades per call, which the profile of a 10M-row import showed as its largest write cost;
   * a bulk writer keeps its calls to multiples of CHUNK_MAX_TRADES so few chunks stay short.
   * Returns the number stored (all of them), or null when the trades do not qualify: call
   * insert, which handles any batch.
   */
  append(key: number, run: TradeRunColumns, from = 0, to = run.ts.length): number | null {
    const n = to - from;
    if (n <= 0) return 0;
    let previousId = -1;
    let minId = -1;
    for (let i = from; i < to; i++) {
      const id = numericId(run.id[i] ?? null);
      if (id === null || id <= previousId) return null;
      if (i === from) minId = id;
      previousId = id;
      if (i > from) {
        const a = run.ts[i - 1] ?? 0;
        const b = run.ts[i] ?? 0;
        if (!(b > a || (b === a && (run.seq[i] ?? 0) > (run.seq[i - 1] ?? 0)))) return null;
      }
    }
    const minTs = run.ts[from] ?? 0;
    const tail = this.sql.tail.get(key);
    if (tail !== undefined && !(tail.last_ts < minTs)) return null;
    if (this.sql.anyIdMeeting.get(key, minId, previousId) !== undefined) return null;
    this.writeChunks(key, run, from, to);
    return n;
  }

  /**
   * Whether trades from `firstTs` on, with numeric ids in `ids` (null: none), would come
   * strictly after every stored trade of the instrument and repeat no stored id: then they can
   * be appended as chunks with no merge (a staged import's publish, TradeStaging).
   */
  appendsAfter(key: number, firstTs: number, ids: { min: number; max: number } | null): boolean {
    const tail = this.sql.tail.get(key);
    if (tail !== undefined && !(tail.last_ts < firstTs)) return false;
    return ids === null || this.sql.anyIdMeeting.get(key, ids.min, ids.max) === undefined;
  }

  /**
   * Encodes the ordered run[from, to) as new chunks of at most CHUNK_MAX_TRADES trades and
   * CHUNK_SPAN_MS of market time (an append, or a merge whose old chunks were deleted).
   */
  private writeChunks(key: number, run: TradeRunColumns, from: number, to: number): void {
    let start = from;
    while (start < to) {
      const firstTs = run.ts[start] ?? 0;
      let end = start + 1;
      const limit = Math.min(to, start + CHUNK_MAX_TRADES);
      while (end < limit && (run.ts[end] ?? 0) - firstTs < CHUNK_SPAN_MS) end++;
      const ids = idRange(run.id, start, end);
      this.sql.insert.run(
        key,
        firstTs,
        run.seq[start] ?? 0,
        run.ts[end - 1] ?? 0,
        run.seq[end - 1] ?? 0,
        end - start,
        ids?.min ?? null,
        ids?.max ?? null,
        encodeTradeChunk(run, start, end),
      );
      start = end;
    }
  }

  /**
   * The numeric ids stored in [least, greatest] of the batch's numeric ids, from every chunk
   * whose id range meets it (the touched chunks included), or null when the batch has none.
   * An exchange's ids are unique per instrument whatever their time, so a resend is caught
   * even when its ts differs; ids grow with time, so for live data this is the open chunk.
   */
  private storedIdsMeeting(
    key: number,
    incoming: TradeRun,
    touched: readonly ChunkRowWithMeta[],
    stored: TradeRun,
  ): Set<number> | null {
    const range = idRange(incoming.id, 0, incoming.length);
    if (range === null) return null;
    const ids = new Set<number>();
    for (let i = 0; i < stored.length; i++) {
      const id = stored.id[i];
      if (typeof id === 'number' && id >= range.min && id <= range.max) ids.add(id);
    }
    const decoded = new Set(touched.map((row) => row.rowid));
    for (const row of this.sql.idsMeeting.all(key, range.min, range.max)) {
      if (decoded.has(row.rowid)) continue;
      const block = decodeTradeChunk(row.trades, this.scratch);
      const numbers = block.idNumber;
      for (let i = 0; i < block.length; i++) {
        const id = numbers[i] ?? Number.NaN;
        if (id >= range.min && id <= range.max) ids.add(id);
      }
    }
    if (ids.size > 0) return ids;
    // The usual append: no stored id in the batch's range and ids rising with (ts, seq), so
    // no id can repeat; the per-trade set (a hash per trade) is skipped.
    let previous = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < incoming.length; i++) {
      const id = incoming.id[i];
      if (typeof id !== 'number') continue;
      if (id <= previous) return ids;
      previous = id;
    }
    return null;
  }

  /** Text ids stored within TEXT_ID_WINDOW_MS of the batch, or null when it has none. */
  private storedTextIdsNear(
    key: number,
    incoming: TradeRun,
    minTs: number,
    maxTs: number,
  ): Set<string> | null {
    let any = false;
    for (let i = 0; i < incoming.length && !any; i++) any = typeof incoming.id[i] === 'string';
    if (!any) return null;
    const texts = new Set<string>();
    this.forEachBlock(key, minTs - TEXT_ID_WINDOW_MS, maxTs + TEXT_ID_WINDOW_MS + 1, (block, a, b) => {
      for (const [index, text] of block.idText) if (index >= a && index < b && text !== null) texts.add(text);
    });
    return texts;
  }

  /** A cursor over the trades of [from, to) (ms, `to` exclusive), chunk by chunk. */
  cursor(key: number, from: number, to: number): TradeCursor {
    // The one chunk that may start before `from` and still hold trades at or after it.
    const before = this.straddling(key, from);
    const start =
      before !== null
        ? { ts: before.first_ts, seq: before.first_seq - 1 }
        : { ts: from - 1, seq: Number.MAX_SAFE_INTEGER };
    return new TradeCursor((k, ts, seq, end) => this.sql.page.all(k, ts, seq, end), key, from, to, start);
  }

  /** Calls `visit(block, start, end)` for each chunk's part in [from, to); false stops. */
  forEachBlock(
    key: number,
    from: number,
    to: number,
    visit: (block: TradeBlock, start: number, end: number) => boolean | undefined,
  ): void {
    const cursor = this.cursor(key, from, to);
    while (cursor.nextBlock()) if (visit(cursor.block, cursor.index, cursor.end) === false) return;
  }

  /** Trades stored for one instrument key, or for all. */
  count(key?: number): number {
    return key === undefined ? (this.sql.countAll.get() ?? 0) : (this.sql.countOf.get(key) ?? 0);
  }

  /** Trades in [from, to): whole chunks by their count, the (at most two) edge chunks decoded. */
  countRange(key: number, from: number, to: number): number {
    if (!(from < to)) return 0;
    let total = this.sql.countInside.get(key, from, to, to) ?? 0;
    const head = this.straddling(key, from);
    if (head !== null) {
      const block = decodeTradeChunk(head.trades, this.scratch);
      const a = lowerBound(block.ts, 0, block.length, from);
      total += lowerBound(block.ts, a, block.length, to) - a;
    }
    const tail = this.straddling(key, to);
    if (tail !== null && tail.first_ts >= from) {
      const block = decodeTradeChunk(tail.trades, this.scratch);
      total += lowerBound(block.ts, 0, block.length, to);
    }
    return total;
  }

  /**
   * The chunk that starts before `at` and ends at or after it, if any. At most one can: the
   * chunks do not overlap. Found as the last chunk starting before `at`, one index seek.
   */
  private straddling(key: number, at: number): ChunkRowWithMeta | null {
    const row = this.sql.lastBefore.get(key, at);
    return row !== undefined && row.last_ts >= at ? row : null;
  }

  /** First and last stored trade time of an instrument, or null. */
  range(key: number): { from: number; to: number } | null {
    const row = this.sql.range.get(key);
    return row?.from == null || row.to == null ? null : { from: row.from, to: row.to };
  }

  /**
   * The newest `limit` trades with fromExclusive < ts <= toInclusive, newest last, as objects
   * (small API reads: the tape, a model's context window).
   */
  latest(
    key: number,
    instrument: string,
    fromExclusive: number,
    toInclusive: number,
    limit: number,
  ): Trade[] {
    const out: Trade[] = [];
    if (limit <= 0) return out;
    for (const row of this.sql.touchingDesc.iterate(key, toInclusive)) {
      if (row.last_ts <= fromExclusive) break;
      const block = decodeTradeChunk(row.trades, this.scratch);
      for (let i = block.length - 1; i >= 0 && out.length < limit; i--) {
        const ts = block.ts[i] ?? 0;
        if (ts > toInclusive) continue;
        if (ts <= fromExclusive) break;
        out.push(tradeAt(block, i, instrument));
      }
      if (out.length >= limit) break;
    }
    return out.reverse();
  }

  /** The last trade with from <= ts < to: its price (a bar's close), or null. */
  lastPriceIn(key: number, from: number, to: number): number | null {
    for (const row of this.sql.touchingDesc.iterate(key, to - 1)) {
      if (row.last_ts < from) break;
      const block = decodeTradeChunk(row.trades, this.scratch);
      const i = lowerBound(block.ts, 0, block.length, to) - 1;
      if (i >= 0) return (block.ts[i] ?? 0) >= from ? (block.price[i] ?? null) : null;
    }
    return null;
  }

  /** The first trade with from <= ts < to: its price (a bar's open), or null. */
  firstPriceIn(key: number, from: number, to: number): number | null {
    const cursor = this.cursor(key, from, to);
    return cursor.nextBlock() ? (cursor.block.price[cursor.index] ?? null) : null;
  }

  /**
   * Delete trades with ts < cutoff, at most `maxChunks` whole chunks per call (short write
   * locks); the chunk straddling the cutoff is rewritten with what it keeps. Returns the trades
   * deleted and whether more remain.
   */
  deleteBefore(key: number, cutoff: number, maxChunks: number): { deleted: number; more: boolean } {
    const rows = this.sql.endingBefore.all(key, cutoff, cutoff, maxChunks);
    let deleted = 0;
    for (const row of rows) {
      this.sql.delete.run(row.rowid);
      deleted += row.count;
    }
    if (rows.length === maxChunks) return { deleted, more: true };
    const straddling = this.straddling(key, cutoff);
    if (straddling !== null) {
      const block = decodeTradeChunk(straddling.trades, this.scratch);
      const keepFrom = lowerBound(block.ts, 0, block.length, cutoff);
      const keep = new TradeRun(block.length - keepFrom);
      keep.pushBlock(block, keepFrom);
      this.sql.delete.run(straddling.rowid);
      this.writeChunks(key, keep, 0, keep.length);
      deleted += keepFrom;
    }
    return { deleted, more: false };
  }
}

/** One trade of a block as the domain object (for small reads only). */
export function tradeAt(block: TradeBlock, i: number, instrument: string): Trade {
  const trade: Trade = {
    instrument,
    ts: block.ts[i] ?? 0,
    seq: block.seq[i] ?? 0,
    id: block.idAt(i),
    price: block.price[i] ?? 0,
    amount: block.amount[i] ?? 0,
    side: block.side[i] === 1 ? 'buy' : 'sell',
  };
  const localTs = block.receiveTs[i] ?? Number.NaN;
  return Number.isNaN(localTs) ? trade : { ...trade, localTs };
}

/** Indices of run[from, to) in (ts, seq) order; the identity (no sort) when already ordered. */
function orderOf(run: TradeRunColumns, from: number, to: number): Uint32Array {
  const order = new Uint32Array(to - from);
  let sorted = true;
  for (let i = from; i < to; i++) {
    order[i - from] = i;
    if (i > from) {
      const a = run.ts[i - 1] ?? 0;
      const b = run.ts[i] ?? 0;
      if (a > b || (a === b && (run.seq[i - 1] ?? 0) > (run.seq[i] ?? 0))) sorted = false;
    }
  }
  if (!sorted)
    order.sort(
      (i, j) => (run.ts[i] ?? 0) - (run.ts[j] ?? 0) || (run.seq[i] ?? 0) - (run.seq[j] ?? 0) || i - j,
    );
  return order;
}

/**
 * The (seq, id) keys already present at one ts. Most ms hold a handful of trades, so a list is
 * scanned; past 16 (a file with second-resolution times) it switches to sets.
 */
class GroupKeys {
  private readonly seqs: number[] = [];
  private readonly ids: (number | string)[] = [];
  private seqSet: Set<number> | null = null;
  private idSet: Set<number | string> | null = null;

  reset(): void {
    this.seqs.length = 0;
    this.ids.length = 0;
    this.seqSet = null;
    this.idSet = null;
  }

  add(seq: number, id: number | string | null): void {
    if (this.seqSet !== null && this.idSet !== null) {
      this.seqSet.add(seq);
      if (id !== null) this.idSet.add(id);
      return;
    }
    this.seqs.push(seq);
    if (id !== null) this.ids.push(id);
    if (this.seqs.length > 16) {
      this.seqSet = new Set(this.seqs);
      this.idSet = new Set(this.ids);
    }
  }

  has(seq: number, id: number | string | null): boolean {
    if (this.seqSet !== null && this.idSet !== null)
      return this.seqSet.has(seq) || (id !== null && this.idSet.has(id));
    return this.seqs.includes(seq) || (id !== null && this.ids.includes(id));
  }
}

/**
 * The trades of one import, staged on the importing connection before any other connection
 * can see them: packed chunks (the trade_chunks format) in a TEMP table, which SQLite keeps in
 * a temporary file (not in memory) and drops with the connection, so an import killed while it
 * reads leaves nothing behind. `publish` copies them into trade_chunks with one INSERT ...
 * SELECT inside the caller's transaction: the file's rows appear all at once or not at all.
 * Only for an append (TradeStore.appendsAfter): staged chunks are stored as they are.
 */
export class TradeStaging {
  private readonly sql;
  /** Trades staged so far. */
  rows = 0;

  constructor(private readonly db: SqliteDatabase) {
    db.exec(`DROP TABLE IF EXISTS temp.staged_trade_chunks;
      CREATE TEMP TABLE staged_trade_chunks (
        first_ts INTEGER NOT NULL, first_seq INTEGER NOT NULL, last_ts INTEGER NOT NULL,
        last_seq INTEGER NOT NULL, count INTEGER NOT NULL, min_id INTEGER, max_id INTEGER,
        trades BLOB NOT NULL)`);
    this.sql = {
      stage: db.prepare<[number, number, number, number, number, number | null, number | null, Buffer]>(
        `INSERT INTO temp.staged_trade_chunks (first_ts, first_seq, last_ts, last_seq, count, min_id, max_id, trades)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      publish: db.prepare<[number]>(
        `INSERT INTO main.trade_chunks (instrument, first_ts, first_seq, last_ts, last_seq, count, min_id, max_id, trades)
         SELECT ?, first_ts, first_seq, last_ts, last_seq, count, min_id, max_id, trades
         FROM temp.staged_trade_chunks ORDER BY rowid`,
      ),
    };
  }

  /**
   * Stages run[from, to) as one chunk: the caller keeps the trades in strictly rising (ts, seq)
   * after the ones staged before, at most CHUNK_MAX_TRADES within CHUNK_SPAN_MS.
   */
  stageChunk(run: TradeRunColumns, from: number, to: number): void {
    const ids = idRange(run.id, from, to);
    this.sql.stage.run(
      run.ts[from] ?? 0,
      run.seq[from] ?? 0,
      run.ts[to - 1] ?? 0,
      run.seq[to - 1] ?? 0,
      to - from,
      ids?.min ?? null,
      ids?.max ?? null,
      encodeTradeChunk(run, from, to),
    );
    this.rows += to - from;
  }

  /** Appends every staged chunk to the instrument's trades (call inside a write transaction). */
  publish(key: number): number {
    this.sql.publish.run(key);
    return this.rows;
  }

  /** Drops the staged chunks (after a publish, a refusal or a cancel). */
  dispose(): void {
    this.db.exec('DROP TABLE IF EXISTS temp.staged_trade_chunks');
    this.rows = 0;
  }
}
