import { emptyBars, rollUpBars, type BarColumns } from '../../shared/candles/roll-up.js';
import { TIMEFRAMES, TIMEFRAME_MS, type Timeframe } from '../../shared/domain/timeframes.js';
import type { SqliteDatabase } from '../storage/database.js';

const DAY_MS = TIMEFRAME_MS['1d'];

type BarRow = [
  openTime: number,
  open: number,
  high: number,
  low: number,
  close: number,
  volume: number,
  quote: number,
  trades: number,
];

/**
 * Candles imported or fetched at one timeframe (exchange klines, a CSV export) made available
 * at every longer one: after bars of `base` change, each longer timeframe's bars over the
 * whole UTC days touched are recomputed from ALL the stored `base` bars of those days, the new
 * ones and any stored before (a partial import that touches existing bars rolls up the union),
 * and replace what was there. Every longer timeframe is rolled straight from `base`, so a 1h
 * bar is exactly the plain recomputation from its 1m bars, not a roll-up of roll-ups.
 * Whole days, because a 1d bar is the longest; every timeframe divides a day.
 *
 * Runs inside the caller's transaction (the import's), so bars and their roll-ups commit
 * together: an import cut off anywhere leaves no longer timeframe out of step with its base.
 */
export class CandleRollUp {
  private readonly sql;

  constructor(db: SqliteDatabase) {
    this.sql = {
      bars: db
        .prepare<[number, string, number, number], BarRow>(
          `SELECT open_time, open, high, low, close, volume, quote_volume, trades FROM candles
           WHERE instrument = ? AND timeframe = ? AND open_time >= ? AND open_time < ? ORDER BY open_time`,
        )
        .raw(),
      delete: db.prepare<[number, string, number, number]>(
        'DELETE FROM candles WHERE instrument = ? AND timeframe = ? AND open_time >= ? AND open_time < ?',
      ),
      insert: db.prepare<[number, string, number, number, number, number, number, number, number, number]>(
        `INSERT INTO candles (instrument, timeframe, open_time, open, high, low, close, volume, quote_volume, trades)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
  }

  /**
   * Recomputes every timeframe longer than `base` over the days that bars opening in
   * [from, to] (ms, inclusive) touch. Returns the bars written.
   */
  rollUp(instrumentKey: number, base: Timeframe, from: number, to: number): number {
    const longer = TIMEFRAMES.filter(
      (tf) => TIMEFRAME_MS[tf] > TIMEFRAME_MS[base] && TIMEFRAME_MS[tf] % TIMEFRAME_MS[base] === 0,
    );
    if (longer.length === 0 || !(to >= from)) return 0;
    let written = 0;
    for (let day = Math.floor(from / DAY_MS) * DAY_MS; day <= to; day += DAY_MS) {
      const bars = this.read(instrumentKey, base, day, day + DAY_MS);
      for (const timeframe of longer) {
        this.sql.delete.run(instrumentKey, timeframe, day, day + DAY_MS);
        written += this.write(instrumentKey, timeframe, rollUpBars(bars, TIMEFRAME_MS[timeframe]));
      }
    }
    return written;
  }

  private read(key: number, timeframe: Timeframe, from: number, to: number): BarColumns {
    const bars = emptyBars();
    for (const [openTime, open, high, low, close, volume, quote, trades] of this.sql.bars.all(
      key,
      timeframe,
      from,
      to,
    )) {
      bars.openTime.push(openTime);
      bars.open.push(open);
      bars.high.push(high);
      bars.low.push(low);
      bars.close.push(close);
      bars.volume.push(volume);
      bars.quote.push(quote);
      bars.trades.push(trades);
    }
    return bars;
  }

  private write(key: number, timeframe: Timeframe, bars: BarColumns): number {
    for (let i = 0; i < bars.openTime.length; i++) {
      this.sql.insert.run(
        key,
        timeframe,
        bars.openTime[i] ?? 0,
        bars.open[i] ?? 0,
        bars.high[i] ?? 0,
        bars.low[i] ?? 0,
        bars.close[i] ?? 0,
        bars.volume[i] ?? 0,
        bars.quote[i] ?? 0,
        bars.trades[i] ?? 0,
      );
    }
    return bars.openTime.length;
  }
}
