import type { BookSide, MarketEvent } from '../../shared/domain/market.js';
import { decodeLevels } from '../storage/book-blob.js';
import { decodeDeltas } from '../storage/book-delta-codec.js';
import type { SqliteDatabase } from '../storage/database.js';
import { TradeStore, type TradeCursor } from '../storage/trade-store.js';

/** Market time read from the database at once: bounded memory, few statements. */
const PAGE_MS = 5 * 60_000;
/** A stored delta chunk never spans more than this (book-history.ts, CHUNK_SPAN_MS). */
const DELTA_CHUNK_SPAN_MS = 60_000;

export interface ReplayStats {
  readonly events: number;
  /** Time of the first event replayed (the anchoring snapshot may precede `from`), or null. */
  readonly firstTs: number | null;
}

type SnapshotRow = [ts: number, seq: number, bids: Buffer, asks: Buffer, localTs: number | null];
type DeltaChunkRow = [
  firstTs: number,
  firstSeq: number,
  priceScale: number,
  sizeScale: number,
  deltas: Buffer,
];

/**
 * Replays what the recorder stored for one instrument as the MarketEvents the live path saw,
 * in (ts, seq) order: trades, book snapshots and, where recorded, book deltas. It is the
 * source of every batch matrix, so batch runs the same feature engine on the same events.
 *
 * - Trades stream from their packed chunks through one cursor per instrument for the whole
 *   replay (one decoded chunk in memory); snapshots and deltas are read page by page.
 * - Replay starts at the newest snapshot at or before `from` (the book is unknown before an
 *   anchor), so the first rows at `from` see the book as it was.
 * - When deltas are recorded, a snapshot with the same (ts, seq) as a delta is the recorder's
 *   periodic anchor (the book after that delta), not something the source sent: it is
 *   skipped, or batch would see one event more than live did. A snapshot without such a
 *   delta (the source's own, or data recorded before deltas were) is replayed.
 */
export class RecordedEvents {
  private readonly sql;
  private readonly hasDeltas: boolean;
  /** Snapshots keep their receive time since migration 0016; older read-only files lack it. */
  private readonly hasLocalTs: boolean;
  private readonly trades: TradeStore;

  constructor(private readonly db: SqliteDatabase) {
    this.trades = new TradeStore(db);
    this.hasDeltas =
      db
        .prepare<[], number>(
          "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'book_deltas'",
        )
        .pluck()
        .get() === 1;
    this.hasLocalTs =
      db
        .prepare<[], number>(
          "SELECT count(*) FROM pragma_table_info('book_snapshots') WHERE name = 'local_ts'",
        )
        .pluck()
        .get() === 1;
    this.sql = {
      key: db.prepare<[string], number>('SELECT key FROM instruments WHERE id = ?').pluck(),
      anchor: db
        .prepare<[number, number], number>(
          'SELECT ts FROM book_snapshots WHERE instrument = ? AND ts <= ? ORDER BY ts DESC, seq DESC LIMIT 1',
        )
        .pluck(),
      firstSnapshotTs: db
        .prepare<[number, number], number | null>(
          'SELECT min(ts) FROM book_snapshots WHERE instrument = ? AND ts >= ?',
        )
        .pluck(),
      snapshots: db
        .prepare<[number, number, number], SnapshotRow>(
          `SELECT ts, seq, bids, asks, ${this.hasLocalTs ? 'local_ts' : 'NULL'} FROM book_snapshots
           WHERE instrument = ? AND ts >= ? AND ts < ? ORDER BY ts, seq`,
        )
        .raw(),
      deltas: this.hasDeltas
        ? db
            .prepare<[number, number, number, number], DeltaChunkRow>(
              `SELECT first_ts, first_seq, price_scale, size_scale, deltas FROM book_deltas
               WHERE instrument = ? AND first_ts >= ? AND first_ts < ? AND last_ts >= ?
               ORDER BY first_ts, first_seq`,
            )
            .raw()
        : null,
      snapshotRange: db.prepare<[number], { from: number | null; to: number | null }>(
        'SELECT min(ts) AS "from", max(ts) AS "to" FROM book_snapshots WHERE instrument = ?',
      ),
    };
  }

