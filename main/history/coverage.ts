import type { CoverageGap, DataKind, InstrumentCoverage } from '../../shared/api/domains/history.js';
import type { SqliteDatabase } from '../storage/database.js';
import type { GapLedger } from '../storage/gap-ledger.js';
import { TradeStore } from '../storage/trade-store.js';

interface Span {
  from: number;
  to: number;
}

/**
 * What is stored per instrument: contiguous spans per data kind, gaps (the gap ledger's, and
 * holes between spans), counts, and bytes on disk.
 *
 * Spans come from per-minute presence: trades by minute, book delta chunks by their first and
 * last ts, candles by bar. A silence longer than `gapToleranceMs` splits a span; a quiet
 * market's minutes without trades inside the tolerance do not.
 */
export class CoverageReader {
  private readonly sql;
  private readonly trades: TradeStore;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly ledger: GapLedger | null,
  ) {
    this.trades = new TradeStore(db);
    this.sql = {
      instruments: db.prepare<[], { key: number; id: string }>('SELECT key, id FROM instruments ORDER BY id'),
      bookChunks: db.prepare<[number], { first_ts: number; last_ts: number; count: number }>(
        'SELECT first_ts, last_ts, count FROM book_deltas WHERE instrument = ? ORDER BY first_ts',
      ),
      snapshots: db
        .prepare<[number], number>('SELECT count(*) FROM book_snapshots WHERE instrument = ?')
        .pluck(),
      oneMinuteBars: db
        .prepare<[number], number>(
          "SELECT open_time FROM candles WHERE instrument = ? AND timeframe = '1m' ORDER BY open_time",
        )
        .pluck(),
      candleCounts: db.prepare<[number], { timeframe: string; n: number }>(
        'SELECT timeframe, count(*) AS n FROM candles WHERE instrument = ? GROUP BY timeframe',
      ),
    };
  }

  read(instrument?: string, gapToleranceMs = 120_000): InstrumentCoverage[] {
    const instruments = this.sql.instruments
      .all()
      .filter((row) => instrument === undefined || row.id === instrument);
    const bytesPerRow = this.bytesPerRow();
    return instruments.map(({ key, id }) => {
      const trades = this.trades.count(key);
      const tradeSpans: Span[] = [];
      // Minutes with trades, from the decoded chunks' times (typed columns, no row per trade).
      let minute = Number.NaN;
      this.trades.forEachBlock(key, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, (block, a, b) => {
        for (let i = a; i < b; i++) {
          const m = Math.floor((block.ts[i] ?? 0) / 60_000);
          if (m === minute) continue;
          minute = m;
          extend(tradeSpans, m * 60_000, m * 60_000 + 59_999, gapToleranceMs);
        }
      });
      let bookDeltas = 0;
      const bookSpans: Span[] = [];
      for (const row of this.sql.bookChunks.iterate(key)) {
        bookDeltas += row.count;
        extend(bookSpans, row.first_ts, row.last_ts, gapToleranceMs);
      }
      const candleSpans: Span[] = [];
      const candles: Record<string, number> = {};
      for (const row of this.sql.candleCounts.all(key)) candles[row.timeframe] = row.n;
      for (const openTime of this.sql.oneMinuteBars.iterate(key))
        extend(candleSpans, openTime, openTime + 59_999, gapToleranceMs);
      const bookSnapshots = this.sql.snapshots.get(key) ?? 0;
      const ranges: Record<DataKind, Span[]> = { trades: tradeSpans, book: bookSpans, candles: candleSpans };

      const gaps: CoverageGap[] = [];
      for (const gap of this.ledger?.list(id) ?? []) {
        gaps.push({ kind: gap.kind, from: gap.fromTs, to: gap.toTs, reason: gap.reason, source: 'ledger' });
      }
      for (const [kind, spans] of Object.entries(ranges)) {
        for (let i = 1; i < spans.length; i++) {
          const before = spans[i - 1];
          const after = spans[i];
          if (before === undefined || after === undefined) continue;
          gaps.push({
            kind,
            from: before.to + 1,
            to: after.from - 1,
            reason: 'nothing recorded',
            source: 'detected',
          });
        }
      }
      gaps.sort((a, b) => a.from - b.from);
      const candleRows = Object.values(candles).reduce((sum, n) => sum + n, 0);
      const bytes =
        trades * (bytesPerRow.get('trade_chunks') ?? 0) +
        bookDeltas * (bytesPerRow.get('book_deltas') ?? 0) +
        bookSnapshots * (bytesPerRow.get('book_snapshots') ?? 0) +
        candleRows * (bytesPerRow.get('candles') ?? 0);
      return {
        instrument: id,
        ranges,
        gaps,
        counts: { trades, bookDeltas, bookSnapshots, candles },
        bytes: Math.round(bytes),
        gapToleranceMs,
      };
    });
  }

  /**
   * Bytes on disk per stored unit of each table (a trade, a book delta, a snapshot, a bar),
   * indexes included, from the dbstat virtual table: an instrument's size is its share of
   * its tables' pages. Without dbstat (a SQLite built without it) every size reads 0.
   */
  private bytesPerRow(): Map<string, number> {
    const result = new Map<string, number>();
    let pages: { name: string; bytes: number }[];
    try {
      pages = this.db
        .prepare<[], { name: string; bytes: number }>(
          `SELECT coalesce(m.tbl_name, d.name) AS name, sum(d.pgsize) AS bytes FROM dbstat AS d
           LEFT JOIN sqlite_schema AS m ON m.name = d.name GROUP BY 1`,
        )
        .all();
    } catch {
      return result;
    }
    const units: Record<string, string> = {
      trade_chunks: 'SELECT coalesce(sum(count), 0) FROM trade_chunks',
      book_deltas: 'SELECT coalesce(sum(count), 0) FROM book_deltas',
      book_snapshots: 'SELECT count(*) FROM book_snapshots',
      candles: 'SELECT count(*) FROM candles',
    };
    for (const { name, bytes } of pages) {
      const query = units[name];
      if (query === undefined) continue;
      const n = this.db.prepare<[], number>(query).pluck().get() ?? 0;
      if (n > 0) result.set(name, bytes / n);
    }
    return result;
  }
}

/** Append [from, to] to ordered spans, merging when the silence since the last is within tolerance. */
function extend(spans: Span[], from: number, to: number, tolerance: number): void {
  const last = spans[spans.length - 1];
  if (last !== undefined && from - last.to <= tolerance) {
    if (to > last.to) last.to = to;
    return;
  }
  spans.push({ from, to });
}
