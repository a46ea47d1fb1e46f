import { emptyBars, rollUpBars, type BarColumns } from '../../shared/candles/roll-up.js';
import { TIMEFRAMES, TIMEFRAME_MS } from '../../shared/domain/timeframes.js';
import type { SqliteDatabase } from '../storage/database.js';
import { CHUNK_MAX_TRADES, CHUNK_SPAN_MS, TradeStaging, TradeStore } from '../storage/trade-store.js';
import { numericId } from '../storage/trade-chunk-codec.js';
import type { BulkStore } from './bulk-store.js';
import { dayOf, type CandleLedger } from './candle-ledger.js';
import { TradeColumns } from './trade-batch.js';

const DAY_MS = TIMEFRAME_MS['1d'];
/** Shortest first: the first is built from trades, each next one rolled up from the one before. */
const ORDERED = [...TIMEFRAMES].sort((a, b) => TIMEFRAME_MS[a] - TIMEFRAME_MS[b]);
const FINEST_MS = TIMEFRAME_MS[ORDERED[0] ?? '1d'];
/** Bars per INSERT statement when staging candles: one call into SQLite per bar was most of their cost. */
const BARS_PER_INSERT = 64;

/** What a publish wrote. */
export interface StagedPublish {
  /** Trades appended. */
  readonly rows: number;
  /** The file's first day also holds trades stored before it: rebuilt from all its trades. */
  readonly sharedFirstDay: boolean;
}

/**
 * The one pass of a trades import (issue #12: parse once, 1M trades/s): each batch the file
 * check lets through is encoded into trade chunks and its candles of every timeframe are built
 * from the typed columns, both staged on the importing connection (TEMP tables in a temporary
 * file) where no other connection sees them. Once the whole file has checked out, `publish`
 * makes rows and candles visible in one transaction. A corrupt or truncated file is refused
 * before the publish, so it writes nothing; an import killed before the publish leaves nothing.
 *
 * Staging holds while the file is one clean run: (ts, seq) and numeric trade ids strictly
 * rising (exchange dumps are), so the staged chunks are what the trade store would write. A
 * file that is not (unsorted, text ids, repeats) stops staging (`staged` turns false) and is
 * still checked to the end; its rows are then written by the merging write pass, as is a file
 * that does not come after the stored trades (`publish` gives null).
 */
export class StagedTrades {
  private readonly staging: TradeStaging;
  private readonly trades: TradeStore;
  private readonly sql;
  /** The rows of a chunk not closed at the end of a batch, carried into the next. */
  private readonly carry = new TradeColumns();
  private clean = true;
  private lastTs = Number.NEGATIVE_INFINITY;
  private lastSeq = Number.NEGATIVE_INFINITY;
  private lastId = -1;
  private firstTs = Number.NaN;
  private minId = Number.NaN;
  /** The UTC day whose finest bars are being built, and those bars. */
  private day = Number.NaN;
  private bars: BarColumns = emptyBars();
  private firstDay = Number.NaN;
  /** Flattened bars for the multi-row INSERT, reused. */
  private readonly barParams: (number | string)[] = [];