  /** First and last recorded event time of an instrument, or null when nothing is recorded. */
  recordedRange(instrument: string): { from: number; to: number } | null {
    const key = this.sql.key.get(instrument);
    if (key === undefined) return null;
    const trades = this.trades.range(key);
    const row = this.sql.snapshotRange.get(key);
    const snapshots = row?.from == null || row.to == null ? null : { from: row.from, to: row.to };
    if (trades === null || snapshots === null) return trades ?? snapshots;
    return { from: Math.min(trades.from, snapshots.from), to: Math.max(trades.to, snapshots.to) };
  }

  /**
   * Calls `visit` with every event of `instruments` from the anchor of `from` up to `to`
   * (exclusive). Several instruments (a set with cross-asset features) are merged by ts, ties
   * in the order given. `onPage` hears the market time reached after each page, for progress.
   */
  replay(
    instruments: string | readonly string[],
    from: number,
    to: number,
    visit: (event: MarketEvent) => void,
    onPage?: (reachedTs: number) => void,
  ): ReplayStats {
    const ids = typeof instruments === 'string' ? [instruments] : instruments;
    const found: { id: string; key: number }[] = [];
    let start = Number.POSITIVE_INFINITY;
    for (const id of ids) {
      const key = this.sql.key.get(id);
      if (key === undefined) continue;
      found.push({ id, key });
      const first = this.sql.anchor.get(key, from) ?? this.firstTsFrom(key, from);
      if (first !== null) start = Math.min(start, first, from);
    }
    if (!(start < to)) return { events: 0, firstTs: null };
    const keyed = found.map(({ id, key }) => ({ id, key, trades: this.trades.cursor(key, start, to) }));
    let events = 0;
    let firstTs: number | null = null;
    const count = (event: MarketEvent): void => {
      if (firstTs === null) firstTs = event.ts;
      events++;
      visit(event);
    };
    const merged: MarketEvent[] = [];
    const collect = (event: MarketEvent): void => {
      merged.push(event);
    };
    for (let page = start; page < to; page += PAGE_MS) {
      const end = Math.min(to, page + PAGE_MS);
      if (keyed.length === 1) {
        const only = keyed[0];
        if (only !== undefined) this.replayPage(only.id, only.key, only.trades, page, end, count);
      } else {
        merged.length = 0;
        for (const { id, key, trades } of keyed) this.replayPage(id, key, trades, page, end, collect);
        // Stable: within one instrument (ts, seq) order is kept, across them the order given.
        merged.sort((a, b) => a.ts - b.ts);
        for (const event of merged) count(event);
      }
      onPage?.(end);
    }
    return { events, firstTs };
  }

  /** First trade or snapshot time at or after `from`, or null. */
  private firstTsFrom(key: number, from: number): number | null {
    const cursor = this.trades.cursor(key, from, Number.MAX_SAFE_INTEGER);
    const trade = cursor.nextBlock() ? (cursor.block.ts[cursor.index] ?? null) : null;
    const snapshot = this.sql.firstSnapshotTs.get(key, from) ?? null;
    if (trade === null || snapshot === null) return trade ?? snapshot;
    return Math.min(trade, snapshot);
  }

