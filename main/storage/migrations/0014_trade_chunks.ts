import type Database from 'better-sqlite3';
import { encodeTradeChunk, idRange, type TradeRunColumns } from '../trade-chunk-codec.js';
import type { Migration } from './migration.js';

/** Chunk bounds of the move; the same as trade-store.ts's at the time of writing (frozen here). */
const MAX_TRADES = 4096;
const SPAN_MS = 3_600_000;

/**
 * Trades move from one row each (0001's WITHOUT ROWID `trades` plus its unique index on trade
 * ids: 91 bytes a trade) to packed column chunks (trade-chunk-codec.ts, about 10).
 *
 * trade_chunks: one row per chunk of at most 4096 trades and one hour of one instrument, in
 * (ts, seq) order, never overlapping another chunk of the same instrument (trade-store.ts keeps
 * that when it writes). first/last (ts, seq) bound the chunk so a range read seeks straight
 * to it; count answers counts without decoding. min_id/max_id bound the chunk's numeric trade
 * ids (NULL when it has none): a resent trade id is looked for only in chunks whose id range
 * holds it, found by the small per-chunk index on max_id instead of 0001's index on every
 * trade (ids of one instrument grow with time, so that is the newest chunk or two). A rowid
 * table: the blobs are kilobytes, too large to sit inside a WITHOUT ROWID b-tree.
 *
 * The move reads the old rows instrument by instrument in key order and writes each full
 * chunk as it goes, so it holds one chunk in memory, then drops the old table and its index.
 * The receive time is new: trades recorded before have none (the column is left out).
 *
 * Numbered 13 in this branch's list until 0013 lands; it is migration 14 (the coordinator
 * renumbers at merge).
 */
export const migration0014: Migration = {
  version: 14,
  name: 'trade_chunks',
  up(db: Database.Database): void {
    db.exec(`
CREATE TABLE trade_chunks (
  instrument INTEGER NOT NULL REFERENCES instruments (key),
  first_ts INTEGER NOT NULL,
  first_seq INTEGER NOT NULL,
  last_ts INTEGER NOT NULL CHECK (last_ts >= first_ts),
  last_seq INTEGER NOT NULL,
  count INTEGER NOT NULL CHECK (count > 0),
  min_id INTEGER,
  max_id INTEGER CHECK (max_id >= min_id),
  trades BLOB NOT NULL,
  PRIMARY KEY (instrument, first_ts, first_seq)
) STRICT;

CREATE INDEX trade_chunks_by_max_id ON trade_chunks (instrument, max_id);
`);
    const insert = db.prepare<
      [number, number, number, number, number, number, number | null, number | null, Buffer]
    >(
      `INSERT INTO trade_chunks (instrument, first_ts, first_seq, last_ts, last_seq, count, min_id, max_id, trades)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const keys = db.prepare<[], number>('SELECT DISTINCT instrument FROM trades').pluck().all();
    // Keyset pages on the old primary key: each page is read whole before a chunk is written
    // (better-sqlite3 refuses a write while a read iterates), so memory is one page.
    const page = db
      .prepare<[number, number, number, number], [number, number, string | null, number, number, number]>(
        `SELECT ts, seq, trade_id, price, amount, side FROM trades
         WHERE instrument = ? AND (ts, seq) > (?, ?) ORDER BY ts, seq LIMIT ?`,
      )
      .raw();
    for (const key of keys) {
      let chunk = emptyChunk();
      const flush = (): void => {
        const n = chunk.ts.length;
        if (n === 0) return;
        const blob = encodeTradeChunk(chunk, 0, n);
        const ids = idRange(chunk.id, 0, n);
        insert.run(
          key,
          chunk.ts[0] ?? 0,
          chunk.seq[0] ?? 0,
          chunk.ts[n - 1] ?? 0,
          chunk.seq[n - 1] ?? 0,
          n,
          ids?.min ?? null,
          ids?.max ?? null,
          blob,
        );
        chunk = emptyChunk();
      };
      let afterTs = Number.MIN_SAFE_INTEGER;
      let afterSeq = Number.MIN_SAFE_INTEGER;
      for (;;) {
        const rows = page.all(key, afterTs, afterSeq, MAX_TRADES);
        for (const [ts, seq, id, price, amount, side] of rows) {
          const first = chunk.ts[0];
          if (chunk.ts.length >= MAX_TRADES || (first !== undefined && ts - first >= SPAN_MS)) flush();
          chunk.ts.push(ts);
          chunk.seq.push(seq);
          chunk.id.push(id);
          chunk.price.push(price);
          chunk.amount.push(amount);
          chunk.side.push(side);
          afterTs = ts;
          afterSeq = seq;
        }
        if (rows.length < MAX_TRADES) break;
      }
      flush();
    }
    db.exec('DROP INDEX trades_by_trade_id; DROP TABLE trades;');
  },
};

function emptyChunk(): TradeRunColumns & {
  ts: number[];
  seq: number[];
  id: (string | null)[];
  price: number[];
  amount: number[];
  side: number[];
} {
  return { ts: [], seq: [], id: [], price: [], amount: [], side: [], receiveTs: null };
}
