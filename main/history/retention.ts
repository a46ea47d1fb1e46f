import type { Retention } from '../../shared/api/domains/history.js';
import { retentionSchema } from '../../shared/api/domains/history.js';
import { TIMEFRAMES } from '../../shared/domain/timeframes.js';
import type { SqliteDatabase } from '../storage/database.js';
import type { MarketStore } from '../storage/market-store.js';
import { TradeStore } from '../storage/trade-store.js';

export const RETENTION_SETTING = 'history.retention';
const DAY_MS = 86_400_000;
/** Rows deleted per transaction: short write locks, so the live recorder never waits long. */
const BATCH = 20_000;
/** Trade chunks deleted per transaction: about BATCH trades (trade-store.ts, CHUNK_MAX_TRADES). */
const TRADE_CHUNK_BATCH = 5;

/** Keep everything forever until the user says otherwise. */
export const KEEP_FOREVER: Retention = {
  trades: null,
  bookDeltas: null,
  bookSnapshots: null,
  candles: Object.fromEntries(TIMEFRAMES.map((tf) => [tf, null])) as Retention['candles'],
};

export function readRetention(store: MarketStore): Retention {
  return store.getSetting(RETENTION_SETTING, retentionSchema) ?? KEEP_FOREVER;
}

export function writeRetention(store: MarketStore, retention: Retention): Retention {
  const parsed = retentionSchema.parse(retention);
  store.setSetting(RETENTION_SETTING, parsed);
  return parsed;
}

/** True when some kind is not kept forever, i.e. the periodic job has work to do. */
export function retentionLimits(retention: Retention): boolean {
  return (
    retention.trades !== null ||
    retention.bookDeltas !== null ||
    retention.bookSnapshots !== null ||
    Object.values(retention.candles).some((days) => days !== null)
  );
}

export interface RetentionResult {
  readonly trades: number;
  readonly bookDeltaChunks: number;
  readonly bookSnapshots: number;
  readonly candles: number;
}

/** The same window for every kind of data: what a source kept for a bounded time needs. */
export function windowRetention(hours: number): Retention {
  const days = hours / 24;
  return {
    trades: days,
    bookDeltas: days,
    bookSnapshots: days,
    candles: Object.fromEntries(TIMEFRAMES.map((tf) => [tf, days])) as Retention['candles'],
  };
}

/**
 * Delete every row older than its kind's limit: a row is deleted exactly when its time is
 * before now - days (a book delta chunk when its LAST delta is, so no kept delta is lost).
 * Deletes run in batches of BATCH rows, each its own short transaction, yielding in between.
 * `instruments` limits it to those ids (the demo market's own window); default every one.
 */
export async function applyRetention(
  db: SqliteDatabase,
  retention: Retention,
  now: number,
  onProgress: (deleted: number) => void = () => undefined,
  signal?: AbortSignal,
  instruments?: readonly string[],
): Promise<RetentionResult> {
  const cutoff = (days: number | null): number | null =>
    days === null ? null : now - Math.round(days * DAY_MS);
  let deleted = 0;
  const drain = async (sql: string, ...params: (string | number)[]): Promise<number> => {
    const statement = db.prepare(sql);
    let total = 0;
    for (;;) {
      if (signal?.aborted === true) throw new Error('cancelled');
      const { changes } = statement.run(...params);
      total += changes;
      deleted += changes;
      onProgress(deleted);
      if (changes < BATCH) return total;
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const result = { trades: 0, bookDeltaChunks: 0, bookSnapshots: 0, candles: 0 };
  // Per instrument, so every delete walks its table's primary key instead of scanning it.
  const keys = db
    .prepare<[], { key: number; id: string }>('SELECT key, id FROM instruments')
    .all()
    .filter(({ id }) => instruments === undefined || instruments.includes(id))
    .map(({ key }) => key);
  const trades = cutoff(retention.trades);
  const deltas = cutoff(retention.bookDeltas);
  const snapshots = cutoff(retention.bookSnapshots);
  const tradeStore = new TradeStore(db);
  const dropTrades = db.transaction((key: number, cutoff: number) =>
    tradeStore.deleteBefore(key, cutoff, TRADE_CHUNK_BATCH),
  );
  for (const key of keys) {
    if (trades !== null) {
      // Whole chunks, the one straddling the cutoff rewritten with what it keeps.
      for (;;) {
        if (signal?.aborted === true) throw new Error('cancelled');
        const { deleted: count, more } = dropTrades(key, trades);
        result.trades += count;
        deleted += count;
        onProgress(deleted);
        if (!more) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    if (deltas !== null) {
      result.bookDeltaChunks += await drain(
        `DELETE FROM book_deltas WHERE rowid IN
           (SELECT rowid FROM book_deltas WHERE instrument = ? AND first_ts < ? AND last_ts < ? LIMIT ${BATCH})`,
        key,
        deltas,
        deltas,
      );
    }
    if (snapshots !== null) {
      result.bookSnapshots += await drain(
        `DELETE FROM book_snapshots WHERE rowid IN
           (SELECT rowid FROM book_snapshots WHERE instrument = ? AND ts < ? LIMIT ${BATCH})`,
        key,
        snapshots,
      );
    }
    for (const timeframe of TIMEFRAMES) {
      const before = cutoff(retention.candles[timeframe]);
      if (before === null) continue;
      result.candles += await drain(
        `DELETE FROM candles WHERE (instrument, timeframe, open_time) IN
           (SELECT instrument, timeframe, open_time FROM candles WHERE instrument = ? AND timeframe = ? AND open_time < ? LIMIT ${BATCH})`,
        key,
        timeframe,
        before,
      );
    }
  }
  return result;
}