  private replayPage(
    instrument: string,
    key: number,
    trades: TradeCursor,
    from: number,
    to: number,
    visit: (event: MarketEvent) => void,
  ): void {
    const snapshots = this.sql.snapshots.all(key, from, to);
    const deltas = this.readDeltas(key, from, to);
    let s = 0;
    let d = 0;
    const block = trades.block;
    for (;;) {
      // The cursor holds trades up to the replay's end; this page takes those before `to`.
      const hasTrade = trades.current() && (block.ts[trades.index] ?? 0) < to;
      const t = trades.index;
      const snapshot = snapshots[s];
      const delta = d < deltas.count ? d : -1;
      // Pick the smallest (ts, seq); at a tie a delta goes before the snapshot taken after it.
      let pick: 'trade' | 'snapshot' | 'delta' | null = null;
      let ts = Number.POSITIVE_INFINITY;
      let seq = Number.POSITIVE_INFINITY;
      if (delta >= 0) {
        pick = 'delta';
        ts = deltas.ts[delta] ?? 0;
        seq = deltas.seq[delta] ?? 0;
      }
      if (hasTrade) {
        const tts = block.ts[t] ?? 0;
        const tseq = block.seq[t] ?? 0;
        if (tts < ts || (tts === ts && tseq < seq)) {
          pick = 'trade';
          ts = tts;
          seq = tseq;
        }
      }
      if (snapshot !== undefined && (snapshot[0] < ts || (snapshot[0] === ts && snapshot[1] < seq))) {
        pick = 'snapshot';
        ts = snapshot[0];
        seq = snapshot[1];
      }
      if (pick === null) return;
      switch (pick) {
        case 'trade': {
          const localTs = block.receiveTs[t] ?? Number.NaN;
          visit({
            kind: 'trade',
            instrument,
            ts,
            seq,
            id: block.idAt(t),
            price: block.price[t] ?? Number.NaN,
            amount: block.amount[t] ?? Number.NaN,
            side: block.side[t] === 1 ? 'buy' : 'sell',
            // Absent, not NaN, when unknown: the event is the one the live path saw.
            ...(Number.isNaN(localTs) ? {} : { localTs }),
          });
          trades.index++;
          break;
        }
        case 'delta': {
          const localTs = deltas.localTs[d] ?? Number.NaN;
          visit({
            kind: 'book_delta',
            instrument,
            ts,
            seq,
            side: deltas.side[d] ?? 'bid',
            price: deltas.price[d] ?? Number.NaN,
            size: deltas.size[d] ?? Number.NaN,
            ...(Number.isNaN(localTs) ? {} : { localTs }),
          });
          d++;
          // The recorder's anchor taken right after this delta holds nothing new.
          while (snapshots[s] !== undefined && snapshots[s]?.[0] === ts && snapshots[s]?.[1] === seq) s++;
          break;
        }
        case 'snapshot': {
          const [sts, sseq, bids, asks, localTs] = snapshot as SnapshotRow;
          visit({
            kind: 'book_snapshot',
            instrument,
            ts: sts,
            seq: sseq,
            bids: decodeLevels(bids),
            asks: decodeLevels(asks),
            ...(localTs === null ? {} : { localTs }),
          });
          s++;
          break;
        }
      }
    }
  }

  private readDeltas(key: number, from: number, to: number): DeltaColumns {
    const out: DeltaColumns = { count: 0, ts: [], seq: [], side: [], price: [], size: [], localTs: [] };
    if (this.sql.deltas === null) return out;
    for (const [firstTs, firstSeq, priceScale, sizeScale, blob] of this.sql.deltas.all(
      key,
      from - DELTA_CHUNK_SPAN_MS,
      to,
      from,
    )) {
      decodeDeltas(blob, firstTs, firstSeq, priceScale, sizeScale, (ts, seq, side, price, size, localTs) => {
        if (ts >= to) return false;
        if (ts < from) return true;
        out.ts.push(ts);
        out.seq.push(seq);
        out.side.push(side);
        out.price.push(price);
        out.size.push(size);
        out.localTs.push(localTs);
        out.count++;
        return true;
      });
    }
    // Chunks of one flush are in order, but a chunk may start before the previous one ends
    // (two flushes within a chunk span): sort by (ts, seq) once per page.
    if (!isOrdered(out)) sortColumns(out);
    return out;
  }
}

interface DeltaColumns {
  count: number;
  ts: number[];
  seq: number[];
  side: BookSide[];
  price: number[];
  size: number[];
  /** Receive time of the delta's message, NaN when not recorded. */
  localTs: number[];
}

function isOrdered(columns: DeltaColumns): boolean {
  for (let i = 1; i < columns.count; i++) {
    const a = columns.ts[i - 1] ?? 0;
    const b = columns.ts[i] ?? 0;
    if (a > b || (a === b && (columns.seq[i - 1] ?? 0) > (columns.seq[i] ?? 0))) return false;
  }
  return true;
}

function sortColumns(columns: DeltaColumns): void {
  const order = Array.from({ length: columns.count }, (_, i) => i).sort(
    (i, j) => (columns.ts[i] ?? 0) - (columns.ts[j] ?? 0) || (columns.seq[i] ?? 0) - (columns.seq[j] ?? 0),
  );
  const pick = <T>(values: T[]): T[] => order.map((i) => values[i] as T);
  columns.ts = pick(columns.ts);
  columns.seq = pick(columns.seq);
  columns.side = pick(columns.side);
  columns.price = pick(columns.price);
  columns.size = pick(columns.size);
  columns.localTs = pick(columns.localTs);
}
