import { TIMEFRAMES, TIMEFRAME_MS, type Timeframe } from '../../shared/domain/timeframes.js';
import { emptyBars, rollUpBars as rollUp, type BarColumns } from '../../shared/candles/roll-up.js';
import type { SqliteDatabase } from '../storage/database.js';
import { TradeStore } from '../storage/trade-store.js';
import { CandleRollUp } from './candle-rollup.js';
import type { CandleColumns } from './trade-batch.js';

/**
 * Trades to import as columns: TradeColumns (trade-batch.ts) is one; `receiveTs` is the local
 * receive time of each trade in ms (NaN where unknown), for files that carry one (Tardis's
 * local_timestamp), so a replay can reproduce the feed's delays.
 */
export interface TradeRows {
  readonly length: number;
  readonly ts: ArrayLike<number>;
  readonly seq: ArrayLike<number>;
  readonly id: ArrayLike<string | number | null>;
  readonly price: ArrayLike<number>;
  readonly amount: ArrayLike<number>;
  /** 1 = taker buy, -1 = taker sell. */
  readonly side: ArrayLike<number>;
  readonly receiveTs?: ArrayLike<number> | null;
}

/** Trades handed to the trade store per call: bounds the merge buffers, reports progress. */
const ROWS_PER_WRITE = 50_000;
const DAY_MS = TIMEFRAME_MS['1d'];

/**
 * Bulk writes for imports and backfills, in the caller's transaction. Trades go to the trade
 * store (trade-store.ts) as packed chunks, 50k at a time: rows after the stored ones are
 * appended as new chunks, rows inside stored history are merged into the chunks they fall in.
 * Duplicates (same (ts, seq), or same trade id at the same ts) are skipped, as live recording
 * does.
 */
export class BulkStore {
  private readonly sql;
  private readonly keys = new Map<string, number>();
  private readonly rollUps: CandleRollUp;

  private readonly trades: TradeStore;

  constructor(readonly db: SqliteDatabase) {
    this.rollUps = new CandleRollUp(db);
    this.trades = new TradeStore(db);
    this.sql = {
      key: db.prepare<[string], number>('SELECT key FROM instruments WHERE id = ?').pluck(),
      candle: db.prepare(
        `INSERT INTO candles (instrument, timeframe, open_time, open, high, low, close, volume, quote_volume, trades)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (instrument, timeframe, open_time) DO UPDATE SET
           open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
           volume = excluded.volume, quote_volume = excluded.quote_volume, trades = excluded.trades`,
      ),
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
    rows: TradeRows,
    from = 0,
    to = rows.length,
    onProgress?: (written: number) => void,
  ): number {
    const key = this.keyOf(instrument);
    const columns = {
      ts: rows.ts,
      seq: rows.seq,
      id: rows.id,
      price: rows.price,
      amount: rows.amount,
      side: rows.side,
      receiveTs: rows.receiveTs ?? null,
    };
    // Rows strictly after the stored ones (an import of a new month, a backfill forward)
    // are appended as whole chunks, with no merge.
    const appended = this.trades.append(key, columns, from, to);
    if (appended !== null) {
      onProgress?.(to - from);
      return appended;
    }
    let inserted = 0;
    for (let start = from; start < to; start += ROWS_PER_WRITE) {
      const end = Math.min(to, start + ROWS_PER_WRITE);
      const kept = this.trades.insert(key, columns, start, end);
      for (const flag of kept) inserted += flag;
      if (end < to) onProgress?.(end - from);
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
    // Read chunk by chunk as typed columns, no object per trade; written after the scan.
    this.trades.forEachBlock(key, start, end, (block, a, b) => {
      const { ts: times, price: prices, amount: amounts } = block;
      for (let i = a; i < b; i++) {
        const ts = times[i] ?? 0;
        const price = prices[i] ?? 0;
        const amount = amounts[i] ?? 0;
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
    });
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
