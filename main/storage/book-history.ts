import type { BookSnapshot } from '../../shared/domain/market.js';
import { OrderBook } from '../../shared/market/order-book.js';
import { decodeLevels } from './book-blob.js';
import type { SqliteDatabase } from './database.js';
import { decimalScale, decodeDeltas, encodeDeltas, type DeltaColumns } from './book-delta-codec.js';

/** Longest stretch of market time one stored delta chunk may cover; bounds bookAt's search. */
export const CHUNK_SPAN_MS = 10_000;
/** Most deltas in one chunk, so decoding for a T near a chunk's start stays cheap. */
export const CHUNK_MAX_DELTAS = 8192;

/** The book of an instrument at a time T as rebuilt from storage. */
export interface BookAt extends BookSnapshot {
  /** `ts` is T; `seq` the seq of the last message applied. Time of the snapshot the rebuild started from: */
  readonly anchorTs: number;
  /** Deltas applied on top of the anchor. */
  readonly deltasApplied: number;
  /** Book messages (update batches) applied on top of the anchor. */
  readonly messagesApplied: number;
  /**
   * The seq of every stored message stamped exactly T, in order: several messages can share a
   * millisecond, and `bookAt(.., T, .., seq)` gives the book after any one of them.
   */
  readonly messagesAtTs: readonly number[];
}

interface InstrumentScales {
  readonly key: number;
  readonly priceScale: number;
  readonly sizeScale: number;
}

interface ChunkRow {
  first_ts: number;
  first_seq: number;
  price_scale: number;
  size_scale: number;
  deltas: Buffer;
}

interface SnapshotRow {
  ts: number;
  seq: number;
  bids: Buffer;
  asks: Buffer;
  local_ts: number | null;
}

/**
 * Book deltas in packed chunks (book-delta-codec.ts), and the book at any T rebuilt from the
 * nearest stored snapshot at or before T plus the deltas after it up to T. The snapshots are
 * the anchors: the live pipeline stores one at full depth at a fixed cadence and on every
 * exchange resnapshot, so deltas never have to be replayed from further back than that.
 */
export class BookHistory {
  private readonly scales = new Map<string, InstrumentScales>();
  private readonly sql;

