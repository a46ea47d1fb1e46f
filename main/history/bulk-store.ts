import { TIMEFRAMES, TIMEFRAME_MS, type Timeframe } from '../../shared/domain/timeframes.js';
import { emptyBars, rollUpBars as rollUp, type BarColumns } from '../../shared/candles/roll-up.js';
import type { SqliteDatabase } from '../storage/database.js';
import { CandleRollUp } from './candle-rollup.js';
import type { CandleColumns, TradeColumns } from './trade-batch.js';

/** Rows bound per INSERT statement: one statement call per 200 rows instead of per row. */
const ROWS_PER_STATEMENT = 200;
const DAY_MS = TIMEFRAME_MS['1d'];

/**
 * Bulk writes for imports and backfills. Trades go in with multi-row INSERT statements (one
 * native call binds 200 rows: the per-call overhead of better-sqlite3 dominates a row-at-a-time
 * loop) in the caller's transaction, in (ts, seq) order so the WITHOUT ROWID primary key grows
 * at its right edge. Duplicates (same (ts, seq) or trade id) are skipped, as live recording does.
 * The 1400 values of a statement are passed as spread arguments, not as one array: better-sqlite3
 * reads an array element by element through V8's generic property lookup, which doubles the cost
 * of binding (measured on this 2-core machine, CPU time per row: binding alone 0.40 vs 0.19 us,
 * the whole insert about 12-19% less; bulk_import_trades_per_s in tests/bench/record.ts).
 *
 * The secondary index on trade ids is kept: dropping and rebuilding it would re-sort the whole
 * table, which only pays off for a file several times larger than what is already recorded,
 * and would block the live recorder for that long. Measured in tests/bench/record.ts.
 */
export class BulkStore {
  private readonly sql;
  private readonly keys = new Map<string, number>();
  private readonly rollUps: CandleRollUp;

