import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DemoWindow } from '../../../../main/history/demo-window.js';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import { MarketStore } from '../../../../main/storage/market-store.js';
import { Recorder } from '../../../../main/storage/recorder.js';
import { bookSnapshot, instrument } from '../../../fixtures/market-data.js';
import { TEST_INSTRUMENT, trade, utc } from '../../../fixtures/trades.js';
import { until } from '../../../fixtures/until.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const T0 = utc('2026-12-01T00:00:00Z');
const OTHER = 'binance:ETH/USDT';

describe('demo window', () => {
  let db: SqliteDatabase;
  let store: MarketStore;
  let recorder: Recorder;
  let now: number;
  let windows: DemoWindow[];

  beforeEach(() => {
    db = openDatabase(':memory:');
    store = new MarketStore(db);
    store.upsertInstrument(instrument());
    store.upsertInstrument(instrument({ id: OTHER, exchange: 'binance', symbol: 'ETH/USDT' }));
    recorder = new Recorder(store);
    now = T0;
    windows = [];
  });
  afterEach(() => {
    for (const window of windows) window.stop();
    db.close();
  });

  const demoWindow = (hours: number | null, everyMs = 60_000): DemoWindow => {
    const window = new DemoWindow({
      db,
      instrument: TEST_INSTRUMENT,
      clock: () => now,
      windowHours: () => hours,
      everyMs,
    });
    windows.push(window);
    return window;
  };

  /** One trade a minute on both instruments, and a book snapshot an hour on the demo, up to `now`. */
  const recordHour = (): void => {
    const from = now - HOUR;
    for (let ts = from; ts < now; ts += MINUTE) {
      recorder.recordTrade(trade({ ts, seq: 0 }));
      recorder.recordTrade(trade({ instrument: OTHER, ts, seq: 0, price: 2000 }));
    }
    recorder.recordBookSnapshot(bookSnapshot({ ts: from }));
    recorder.flush();
  };

  const demoTradeTimes = (): number[] => store.recentTrades(TEST_INSTRUMENT, 1_000_000).map((t) => t.ts);

  it('keeps only the last 24 h of the demo market while it records 30 h, and nothing of the others is cut', async () => {
    const window = demoWindow(24);
    for (let hour = 1; hour <= 30; hour++) {
      now = T0 + hour * HOUR;
      recordHour();
      await window.trim();
      // After every pass, nothing older than the window is left.
      expect(Math.min(...demoTradeTimes())).toBeGreaterThanOrEqual(now - 24 * HOUR);
    }
    const cutoff = now - 24 * HOUR;
    const times = demoTradeTimes();
    expect(times).toHaveLength(24 * 60);
    expect(Math.min(...times)).toBe(cutoff);
    expect(Math.max(...times)).toBe(now - MINUTE);
    // The other instrument keeps all 30 hours.
    expect(store.countTrades(OTHER)).toBe(30 * 60);
    // Bars and snapshots follow the same window.
    expect(store.candles(TEST_INSTRUMENT, '1h', 100).map((c) => c.openTime)[0]).toBe(cutoff);
    expect(store.candles(OTHER, '1h', 100)).toHaveLength(30);
    expect(store.latestBookSnapshot(TEST_INSTRUMENT, cutoff - 1)).toBeNull();
    expect(store.latestBookSnapshot(TEST_INSTRUMENT, now)?.ts).toBe(now - HOUR);
    expect(window.lastTrim).toEqual({ at: now, cutoff, deleted: expect.any(Number) as number });
    expect(window.lastTrim?.deleted).toBeGreaterThan(60);
  });

  it('trims on its own clock while recording goes on', async () => {
    now = T0 + 3 * HOUR;
    for (let hour = 1; hour <= 3; hour++) {
      now = T0 + hour * HOUR;
      recordHour();
    }
    const window = demoWindow(1, 20);
    window.start();
    await until(
      () => window.lastTrim,
      (trim) => trim !== null,
      5_000,
      10,
    );
    expect(Math.min(...demoTradeTimes())).toBe(now - HOUR);
    // Recording continues; the next passes cut what ages out of the window.
    now += HOUR;
    recordHour();
    await until(
      () => Math.min(...demoTradeTimes()),
      (oldest) => oldest === now - HOUR,
      5_000,
      10,
    );
    expect(demoTradeTimes()).toHaveLength(60);
  });

  it('keeps everything when the window is off', async () => {
    now = T0 + 2 * HOUR;
    recordHour();
    now += 48 * HOUR;
    expect(await demoWindow(null).trim()).toBeNull();
    expect(demoTradeTimes()).toHaveLength(60);
  });
});
