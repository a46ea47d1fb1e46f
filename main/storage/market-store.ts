import type { Candle } from '../../shared/domain/candle.js';
import type { BookSnapshot, Instrument, Trade } from '../../shared/domain/market.js';
import type { Signal, SignalDirection } from '../../shared/domain/signal.js';
import { TIMEFRAME_MS, barOpenTime, type Timeframe } from '../../shared/domain/timeframes.js';
import { decodeLevels, encodeLevels } from './book-blob.js';
import type { SqliteDatabase } from './database.js';
import { candleFromRow, type CandleRow } from './rows.js';
import { TradeStore } from './trade-store.js';

/** Levels per side kept in a stored book snapshot unless told otherwise. */
export const DEFAULT_SNAPSHOT_DEPTH = 50;

/** Market data was written for an instrument that was never upserted. */
export class UnknownInstrumentError extends Error {
  override readonly name = 'UnknownInstrumentError';

  constructor(readonly instrument: string) {
    super(`Unknown instrument '${instrument}': upsertInstrument() it before writing its market data`);
  }
}

/** Anything that parses an unknown value into a T, e.g. a zod schema. */
export interface Parser<T> {
  parse(value: unknown): T;
}

interface InstrumentRow {
  id: string;
  exchange: string;
  symbol: string;
  base: string;
  quote: string;
  tick_size: number;
  lot_size: number;
}

interface SnapshotRow {
  ts: number;
  seq: number;
  bids: Buffer;
  asks: Buffer;
}

interface SignalRow {
  ts: number;
  source: string;
  direction: SignalDirection;
  strength: number;
  price: number;
}

interface CandleParams {
  instrument: number;
  timeframe: Timeframe;
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quoteVolume: number;
  trades: number;
}

type LateTradeParams = CandleParams & { firstPrice: number | null; lastPrice: number | null };

const SIDE_TO_DB = { buy: 1, sell: -1 } as const;
/** Ask for "everything up to now" without a clock: no timestamp in the store is ever larger. */
const END_OF_TIME = Number.MAX_SAFE_INTEGER;

/**
 * Reads and writes market data with prepared statements. Every bulk write runs in a
 * `db.transaction()`, which nests as a savepoint when the caller (the recorder) already holds
 * one, so a batch is all-or-nothing. Nothing here awaits: a transaction never spans an await.
 *
 * Instruments are addressed by id outside and by their integer key inside (see 0001_initial);
 * the id -> key map is cached, so writes for an instrument must follow its upsertInstrument.
 */
/** Bars as Float64 columns, oldest first (MarketStore.candleColumns). */
export interface CandleColumns {
  readonly length: number;
  readonly openTime: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/** The SQL function candleColumns reads rows through; a name no schema object uses. */
const COLUMN_SINK = 'tw_candle_columns_sink';

/** Preallocated columns that the rows of one candleColumns read are written into, in order. */
class ColumnSink {
  private at = 0;
  private lastOpenTime = Number.NEGATIVE_INFINITY;
  private ordered = true;
  readonly openTime: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;

  constructor(readonly length: number) {
    this.openTime = new Float64Array(length);
    this.open = new Float64Array(length);
    this.high = new Float64Array(length);
    this.low = new Float64Array(length);
    this.close = new Float64Array(length);
    this.volume = new Float64Array(length);
  }

  push(openTime: number, open: number, high: number, low: number, close: number, volume: number): void {
    const i = this.at++;
    if (i >= this.length) throw new Error(`candle read: more bars than the ${this.length} counted`);
    if (!(openTime > this.lastOpenTime)) this.ordered = false;
    this.lastOpenTime = openTime;
    this.openTime[i] = openTime;
    this.open[i] = open;
    this.high[i] = high;
    this.low[i] = low;
    this.close[i] = close;
    this.volume[i] = volume;
  }

  columns(): CandleColumns {
    if (this.at !== this.length)
      throw new Error(`candle read: ${this.at} bars read of the ${this.length} counted`);
    // SQL does not promise that a function sees a subquery's rows in its ORDER BY order (the
    // primary key's range scan gives them so); a read out of order is refused, not misused.
    if (!this.ordered) throw new Error('candle read: bars arrived out of open-time order');
    const { length, openTime, open, high, low, close, volume } = this;
    return { length, openTime, open, high, low, close, volume };
  }
}

export class MarketStore {
  readonly db: SqliteDatabase;
  /** Trades live in packed chunks (trade-store.ts); this is their one reader and writer here. */
  readonly trades: TradeStore;
  private readonly keys = new Map<string, number>();
  private readonly sql;
  private readonly transactions;