  constructor(readonly db: SqliteDatabase) {
    this.rollUps = new CandleRollUp(db);
    const values = Array.from({ length: ROWS_PER_STATEMENT }, () => '(?, ?, ?, ?, ?, ?, ?)').join(', ');
    this.sql = {
      key: db.prepare<[string], number>('SELECT key FROM instruments WHERE id = ?').pluck(),
      tradesMany: db.prepare(
        `INSERT INTO trades (instrument, ts, seq, trade_id, price, amount, side) VALUES ${values} ON CONFLICT DO NOTHING`,
      ),
      tradeOne: db.prepare(
        `INSERT INTO trades (instrument, ts, seq, trade_id, price, amount, side) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      candle: db.prepare(
        `INSERT INTO candles (instrument, timeframe, open_time, open, high, low, close, volume, quote_volume, trades)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (instrument, timeframe, open_time) DO UPDATE SET
           open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
           volume = excluded.volume, quote_volume = excluded.quote_volume, trades = excluded.trades`,
      ),
      tradesInRaw: db
        .prepare<[number, number, number], unknown[]>(
          'SELECT ts, price, amount FROM trades WHERE instrument = ? AND ts >= ? AND ts < ? ORDER BY ts, seq',
        )
        .raw(),
      deleteCandles: db.prepare<[number, string, number, number]>(
        'DELETE FROM candles WHERE instrument = ? AND timeframe = ? AND open_time >= ? AND open_time < ?',
      ),
      changes: db.prepare<[], number>('SELECT changes()').pluck(),
    };
  }

  keyOf(instrument: string): number {
    const cached = this.keys.get(instrument);
    if (cached !== undefined) return cached;
    const key = this.sql.key.get(instrument);
    if (key === undefined)
      throw new Error(`Unknown instrument '${instrument}': add it before importing into it`);
    this.keys.set(instrument, key);
    return key;
  }

  /**
   * Insert trades[from, to) (call inside a transaction). Returns the number inserted; with
   * `onProgress`, reports rows written every ~50k rows.
   */
  insertTrades(
    instrument: string,
    rows: TradeColumns,
    from = 0,
    to = rows.length,
    onProgress?: (written: number) => void,
  ): number {
    const key = this.keyOf(instrument);
    const args: (number | string | null)[] = new Array<number | string | null>(ROWS_PER_STATEMENT * 7);
    let inserted = 0;
    let i = from;
    let sinceReport = 0;
    for (; i + ROWS_PER_STATEMENT <= to; i += ROWS_PER_STATEMENT) {
      for (let j = 0; j < ROWS_PER_STATEMENT; j++) {
        const k = i + j;
        const o = j * 7;
        args[o] = key;
        args[o + 1] = rows.ts[k] ?? 0;
        args[o + 2] = rows.seq[k] ?? 0;
        args[o + 3] = rows.id[k] ?? null;
        args[o + 4] = rows.price[k] ?? 0;
        args[o + 5] = rows.amount[k] ?? 0;
        args[o + 6] = rows.side[k] ?? 0;
      }
      // Spread, not the array: binding from an array argument costs twice as much (see above).
      inserted += this.sql.tradesMany.run(...args).changes;
      sinceReport += ROWS_PER_STATEMENT;
      if (onProgress !== undefined && sinceReport >= 50_000) {
        sinceReport = 0;
        onProgress(i + ROWS_PER_STATEMENT - from);
      }
    }
    for (; i < to; i++) {
      inserted += this.sql.tradeOne.run(
        key,
        rows.ts[i] ?? 0,
        rows.seq[i] ?? 0,
        rows.id[i] ?? null,
        rows.price[i] ?? 0,
        rows.amount[i] ?? 0,
        rows.side[i] ?? 0,
      ).changes;
    }
    onProgress?.(to - from);
    return inserted;
  }

  /**
   * Insert or replace bars (call inside a transaction), then roll them up into every longer
   * timeframe over the days they touch (CandleRollUp), in the same transaction. Returns the
   * count of bars given.
   */
  upsertCandles(instrument: string, rows: CandleColumns, from = 0, to = rows.length): number {
    const key = this.keyOf(instrument);
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (let i = from; i < to; i++) {
      const openTime = rows.openTime[i] ?? 0;
      if (openTime < first) first = openTime;
      if (openTime > last) last = openTime;
      this.sql.candle.run(
        key,
        rows.timeframe,
        rows.openTime[i],
        rows.open[i],
        rows.high[i],
        rows.low[i],
        rows.close[i],
        rows.volume[i],
        rows.quoteVolume[i],
        rows.trades[i],
      );
    }
    this.rollUps.rollUp(key, rows.timeframe, first, last);
    return to - from;
  }

  /**
   * Rebuild the candles of every timeframe from the stored trades of the whole UTC days that
   * [from, to] touches (call inside a transaction): after an import or backfill the bars agree
   * with the trades, including trades recorded before. Whole days, because a 1d bar is the
   * longest. Only the shortest timeframe is built from trades; each longer one from the bars of
   * the one before it (every timeframe divides the next), so a trade is touched once, not once
   * per timeframe. Returns the number of bars written.
   */
  rebuildCandles(
    instrument: string,
    from: number,
    to: number,
    timeframes: readonly Timeframe[] = TIMEFRAMES,
  ): number {
    const key = this.keyOf(instrument);
    const start = Math.floor(from / DAY_MS) * DAY_MS;
    const end = (Math.floor(to / DAY_MS) + 1) * DAY_MS;
    const ordered = [...timeframes].sort((a, b) => TIMEFRAME_MS[a] - TIMEFRAME_MS[b]);
    for (const timeframe of ordered) this.sql.deleteCandles.run(key, timeframe, start, end);
    const first = ordered[0];
    if (first === undefined) return 0;
    // Bars as parallel columns: open_time, open, high, low, close, volume, quote volume, trades.
    let bars = emptyBars();
    const length = TIMEFRAME_MS[first];
    // Read as arrays (raw), not an object per trade; written after the scan, since
    // better-sqlite3 refuses other statements while an iterator is open.
    for (const row of this.sql.tradesInRaw.iterate(key, start, end)) {
      const [ts, price, amount] = row as [number, number, number];
      const openTime = Math.floor(ts / length) * length;
      const last = bars.openTime.length - 1;
      if (last < 0 || bars.openTime[last] !== openTime) {
        bars.openTime.push(openTime);
        bars.open.push(price);
        bars.high.push(price);
        bars.low.push(price);
        bars.close.push(price);
        bars.volume.push(amount);
        bars.quote.push(price * amount);
        bars.trades.push(1);
      } else {
        if (price > (bars.high[last] ?? price)) bars.high[last] = price;
        if (price < (bars.low[last] ?? price)) bars.low[last] = price;
        bars.close[last] = price;
        bars.volume[last] = (bars.volume[last] ?? 0) + amount;
        bars.quote[last] = (bars.quote[last] ?? 0) + price * amount;
        bars.trades[last] = (bars.trades[last] ?? 0) + 1;
      }
    }
    let written = this.writeBars(key, first, bars);
    for (const timeframe of ordered.slice(1)) {
      bars = rollUp(bars, TIMEFRAME_MS[timeframe]);
      written += this.writeBars(key, timeframe, bars);
    }
    return written;
  }

  private writeBars(key: number, timeframe: Timeframe, bars: BarColumns): number {
    for (let i = 0; i < bars.openTime.length; i++) {
      this.sql.candle.run(
        key,
        timeframe,
        bars.openTime[i],
        bars.open[i],
        bars.high[i],
        bars.low[i],
        bars.close[i],
        bars.volume[i],
        bars.quote[i],
        bars.trades[i],
      );
    }
    return bars.openTime.length;
  }
}
