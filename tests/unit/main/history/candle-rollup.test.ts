import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BulkStore } from '../../../../main/history/bulk-store.js';
import { CandleColumns } from '../../../../main/history/trade-batch.js';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import { MarketStore } from '../../../../main/storage/market-store.js';
import type { Candle } from '../../../../shared/domain/candle.js';
import { TIMEFRAME_MS, type Timeframe } from '../../../../shared/domain/timeframes.js';
import { instrument } from '../../../fixtures/market-data.js';
import { TEST_INSTRUMENT } from '../../../fixtures/trades.js';

const MINUTE = 60_000;
const START = Date.UTC(2024, 2, 1, 22, 0); // two hours before midnight: bars on two UTC days

/** n 1m bars from `start`, a deterministic zig-zag with fractional volumes. */
function minuteBars(n: number, start = START, shift = 0): CandleColumns {
  const rows = new CandleColumns('1m');
  for (let i = 0; i < n; i++) {
    const open = 100 + ((i * 7) % 13) / 4 + shift;
    const close = 100 + ((i * 5) % 11) / 4 + shift;
    const high = Math.max(open, close) + (i % 3) / 8;
    const low = Math.min(open, close) - (i % 4) / 8;
    rows.push(
      start + i * MINUTE,
      open,
      high,
      low,
      close,
      0.1 * (1 + (i % 7)),
      10 * (1 + (i % 5)),
      1 + (i % 9),
    );
  }
  return rows;
}

/** The plain recomputation the roll-up must equal: group 1m bars by the longer bar's start. */
function recompute(
  bars: readonly Candle[],
  timeframe: Timeframe,
): Omit<Candle, 'instrument' | 'timeframe'>[] {
  const length = TIMEFRAME_MS[timeframe];
  const out: Omit<Candle, 'instrument' | 'timeframe'>[] = [];
  for (const bar of bars) {
    const openTime = Math.floor(bar.openTime / length) * length;
    const last = out.at(-1);
    if (last?.openTime !== openTime) {
      out.push({ ...bar, openTime });
      continue;
    }
    out[out.length - 1] = {
      openTime,
      open: last.open,
      high: Math.max(last.high, bar.high),
      low: Math.min(last.low, bar.low),
      close: bar.close,
      volume: last.volume + bar.volume,
      quoteVolume: last.quoteVolume + bar.quoteVolume,
      trades: last.trades + bar.trades,
    };
  }
  return out;
}

describe('imported candles roll up', () => {
  let db: SqliteDatabase;
  let store: MarketStore;
  let bulk: BulkStore;
  const stored = (timeframe: Timeframe): Candle[] => store.candles(TEST_INSTRUMENT, timeframe, 100_000);
  const upsert = (rows: CandleColumns): number =>
    db.transaction(() => bulk.upsertCandles(TEST_INSTRUMENT, rows))();

  beforeEach(() => {
    db = openDatabase(':memory:');
    store = new MarketStore(db);
    store.upsertInstrument(instrument());
    bulk = new BulkStore(db);
  });
  afterEach(() => {
    db.close();
  });

  it('fills every longer timeframe with the exact roll-up of the 1m bars, across a UTC midnight', () => {
    upsert(minuteBars(300));
    const minutes = stored('1m');
    expect(minutes).toHaveLength(300);
    for (const timeframe of ['5m', '15m', '1h', '4h', '1d'] as const) {
      const expected = recompute(minutes, timeframe);
      const actual = stored(timeframe).map(({ instrument: _i, timeframe: _t, ...bar }) => bar);
      expect(actual, timeframe).toEqual(expected);
    }
    expect(stored('5m')).toHaveLength(60);
    expect(stored('1h')).toHaveLength(5);
    expect(stored('1d').map((bar) => bar.openTime)).toEqual([Date.UTC(2024, 2, 1), Date.UTC(2024, 2, 2)]);
    // Nothing is invented below the imported timeframe.
    expect(stored('1s')).toHaveLength(0);
  });

  it('rolls a partial import up together with the bars already stored', () => {
    upsert(minuteBars(120));
    // A second file: replaces the last 30 minutes of the first and adds 30 more, inside the same hours.
    upsert(minuteBars(60, START + 90 * MINUTE, 3));
    const minutes = stored('1m');
    expect(minutes).toHaveLength(150);
    expect(minutes[90]?.open).toBe(minuteBars(1, START, 3).open[0]);
    const hours = stored('1h');
    expect(hours.map(({ instrument: _i, timeframe: _t, ...bar }) => bar)).toEqual(recompute(minutes, '1h'));
    // The 23:00 hour holds 30 minutes of each file: its open from the first, its close from the second.
    const second = hours[1];
    expect(second?.open).toBe(minutes[60]?.open);
    expect(second?.close).toBe(minutes[119]?.close);
    expect(second?.trades).toBe(minutes.slice(60, 120).reduce((sum, bar) => sum + bar.trades, 0));
  });

  it('rolls 1h klines up to 4h and 1d only', () => {
    const rows = new CandleColumns('1h');
    for (let i = 0; i < 30; i++) rows.push(Date.UTC(2024, 0, 1) + i * 3_600_000, 10, 12, 9, 11, 1, 11, 5);
    upsert(rows);
    expect(stored('4h')).toHaveLength(8);
    expect(stored('1d')).toHaveLength(2);
    expect(stored('1d')[1]?.volume).toBe(6);
    expect(stored('15m')).toHaveLength(0);
  });
});