  constructor(db: SqliteDatabase) {
    this.db = db;
    this.trades = new TradeStore(db);
    this.sql = {
      upsertInstrument: db.prepare<[string, string, string, string, string, number, number], { key: number }>(
        `INSERT INTO instruments (id, exchange, symbol, base, quote, tick_size, lot_size)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET exchange = excluded.exchange, symbol = excluded.symbol,
           base = excluded.base, quote = excluded.quote, tick_size = excluded.tick_size,
           lot_size = excluded.lot_size
         RETURNING key`,
      ),
      instrumentKey: db.prepare<[string], { key: number }>('SELECT key FROM instruments WHERE id = ?'),
      listInstruments: db.prepare<[], InstrumentRow>(
        'SELECT id, exchange, symbol, base, quote, tick_size, lot_size FROM instruments ORDER BY id',
      ),
      insertSnapshot: db.prepare<[number, number, number, Buffer, Buffer, number | null]>(
        `INSERT INTO book_snapshots (instrument, ts, seq, bids, asks, local_ts) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
      ),
      latestSnapshot: db.prepare<[number, number], SnapshotRow>(
        `SELECT ts, seq, bids, asks FROM book_snapshots
         WHERE instrument = ? AND ts <= ? ORDER BY ts DESC, seq DESC LIMIT 1`,
      ),
      upsertCandle: db.prepare<CandleParams>(
        `INSERT INTO candles (instrument, timeframe, open_time, open, high, low, close, volume, quote_volume, trades)
         VALUES (@instrument, @timeframe, @openTime, @open, @high, @low, @close, @volume, @quoteVolume, @trades)
         ON CONFLICT (instrument, timeframe, open_time) DO UPDATE SET
           open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
           volume = excluded.volume, quote_volume = excluded.quote_volume, trades = excluded.trades`,
      ),
      // The late trade is already stored, so the bar's open and close are its first and last
      // stored trade (@firstPrice, @lastPrice: read from the bar's edge chunks by the caller).
      mergeLateTrade: db.prepare<LateTradeParams>(
        `INSERT INTO candles (instrument, timeframe, open_time, open, high, low, close, volume, quote_volume, trades)
         VALUES (@instrument, @timeframe, @openTime, @open, @high, @low, @close, @volume, @quoteVolume, @trades)
         ON CONFLICT (instrument, timeframe, open_time) DO UPDATE SET
           open = coalesce(@firstPrice, candles.open),
           close = coalesce(@lastPrice, candles.close),
           high = max(candles.high, excluded.high), low = min(candles.low, excluded.low),
           volume = candles.volume + excluded.volume,
           quote_volume = candles.quote_volume + excluded.quote_volume,
           trades = candles.trades + excluded.trades`,
      ),
      candlesUpTo: db.prepare<[number, string, number, number], CandleRow>(
        `SELECT open_time, open, high, low, close, volume, quote_volume, trades FROM candles
         WHERE instrument = ? AND timeframe = ? AND open_time <= ? ORDER BY open_time DESC LIMIT ?`,
      ),
      candleAt: db.prepare<[number, string, number], CandleRow>(
        `SELECT open_time, open, high, low, close, volume, quote_volume, trades FROM candles
         WHERE instrument = ? AND timeframe = ? AND open_time = ?`,
      ),
      insertSignal: db.prepare<[number, number, string, string, number, number]>(
        // A rerun over the same range computes the same signals: the one already recorded stays.
        `INSERT INTO signals (instrument, ts, source, direction, strength, price) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (instrument, ts, source) DO NOTHING`,
      ),
      recentSignals: db.prepare<[number, number], SignalRow>(
        `SELECT ts, source, direction, strength, price FROM signals
         WHERE instrument = ? ORDER BY ts DESC, id DESC LIMIT ?`,
      ),
      getSetting: db.prepare<[string], string>('SELECT value FROM settings WHERE key = ?').pluck(),
      setSetting: db.prepare<[string, string]>(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
    };
    // Created once; each nests as a savepoint inside a caller's transaction.
    this.transactions = {
      insertTrades: db.transaction(
        (
          trades: Iterable<Trade>,
          onInserted: ((trade: Trade) => void) | undefined,
          receivedAt: readonly number[] | undefined,
        ): number => this.writeTrades(trades, onInserted, receivedAt),
      ),
      upsertCandles: db.transaction((candles: Iterable<Candle>): number => this.writeCandles(candles)),
      insertSignals: db.transaction((signals: Iterable<Signal>): number => this.writeSignals(signals)),
    };
  }

  upsertInstrument(instrument: Instrument): void {
    const row = this.sql.upsertInstrument.get(
      instrument.id,
      instrument.exchange,
      instrument.symbol,
      instrument.base,
      instrument.quote,
      instrument.tickSize,
      instrument.lotSize,
    );
    if (row === undefined) throw new Error(`Upsert of instrument '${instrument.id}' returned no key`);
    this.keys.set(instrument.id, row.key);
  }

  /**
   * Forgets an instrument that holds no rows (one an import created and then refused to fill).
   * Returns false, and keeps it, when any market data still points at it.
   */
  removeEmptyInstrument(id: string): boolean {
    try {
      const { changes } = this.db.prepare('DELETE FROM instruments WHERE id = ?').run(id);
      this.keys.delete(id);
      return changes > 0;
    } catch (error) {
      // foreign_keys=ON: rows of trades, book or candles refer to it, so it is not empty.
      if (error instanceof Error && 'code' in error && error.code === 'SQLITE_CONSTRAINT_FOREIGNKEY')
        return false;
      throw error;
    }
  }

  hasInstrument(id: string): boolean {
    return this.keyOf(id) !== undefined;
  }

  listInstruments(): Instrument[] {
    return this.sql.listInstruments.all().map((row) => ({
      id: row.id,
      exchange: row.exchange,
      symbol: row.symbol,
      base: row.base,
      quote: row.quote,
      tickSize: row.tick_size,
      lotSize: row.lot_size,
    }));
  }

  /**
   * Insert trades in one transaction, skipping duplicates (same (ts, seq), or same trade id at
   * the same exchange time, for the instrument: what a resend after a reconnect looks like).
   * Returns the number inserted; `onInserted` sees each inserted trade, in the order given,
   * which is how the recorder builds candles from exactly the trades that were stored.
   * `receivedAt[i]` is the local receive time of the i-th trade (NaN where unknown).
   */
  insertTrades(
    trades: Iterable<Trade>,
    onInserted?: (trade: Trade) => void,
    receivedAt?: readonly number[],
  ): number {
    return this.transactions.insertTrades(trades, onInserted, receivedAt);
  }

  /** The last `limit` trades of an instrument, newest last. */
  recentTrades(instrument: string, limit: number): Trade[] {
    const key = this.keyOf(instrument);
    if (key === undefined) return [];
    return this.trades.latest(key, instrument, Number.MIN_SAFE_INTEGER, END_OF_TIME, limit);
  }

  /** Trades stored for one instrument, or for all when omitted. */
  countTrades(instrument?: string): number {
    if (instrument === undefined) return this.trades.count();
    const key = this.keyOf(instrument);
    return key === undefined ? 0 : this.trades.count(key);
  }

  /** The instrument's key for the trade store (trade-store.ts), or undefined if unknown. */
  instrumentKey(instrument: string): number | undefined {
    return this.keyOf(instrument);
  }

  /**
   * Store the top `depth` levels of each side. Returns false if a snapshot with the same
   * (instrument, ts, seq) is already stored.
   */
  insertBookSnapshot(snapshot: BookSnapshot, depth = DEFAULT_SNAPSHOT_DEPTH): boolean {
    const { changes } = this.sql.insertSnapshot.run(
      this.requireKey(snapshot.instrument),
      snapshot.ts,
      snapshot.seq,
      encodeLevels(snapshot.bids, depth),
      encodeLevels(snapshot.asks, depth),
      snapshot.localTs !== undefined && Number.isSafeInteger(snapshot.localTs) && snapshot.localTs >= 0
        ? snapshot.localTs
        : null,
    );
    return changes > 0;
  }

  /** The newest stored snapshot at or before `atOrBefore` (the newest of all when omitted). */
  latestBookSnapshot(instrument: string, atOrBefore = END_OF_TIME): BookSnapshot | null {
    const key = this.keyOf(instrument);
    if (key === undefined) return null;
    const row = this.sql.latestSnapshot.get(key, atOrBefore);
    if (row === undefined) return null;
    return {
      instrument,
      ts: row.ts,
      seq: row.seq,
      bids: decodeLevels(row.bids),
      asks: decodeLevels(row.asks),
    };
  }

  /** Insert or replace bars with their newer state, in one transaction. Returns the count. */
  upsertCandles(candles: Iterable<Candle>): number {
    return this.transactions.upsertCandles(candles);
  }

  /**
   * Add a trade that arrived after its bar had closed (see CandleBuilder) to the stored bar,
   * creating the bar if it has no other trade. The trade must already be in `trades`, and the
   * bar's other trades too: open and close are re-read from there.
   */
  mergeLateTrade(trade: Trade, timeframe: Timeframe): void {
    const openTime = barOpenTime(trade.ts, timeframe);
    const key = this.requireKey(trade.instrument);
    const closeTime = openTime + TIMEFRAME_MS[timeframe];
    this.sql.mergeLateTrade.run({
      instrument: key,
      timeframe,
      openTime,
      firstPrice: this.trades.firstPriceIn(key, openTime, closeTime),
      lastPrice: this.trades.lastPriceIn(key, openTime, closeTime),
      open: trade.price,
      high: trade.price,
      low: trade.price,
      close: trade.price,
      volume: trade.amount,
      quoteVolume: trade.price * trade.amount,
      trades: 1,
    });
  }

  /** The last `limit` bars with open_time <= `to` (all when omitted), oldest first. */
  candles(instrument: string, timeframe: Timeframe, limit: number, to = END_OF_TIME): Candle[] {
    const key = this.keyOf(instrument);
    if (key === undefined) return [];
    return this.sql.candlesUpTo
      .all(key, timeframe, to, limit)
      .reverse()
      .map((row) => candleFromRow(instrument, timeframe, row));
  }

  /** The stored bar that opens at `openTime`, or null. */
  candleAt(instrument: string, timeframe: Timeframe, openTime: number): Candle | null {
    const key = this.keyOf(instrument);
    if (key === undefined) return null;
    const row = this.sql.candleAt.get(key, timeframe, openTime);
    return row === undefined ? null : candleFromRow(instrument, timeframe, row);
  }

  /**
   * The bars of [from, to) by open time, oldest first, as Float64 columns: a backtest reads a
   * year of 1m bars (525k) per worker, and a CLI backtest reads its 45k bars in a process that
   * is timed whole. The rows never become JS values one by one: a scalar SQL function
   * (registered once per connection) is handed each row's six numbers and writes them into the
   * columns, about half the time of iterating raw rows (each an array, plus an iterator step).
   */
  candleColumns(instrument: string, timeframe: Timeframe, from: number, to: number): CandleColumns {
    const key = this.keyOf(instrument) ?? -1;
    const where = 'FROM candles WHERE instrument = ? AND timeframe = ? AND open_time >= ? AND open_time < ?';
    const count = this.db
      .prepare<[number, string, number, number], number>(`SELECT count(*) ${where}`)
      .pluck();
    this.registerColumnSink();
    const fill = this.db
      .prepare<[number, string, number, number], number>(
        `SELECT count(${COLUMN_SINK}(open_time, open, high, low, close, volume)) ` +
          `FROM (SELECT open_time, open, high, low, close, volume ${where} ORDER BY open_time)`,
      )
      .pluck();
    // Counted and read in one read transaction, so no writer can add a bar in between.
    return this.db.transaction(() => {
      const length = count.get(key, timeframe, from, to) ?? 0;
      const out = new ColumnSink(length);
      this.sink = out;
      try {
        fill.get(key, timeframe, from, to);
      } finally {
        this.sink = null;
      }
      return out.columns();
    })();
  }

  /** Where the connection's column function writes the row it is handed (candleColumns). */
  private sink: ColumnSink | null = null;
  private sinkRegistered = false;

  private registerColumnSink(): void {
    if (this.sinkRegistered) return;
    // Six named parameters, no rest array: the function is called once per bar.
    this.db.function(
      COLUMN_SINK,
      { directOnly: true },
      (openTime: number, open: number, high: number, low: number, close: number, volume: number) => {
        const sink = this.sink;
        if (sink === null) throw new Error(`${COLUMN_SINK} is called by MarketStore.candleColumns only`);
        sink.push(openTime, open, high, low, close, volume);
        return null;
      },
    );
    this.sinkRegistered = true;
  }

  /** Insert signals in one transaction. Returns how many were new (a signal already recorded is kept). */
  insertSignals(signals: Iterable<Signal>): number {
    return this.transactions.insertSignals(signals);
  }

  /** The last `limit` signals of an instrument, newest last. */
  recentSignals(instrument: string, limit: number): Signal[] {
    const key = this.keyOf(instrument);
    if (key === undefined) return [];
    return this.sql.recentSignals
      .all(key, limit)
      .reverse()
      .map((row) => ({
        instrument,
        ts: row.ts,
        source: row.source,
        direction: row.direction,
        strength: row.strength,
        price: row.price,
      }));
  }

  /**
   * A setting's stored JSON value, or undefined if never set. Pass a parser (a zod schema) to
   * check the shape; without one the value is returned as T unchecked.
   */
  getSetting<T>(key: string, parser?: Parser<T>): T | undefined {
    const json = this.sql.getSetting.get(key);
    if (json === undefined) return undefined;
    const value: unknown = JSON.parse(json);
    return parser === undefined ? (value as T) : parser.parse(value);
  }

  /** Store any JSON-serialisable value under `key`, replacing the previous one. */
  setSetting(key: string, value: unknown): void {
    const json = JSON.stringify(value) as string | undefined;
    if (json === undefined)
      throw new TypeError(`Setting '${key}' must be JSON-serialisable, got ${typeof value}`);
    this.sql.setSetting.run(key, json);
  }

  /**
   * Trades grouped per instrument (a flush holds several) as columns for the trade store, then
   * `onInserted` called in the order given for those stored.
   */
  private writeTrades(
    trades: Iterable<Trade>,
    onInserted: ((trade: Trade) => void) | undefined,
    receivedAt: readonly number[] | undefined,
  ): number {
    const all = Array.isArray(trades) ? (trades as readonly Trade[]) : [...trades];
    const byInstrument = new Map<string, number[]>();
    all.forEach((trade, i) => {
      const list = byInstrument.get(trade.instrument);
      if (list === undefined) byInstrument.set(trade.instrument, [i]);
      else list.push(i);
    });
    const stored = new Uint8Array(all.length);
    let inserted = 0;
    for (const [instrument, indexes] of byInstrument) {
      const key = this.requireKey(instrument);
      const pick = <T>(value: (trade: Trade, i: number) => T): T[] =>
        indexes.map((i) => value(all[i] as Trade, i));
      const kept = this.trades.insert(key, {
        ts: pick((t) => t.ts),
        seq: pick((t) => t.seq),
        id: pick((t) => (t.id === '' ? null : t.id)),
        price: pick((t) => t.price),
        amount: pick((t) => t.amount),
        side: pick((t) => SIDE_TO_DB[t.side]),
        receiveTs: receivedAt === undefined ? null : pick((_t, i) => receivedAt[i] ?? Number.NaN),
      });
      kept.forEach((flag, k) => {
        if (flag === 1) stored[indexes[k] ?? 0] = 1;
      });
    }
    all.forEach((trade, i) => {
      if (stored[i] !== 1) return;
      inserted += 1;
      onInserted?.(trade);
    });
    return inserted;
  }

  private writeCandles(candles: Iterable<Candle>): number {
    let written = 0;
    for (const candle of candles) {
      this.sql.upsertCandle.run({ ...candle, instrument: this.requireKey(candle.instrument) });
      written += 1;
    }
    return written;
  }

  private writeSignals(signals: Iterable<Signal>): number {
    let inserted = 0;
    for (const signal of signals) {
      inserted += this.sql.insertSignal.run(
        this.requireKey(signal.instrument),
        signal.ts,
        signal.source,
        signal.direction,
        signal.strength,
        signal.price,
      ).changes;
    }
    return inserted;
  }

  private keyOf(instrument: string): number | undefined {
    const cached = this.keys.get(instrument);
    if (cached !== undefined) return cached;
    const row = this.sql.instrumentKey.get(instrument);
    if (row !== undefined) this.keys.set(instrument, row.key);
    return row?.key;
  }

  private requireKey(instrument: string): number {
    const key = this.keyOf(instrument);
    if (key === undefined) throw new UnknownInstrumentError(instrument);
    return key;
  }
}