  constructor(
    private readonly db: SqliteDatabase,
    private readonly bulk: BulkStore,
    private readonly instrument: string,
  ) {
    this.staging = new TradeStaging(db);
    this.trades = new TradeStore(db);
    db.exec(`DROP TABLE IF EXISTS temp.staged_day_bars;
      CREATE TEMP TABLE staged_day_bars (day INTEGER PRIMARY KEY, bars BLOB NOT NULL)`);
    const values = Array.from({ length: BARS_PER_INSERT }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
    const columns = 'instrument, timeframe, open_time, open, high, low, close, volume, quote_volume, trades';
    this.sql = {
      stageDay: db.prepare<[number, Buffer]>('INSERT INTO temp.staged_day_bars (day, bars) VALUES (?, ?)'),
      // Days first, then each day's blob alone: a month of one-second bars is 150 MB at once.
      days: db.prepare<[], number>('SELECT day FROM temp.staged_day_bars ORDER BY day').pluck(),
      dayBars: db.prepare<[number], Buffer>('SELECT bars FROM temp.staged_day_bars WHERE day = ?').pluck(),
      insertMany: db.prepare(`INSERT INTO main.candles (${columns}) VALUES ${values}`),
      insertOne: db.prepare(`INSERT INTO main.candles (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      deleteCandles: db.prepare<[number, string, number, number]>(
        'DELETE FROM candles WHERE instrument = ? AND timeframe = ? AND open_time >= ? AND open_time < ?',
      ),
    };
  }

  /** False once the file turned out not to be one clean run: its rows need the write pass. */
  get staged(): boolean {
    return this.clean;
  }

  /** Stages a checked batch (its columns are refilled after this returns). */
  add(rows: TradeColumns): void {
    if (!this.clean || rows.length === 0) return;
    if (!this.checkRunAndBuildBars(rows)) {
      this.clean = false;
      this.carry.clear();
      return;
    }
    this.stageChunks(rows);
  }

  /**
   * One loop over the batch: that it continues the clean run, and the finest bars of its
   * trades (as BulkStore.rebuildCandles builds them from stored trades, in the same order, so
   * the sums are the same floats). False at the first row out of order or without a rising id.
   */
  private checkRunAndBuildBars(rows: TradeColumns): boolean {
    const { ts: times, seq: seqs, price: prices, amount: amounts, id: ids } = rows.columns();
    let lastTs = this.lastTs;
    let lastSeq = this.lastSeq;
    let lastId = this.lastId;
    let bars = this.bars;
    for (let i = 0; i < rows.length; i++) {
      const ts = times[i] ?? 0;
      const seq = seqs[i] ?? 0;
      if (!(ts > lastTs || (ts === lastTs && seq > lastSeq))) return false;
      const raw = ids[i] ?? null;
      const id = typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0 ? raw : numericId(raw);
      if (id === null || id <= lastId) return false;
      if (Number.isNaN(this.firstTs)) {
        this.firstTs = ts;
        this.minId = id;
      }
      lastTs = ts;
      lastSeq = seq;
      lastId = id;
      const price = prices[i] ?? 0;
      const amount = amounts[i] ?? 0;
      if (!(ts < this.day + DAY_MS)) {
        this.closeDay();
        this.day = dayOf(ts);
        if (Number.isNaN(this.firstDay)) this.firstDay = this.day;
        bars = this.bars;
      }
      const openTime = Math.floor(ts / FINEST_MS) * FINEST_MS;
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
    this.lastTs = lastTs;
    this.lastSeq = lastSeq;
    this.lastId = lastId;
    return true;
  }

  /**
   * Cuts the batch into chunks as TradeStore.writeChunks does (CHUNK_MAX_TRADES, CHUNK_SPAN_MS);
   * the last one, still open at the batch's end, is carried into the next batch, so batch
   * boundaries leave no short chunks.
   */
  private stageChunks(rows: TradeColumns): void {
    const run = rows.columns();
    const times = run.ts;
    let start = 0;
    const carry = this.carry;
    if (carry.length > 0) {
      const firstTs = carry.ts[0] ?? 0;
      let end = start;
      const room = Math.min(rows.length, CHUNK_MAX_TRADES - carry.length);
      while (end < room && (times[end] ?? 0) - firstTs < CHUNK_SPAN_MS) end++;
      carry.appendRange(rows, 0, end);
      start = end;
      // Still open: neither full nor ended by the span, and the batch is used up.
      if (start === rows.length && carry.length < CHUNK_MAX_TRADES) return;
      this.staging.stageChunk(carry.columns(), 0, carry.length);
      carry.clear();
    }
    while (start < rows.length) {
      const firstTs = times[start] ?? 0;
      const limit = Math.min(rows.length, start + CHUNK_MAX_TRADES);
      let end = start + 1;
      while (end < limit && (times[end] ?? 0) - firstTs < CHUNK_SPAN_MS) end++;
      const closed = end - start === CHUNK_MAX_TRADES || end < rows.length;
      if (!closed) {
        carry.appendRange(rows, start, end);
        return;
      }
      this.staging.stageChunk(run, start, end);
      start = end;
    }
  }

  /**
   * Stages the bars of the day being built, in every timeframe, as one blob of float64 columns
   * (per timeframe: count, then open time, open, high, low, close, volume, quote, trades), and
   * starts an empty day. A row per bar cost more than the rows of trades; a day is at most
   * 86,400 one-second bars, so the blob stays a few MB.
   */
  private closeDay(): void {
    if (this.bars.openTime.length === 0) return;
    const all: BarColumns[] = [];
    let bars = this.bars;
    for (const [index, timeframe] of ORDERED.entries()) {
      if (index > 0) bars = rollUpBars(bars, TIMEFRAME_MS[timeframe]);
      all.push(bars);
    }
    const packed = new Float64Array(all.reduce((n, b) => n + 1 + 8 * b.openTime.length, 0));
    let at = 0;
    for (const b of all) {
      packed[at++] = b.openTime.length;
      for (const column of [b.openTime, b.open, b.high, b.low, b.close, b.volume, b.quote, b.trades]) {
        packed.set(column, at);
        at += column.length;
      }
    }
    this.sql.stageDay.run(this.day, Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength));
    this.bars = emptyBars();
  }

  /** Replaces one day's candles with its staged bars (inside the caller's transaction). */
  private writeDay(key: number, day: number, blob: Buffer): number {
    // Copied into an aligned array: a blob's bytes may start anywhere in its buffer.
    const packed = new Float64Array(blob.byteLength / 8);
    new Uint8Array(packed.buffer).set(blob);
    const params = this.barParams;
    let at = 0;
    let written = 0;
    for (const timeframe of ORDERED) {
      this.sql.deleteCandles.run(key, timeframe, day, day + DAY_MS);
      const n = packed[at++] ?? 0;
      const column = (c: number, i: number): number => packed[at + c * n + i] ?? 0;
      const bar = (i: number): void => {
        params.push(key, timeframe, column(0, i), column(1, i), column(2, i), column(3, i));
        params.push(column(4, i), column(5, i), column(6, i), column(7, i));
      };
      let i = 0;
      for (; i + BARS_PER_INSERT <= n; i += BARS_PER_INSERT) {
        params.length = 0;
        for (let k = i; k < i + BARS_PER_INSERT; k++) bar(k);
        this.sql.insertMany.run(params);
      }
      for (; i < n; i++) {
        params.length = 0;
        bar(i);
        this.sql.insertOne.run(params);
      }
      at += 8 * n;
      written += n;
    }
    return written;
  }

  /** Stages what the last batch left open: the carried chunk and the last day's bars. */
  finish(): void {
    if (!this.clean) return;
    if (this.carry.length > 0) this.staging.stageChunk(this.carry.columns(), 0, this.carry.length);
    this.carry.clear();
    this.closeDay();
  }

  /**
   * Makes the staged rows visible (call inside one write transaction, after `finish`): the
   * chunks are appended and every day they touch is marked in the candle ledger, in that same
   * transaction. Null when the file's rows do not come strictly after the stored ones (nothing
   * is written then). The candles follow with `settle`.
   */
  publish(ledger: CandleLedger): StagedPublish | null {
    if (!this.clean) return null;
    if (this.staging.rows === 0) return { rows: 0, sharedFirstDay: false };
    const key = this.bulk.keyOf(this.instrument);
    const ids = { min: this.minId, max: this.lastId };
    if (!this.trades.appendsAfter(key, this.firstTs, ids)) return null;
    const storedTo = this.trades.range(key)?.to ?? Number.NEGATIVE_INFINITY;
    const rows = this.staging.publish(key);
    ledger.markDirty(this.instrument, this.firstTs, this.lastTs);
    return { rows, sharedFirstDay: storedTo >= this.firstDay };
  }

  /**
   * After `publish`: writes each staged day's candles of every timeframe and clears its mark, a
   * day per transaction (the live recorder gets the write lock between days), as a rebuild from
   * the trades would. A day that also holds trades stored before the file stays marked, for
   * repairCandles to rebuild from all its trades. `pause` runs between days and may throw to
   * stop (what is left stays marked). Returns the bars written.
   */
  async settle(
    ledger: CandleLedger,
    published: StagedPublish,
    pause: () => Promise<void>,
    onDay: (done: number, total: number) => void,
  ): Promise<{ days: number; bars: number }> {
    const days = this.sql.days.all();
    let bars = 0;
    let settled = 0;
    for (const [index, day] of days.entries()) {
      const blob = this.sql.dayBars.get(day);
      if (blob !== undefined && !(published.sharedFirstDay && day === this.firstDay)) {
        bars += ledger.settleDay(this.instrument, day, (key) => this.writeDay(key, day, blob));
        settled++;
      }
      onDay(index + 1, days.length);
      await pause();
    }
    return { days: settled, bars };
  }

  /** Drops what was staged (published or not); the connection stays as it was. */
  dispose(): void {
    this.staging.dispose();
    this.db.exec('DROP TABLE IF EXISTS temp.staged_day_bars');
    this.carry.clear();
  }
}
