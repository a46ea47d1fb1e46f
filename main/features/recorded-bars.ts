import type { Candle } from '../../shared/domain/candle.js';
import { TIMEFRAMES, TIMEFRAME_MS, type Timeframe } from '../../shared/domain/timeframes.js';
import type { MatrixDataSource } from '../../shared/features/pipeline/data-needs.js';
import type { SqliteDatabase } from '../storage/database.js';
import { RecordedEvents, type ReplayStats } from './recorded-events.js';

/** Market time of bars read from the database at once: a day of 1m bars is 1,440 rows. */
const PAGE_MS = TIMEFRAME_MS['1d'];

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
 * The stored candles of instruments known only by their candles (imported klines, CSV
 * exports, candle backfills), replayed as the closed bars the feature engine takes
 * (FeatureSetEngine.onCandle): the candle-only counterpart of RecordedEvents, and the source of
 * their matrices, training sets and no-look-ahead checks alike.
 */
export class RecordedBars {
  private readonly sql;

  constructor(db: SqliteDatabase) {
    this.sql = {
      key: db.prepare<[string], number>('SELECT key FROM instruments WHERE id = ?').pluck(),
      any: db
        .prepare<[number, string], number>(
          'SELECT 1 FROM candles WHERE instrument = ? AND timeframe = ? LIMIT 1',
        )
        .pluck(),
      range: db.prepare<[number, string], { from: number | null; to: number | null }>(
        'SELECT min(open_time) AS "from", max(open_time) AS "to" FROM candles WHERE instrument = ? AND timeframe = ?',
      ),
      bars: db
        .prepare<[number, string, number, number], BarRow>(
          `SELECT open_time, open, high, low, close, volume, quote_volume, trades FROM candles
           WHERE instrument = ? AND timeframe = ? AND open_time >= ? AND open_time < ? ORDER BY open_time`,
        )
        .raw(),
    };
  }

  /** The shortest timeframe with stored bars (the one the others roll up from), or null. */
  finestTimeframe(instrument: string): Timeframe | null {
    const key = this.sql.key.get(instrument);
    if (key === undefined) return null;
    return TIMEFRAMES.find((timeframe) => this.sql.any.get(key, timeframe) !== undefined) ?? null;
  }

  /** From the first bar's open to the last bar's end, or null when none is stored. */
  recordedRange(instrument: string, timeframe: Timeframe): { from: number; to: number } | null {
    const key = this.sql.key.get(instrument);
    if (key === undefined) return null;
    const row = this.sql.range.get(key, timeframe);
    if (row?.from == null || row.to == null) return null;
    return { from: row.from, to: row.to + TIMEFRAME_MS[timeframe] };
  }

  /**
   * Calls `visit` with every stored bar of `instruments` in `timeframe` that opens at or after
   * `from` and ends at or before `to`, ordered by end time (instruments in the order given at a
   * tie). `onPage` hears the market time reached after each page, for progress.
   */
  replay(
    instruments: readonly string[],
    timeframe: Timeframe,
    from: number,
    to: number,
    visit: (bar: Candle) => void,
    onPage?: (reachedTs: number) => void,
  ): ReplayStats {
    const lengthMs = TIMEFRAME_MS[timeframe];
    const keyed = instruments.flatMap((id) => {
      const key = this.sql.key.get(id);
      return key === undefined ? [] : [{ id, key }];
    });
    // A bar is replayed when its data has ended by `to`: it opens before to - length + 1.
    const lastOpen = to - lengthMs + 1;
    let events = 0;
    let firstTs: number | null = null;
    const page: Candle[] = [];
    for (let start = from; start < lastOpen; start += PAGE_MS) {
      const end = Math.min(lastOpen, start + PAGE_MS);
      page.length = 0;
      for (const { id, key } of keyed) {
        for (const [openTime, open, high, low, close, volume, quote, trades] of this.sql.bars.all(
          key,
          timeframe,
          start,
          end,
        )) {
          page.push({
            instrument: id,
            timeframe,
            openTime,
            open,
            high,
            low,
            close,
            volume,
            quoteVolume: quote,
            trades,
          });
        }
      }
      // Stable: the instruments' order is kept for bars of the same time.
      if (keyed.length > 1) page.sort((a, b) => a.openTime - b.openTime);
      for (const bar of page) {
        firstTs ??= bar.openTime + lengthMs - 1;
        events++;
        visit(bar);
      }
      onPage?.(end);
    }
    return { events, firstTs };
  }
}

/**
 * Where an instrument's matrix comes from: its recorded events when it has any trade or book,
 * else its stored bars at the finest timeframe (a candle-only instrument), else its (empty)
 * events.
 */
export function matrixDataSource(db: SqliteDatabase, instrument: string): MatrixDataSource {
  if (new RecordedEvents(db).recordedRange(instrument) !== null) return { kind: 'events' };
  const timeframe = new RecordedBars(db).finestTimeframe(instrument);
  return timeframe === null ? { kind: 'events' } : { kind: 'candles', timeframe };
}

/** Silence that is a data gap for bars of `timeframe`: one missing bar is not, two are. */
export function barGapMs(timeframe: Timeframe, defaultMs: number): number {
  return Math.max(defaultMs, 2 * TIMEFRAME_MS[timeframe]);
}