  constructor(readonly db: SqliteDatabase) {
    this.sql = {
      instrument: db.prepare<[string], { key: number; tick_size: number; lot_size: number }>(
        'SELECT key, tick_size, lot_size FROM instruments WHERE id = ?',
      ),
      insertChunk: db.prepare<[number, number, number, number, number, number, number, Buffer]>(
        `INSERT INTO book_deltas (instrument, first_ts, first_seq, last_ts, count, price_scale, size_scale, deltas)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      // The newest snapshot at or before (T, seq): (ts, seq) <= (T, seq) in row-value order.
      anchor: db.prepare<[number, number, number], SnapshotRow>(
        `SELECT ts, seq, bids, asks, local_ts FROM book_snapshots
         WHERE instrument = ? AND (ts, seq) <= (?, ?) ORDER BY ts DESC, seq DESC LIMIT 1`,
      ),
      snapshotSeqsAt: db.prepare<[number, number], { seq: number }>(
        'SELECT seq FROM book_snapshots WHERE instrument = ? AND ts = ? ORDER BY seq',
      ),
      // Chunks never span more than CHUNK_SPAN_MS, so one that holds deltas after the anchor
      // starts no earlier than anchor - CHUNK_SPAN_MS: a bounded primary-key range scan.
      chunks: db.prepare<[number, number, number, number], ChunkRow>(
        `SELECT first_ts, first_seq, price_scale, size_scale, deltas FROM book_deltas
         WHERE instrument = ? AND first_ts >= ? AND first_ts <= ? AND last_ts >= ?
         ORDER BY first_ts, first_seq`,
      ),
    };
  }

  /**
   * Store deltas[from, to) of one instrument (in (ts, seq) order) as chunks of at most
   * CHUNK_SPAN_MS and CHUNK_MAX_DELTAS. A chunk ends only between two book messages (a message
   * larger than CHUNK_MAX_DELTAS makes a larger chunk): a message split over two chunks would
   * give the second the first's (ts, seq) key. Run inside the caller's transaction. Returns the
   * number of chunk rows written.
   */
  insertDeltas(
    instrument: string,
    columns: DeltaColumns,
    from = 0,
    to = columns.ts.length,
    /** Adds the deltas of the chunks actually written (a chunk already stored is skipped whole). */
    written?: { deltas: number },
  ): number {
    const scales = this.scalesOf(instrument);
    let rows = 0;
    let start = from;
    while (start < to) {
      const firstTs = columns.ts[start] ?? 0;
      let end = start + 1;
      while (
        end < to &&
        ((end - start < CHUNK_MAX_DELTAS && (columns.ts[end] ?? 0) - firstTs < CHUNK_SPAN_MS) ||
          sameMessage(columns, end - 1, end))
      )
        end++;
      const blob = encodeDeltas(columns, start, end, scales.priceScale, scales.sizeScale);
      const { changes } = this.sql.insertChunk.run(
        scales.key,
        firstTs,
        columns.seq[start] ?? 0,
        columns.ts[end - 1] ?? firstTs,
        end - start,
        scales.priceScale,
        scales.sizeScale,
        blob,
      );
      rows += changes;
      if (written !== undefined && changes > 0) written.deltas += end - start;
      start = end;
    }
    return rows;
  }

  /**
   * The book at T (every message with ts <= T applied), `depth` levels a side; with `seq`, the
   * book right after the message (T, seq): messages stamped T with a higher seq are left out.
   * Null when no snapshot at or before it is stored (the book is unknown there).
   */
  bookAt(
    instrument: string,
    at: number,
    depth = Number.MAX_SAFE_INTEGER,
    seq = Number.MAX_SAFE_INTEGER,
  ): BookAt | null {
    const scales = this.scalesOf(instrument, false);
    if (scales === null) return null;
    const anchor = this.sql.anchor.get(scales.key, at, seq);
    if (anchor === undefined) return null;
    const book = new OrderBook(128);
    book.applySnapshot({ bids: decodeLevels(anchor.bids), asks: decodeLevels(anchor.asks) });
    const seqsAt = new Set<number>();
    for (const row of this.sql.snapshotSeqsAt.iterate(scales.key, at)) seqsAt.add(row.seq);
    let applied = 0;
    let messages = 0;
    let lastTs = Number.NaN;
    let lastSeq = anchor.seq;
    let lastLocalTs = anchor.local_ts ?? Number.NaN;
    for (const chunk of this.sql.chunks.iterate(scales.key, anchor.ts - CHUNK_SPAN_MS, at, anchor.ts)) {
      decodeDeltas(
        chunk.deltas,
        chunk.first_ts,
        chunk.first_seq,
        chunk.price_scale,
        chunk.size_scale,
        (ts, deltaSeq, side, price, size, localTs) => {
          if (ts > at) return false;
          if (ts === at) seqsAt.add(deltaSeq);
          // The anchor already holds every message up to its own (ts, seq).
          if (ts < anchor.ts || (ts === anchor.ts && deltaSeq <= anchor.seq)) return true;
          if (ts === at && deltaSeq > seq) return true;
          book.set(side, price, size);
          applied++;
          if (ts !== lastTs || deltaSeq !== lastSeq) messages++;
          lastTs = ts;
          lastSeq = deltaSeq;
          lastLocalTs = localTs;
          return true;
        },
      );
    }
    const top = book.top(depth);
    return {
      instrument,
      ts: at,
      seq: lastSeq,
      bids: top.bids,
      asks: top.asks,
      ...(Number.isFinite(lastLocalTs) ? { localTs: lastLocalTs } : {}),
      anchorTs: anchor.ts,
      deltasApplied: applied,
      messagesApplied: messages,
      messagesAtTs: [...seqsAt].sort((a, b) => a - b),
    };
  }

  private scalesOf(instrument: string): InstrumentScales;
  private scalesOf(instrument: string, required: false): InstrumentScales | null;
  private scalesOf(instrument: string, required = true): InstrumentScales | null {
    const cached = this.scales.get(instrument);
    if (cached !== undefined) return cached;
    const row = this.sql.instrument.get(instrument);
    if (row === undefined) {
      if (required) throw new Error(`Unknown instrument '${instrument}': upsert it before its book deltas`);
      return null;
    }
    const scales = {
      key: row.key,
      priceScale: decimalScale(row.tick_size),
      sizeScale: decimalScale(row.lot_size),
    };
    this.scales.set(instrument, scales);
    return scales;
  }
}

/** Do deltas i and j belong to one book message (same ts and seq)? */
function sameMessage(columns: DeltaColumns, i: number, j: number): boolean {
  return columns.ts[i] === columns.ts[j] && columns.seq[i] === columns.seq[j];
}
