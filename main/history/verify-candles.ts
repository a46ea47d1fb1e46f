import type { CandleCheck, CandleDifference } from '../../shared/api/domains/history.js';
import { TIMEFRAMES, TIMEFRAME_MS, type Timeframe } from '../../shared/domain/timeframes.js';
import type { SqliteDatabase } from '../storage/database.js';
import { BulkStore } from './bulk-store.js';
import { CandleLedger, dayOf } from './candle-ledger.js';

const DAY_MS = TIMEFRAME_MS['1d'];
/** Sums rebuilt in another order can differ in the last bits; a real difference is far larger. */
const RELATIVE_TOLERANCE = 1e-9;

type BarValues = [open: number, high: number, low: number, close: number, volume: number, trades: number];

interface StoredBar {
  timeframe: Timeframe;
  open_time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  trades: number;
}

/** Thrown inside a day's transaction to roll it back: the day's bars are not built from trades. */
class NoTradesThatDay extends Error {}

/**
 * Checks the candles of [from, to] (whole UTC days) against the stored trades and repairs what
 * differs: each day is rebuilt from its trades in one write transaction, its bars compared
 * with those stored before, and the day's ledger mark cleared. A day that has bars but no
 * trades (candles imported from a klines file) is left as it is: there is nothing to check it
 * against. Reports per timeframe the bars added, changed and removed, and the first difference.
 */
export async function verifyCandles(
  db: SqliteDatabase,
  request: { readonly instrument: string; readonly from: number; readonly to: number },
  onDay: (done: number, total: number) => void = () => undefined,
  signal?: AbortSignal,
): Promise<CandleCheck> {
  const bulk = new BulkStore(db);
  const key = bulk.keyOf(request.instrument);
  const ledger = new CandleLedger(db, bulk);
  const barsOfDay = db.prepare<[number, number, number], StoredBar>(
    `SELECT timeframe, open_time, open, high, low, close, volume, trades FROM candles
     WHERE instrument = ? AND open_time >= ? AND open_time < ?`,
  );
  const changed = Object.fromEntries(
    TIMEFRAMES.map((tf) => [tf, { added: 0, changed: 0, removed: 0 }]),
  ) as CandleCheck['changed'];
  let firstDifference: CandleDifference | null = null;
  let checkedBars = 0;
  let daysWithoutTrades = 0;
  const first = dayOf(request.from);
  const days = Math.floor((dayOf(request.to) - first) / DAY_MS) + 1;
  for (let index = 0; index < days; index++) {
    if (signal?.aborted === true) throw new Error('cancelled; the days checked so far are repaired');
    const day = first + index * DAY_MS;
    try {
      db.transaction(() => {
        const before = byBar(barsOfDay.all(key, day, day + DAY_MS));
        const rebuilt = ledger.rebuildDay(request.instrument, day);
        if (rebuilt === 0 && before.size > 0) throw new NoTradesThatDay();
        const after = byBar(barsOfDay.all(key, day, day + DAY_MS));
        checkedBars += after.size;
        for (const [bar, values] of after) {
          const stored = before.get(bar);
          if (stored !== undefined && sameBar(stored.values, values.values)) continue;
          changed[values.timeframe][stored === undefined ? 'added' : 'changed']++;
          firstDifference = earliest(firstDifference, values.timeframe, values.openTime, stored, values);
        }
        for (const [bar, stored] of before) {
          if (after.has(bar)) continue;
          changed[stored.timeframe].removed++;
          firstDifference = earliest(firstDifference, stored.timeframe, stored.openTime, stored, undefined);
        }
      }).immediate();
    } catch (error) {
      if (!(error instanceof NoTradesThatDay)) throw error;
      daysWithoutTrades++;
    }
    onDay(index + 1, days);
    // Between days the event loop runs and the live recorder gets the write lock.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return {
    instrument: request.instrument,
    from: first,
    to: first + days * DAY_MS - 1,
    days,
    daysWithoutTrades,
    bars: checkedBars,
    changed,
    firstDifference,
  };
}

interface KeyedBar {
  readonly timeframe: Timeframe;
  readonly openTime: number;
  readonly values: BarValues;
}

function byBar(rows: readonly StoredBar[]): Map<string, KeyedBar> {
  const bars = new Map<string, KeyedBar>();
  for (const row of rows) {
    bars.set(`${row.timeframe}:${row.open_time}`, {
      timeframe: row.timeframe,
      openTime: row.open_time,
      values: [row.open, row.high, row.low, row.close, row.volume, row.trades],
    });
  }
  return bars;
}

function sameBar(a: BarValues, b: BarValues): boolean {
  return a.every((value, i) => {
    const other = b[i] ?? Number.NaN;
    return Math.abs(value - other) <= RELATIVE_TOLERANCE * Math.max(Math.abs(value), Math.abs(other));
  });
}

function valuesOf(bar: KeyedBar | undefined): CandleDifference['stored'] {
  if (bar === undefined) return null;
  const [open, high, low, close, volume, trades] = bar.values;
  return { open, high, low, close, volume, trades };
}

/** The earlier difference of the two (by open time, then the shorter timeframe). */
function earliest(
  current: CandleDifference | null,
  timeframe: Timeframe,
  openTime: number,
  stored: KeyedBar | undefined,
  rebuilt: KeyedBar | undefined,
): CandleDifference {
  if (
    current !== null &&
    (current.openTime < openTime ||
      (current.openTime === openTime && TIMEFRAME_MS[current.timeframe] <= TIMEFRAME_MS[timeframe]))
  )
    return current;
  return { timeframe, openTime, stored: valuesOf(stored), rebuilt: valuesOf(rebuilt) };
}
