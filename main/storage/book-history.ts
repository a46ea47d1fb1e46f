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
  /** `ts` is T; `seq` the seq of the last event applied. Time of the snapshot the rebuild started from: */
  readonly anchorTs: number;
  /** Deltas applied on top of the anchor. */
  readonly deltasApplied: number;
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
      anchor: db.prepare<[number, number], SnapshotRow>(
        `SELECT ts, seq, bids, asks FROM book_snapshots
         WHERE instrument = ? AND ts <= ? ORDER BY ts DESC, seq DESC LIMIT 1`,
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
   * CHUNK_SPAN_MS and CHUNK_MAX_DELTAS. Run inside the caller's transaction. Returns the
   * number of chunk rows written.
   */
  insertDeltas(instrument: string, columns: DeltaColumns, from = 0, to = columns.ts.length): number {
    const scales = this.scalesOf(instrument);
    let rows = 0;
    let start = from;
    while (start < to) {
      const firstTs = columns.ts[start] ?? 0;
      let end = start + 1;
      while (end < to && end - start < CHUNK_MAX_DELTAS && (columns.ts[end] ?? 0) - firstTs < CHUNK_SPAN_MS)
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
      start = end;
    }
    return rows;
  }

  /**
   * The book at T (every delta with ts <= T applied), `depth` levels a side; null when no
   * snapshot at or before T is stored (the book is unknown there).
   */
  bookAt(instrument: string, at: number, depth = Number.MAX_SAFE_INTEGER): BookAt | null {
    const scales = this.scalesOf(instrument, false);
    if (scales === null) return null;
    const anchor = this.sql.anchor.get(scales.key, at);
    if (anchor === undefined) return null;
    const book = new OrderBook(128);
    book.applySnapshot({ bids: decodeLevels(anchor.bids), asks: decodeLevels(anchor.asks) });
    let applied = 0;
    let lastSeq = anchor.seq;
    for (const chunk of this.sql.chunks.iterate(scales.key, anchor.ts - CHUNK_SPAN_MS, at, anchor.ts)) {
      decodeDeltas(
        chunk.deltas,
        chunk.first_ts,
        chunk.first_seq,
        chunk.price_scale,
        chunk.size_scale,
        (ts, seq, side, price, size) => {
          if (ts > at) return false;
          // The anchor already holds every delta up to its own (ts, seq).
          if (ts < anchor.ts || (ts === anchor.ts && seq <= anchor.seq)) return true;
          book.set(side, price, size);
          applied++;
          lastSeq = seq;
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
      anchorTs: anchor.ts,
      deltasApplied: applied,
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
