import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BulkStore } from '../../../../main/history/bulk-store.js';
import { CandleLedger, repairCandles } from '../../../../main/history/candle-ledger.js';
import { describeCheck } from '../../../../main/history/cli-commands.js';
import { importFile } from '../../../../main/history/import-file.js';
import { verifyCandles } from '../../../../main/history/verify-candles.js';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import { MarketStore } from '../../../../main/storage/market-store.js';
import { instrument } from '../../../fixtures/market-data.js';
import { TEST_INSTRUMENT, trade, utc } from '../../../fixtures/trades.js';

const DAY = 86_400_000;
const T0 = utc('2024-03-01T10:00:00Z');
/** Three days of trades in Binance's layout, a trade every 10 minutes. */
const DUMP = Array.from(
  { length: 432 },
  (_, i) => `${i + 1},${(100 + (i % 17) / 4).toFixed(2)},0.5,50,${T0 + i * 600_000},${i % 2 === 0},true`,
).join('\n');

describe('the candle ledger and the candle check', () => {
  let dir: string;
  let db: SqliteDatabase;
  let store: MarketStore;
  let csv: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tw-candle-repairs-'));
    csv = path.join(dir, 'XRPUSDT-trades-2024-03.csv');
    writeFileSync(csv, DUMP + '\n');
    db = openDatabase(':memory:');
    store = new MarketStore(db);
    store.upsertInstrument(instrument());
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rebuilds the days an import left marked even when importing again writes no row', async () => {
    // A trade recorded live inside the file's days: the file is merged into the stored history
    // by the write pass, which marks every day it touches.
    store.insertTrades([trade({ ts: utc('2024-03-03T05:00:00Z'), seq: 0, id: 'live-1' })]);
    const stop = new AbortController();
    await expect(
      importFile(
        db,
        { path: csv, instrument: TEST_INSTRUMENT },
        (phase) => {
          if (phase === 'candles') stop.abort(); // stopped after every row, before the last days' bars
        },
        stop.signal,
      ),
    ).rejects.toThrow('cancelled');
    expect(store.countTrades()).toBe(433);
    const ledger = new CandleLedger(db, new BulkStore(db));
    expect(ledger.pending(TEST_INSTRUMENT).length).toBeGreaterThan(0);

    const again = await importFile(db, { path: csv, instrument: TEST_INSTRUMENT });
    expect(again.inserted).toBe(0);
    expect(again.candles).toBeGreaterThan(0);
    expect(ledger.pending()).toEqual([]);
    expect(store.candles(TEST_INSTRUMENT, '1d', 10).map((c) => c.trades)).toEqual([84, 144, 145, 60]);
  });

  it('marks days in the rows transaction and repairs them on the next start', async () => {
    const bulk = new BulkStore(db);
    const ledger = new CandleLedger(db, bulk);
    db.transaction(() => {
      ledger.markDirty(TEST_INSTRUMENT, T0, T0 + DAY + 5);
    })();
    expect(ledger.pending()).toEqual([
      { instrument: TEST_INSTRUMENT, day: utc('2024-03-01T00:00:00Z') },
      { instrument: TEST_INSTRUMENT, day: utc('2024-03-02T00:00:00Z') },
    ]);
    const days: number[] = [];
    expect(await repairCandles(ledger, undefined, (done) => days.push(done))).toEqual({ days: 2, bars: 0 });
    expect(days).toEqual([1, 2]);
    expect(ledger.pending()).toEqual([]);
  });

  it('finds a corrupted candle, repairs it and reports what it changed', async () => {
    await importFile(db, { path: csv, instrument: TEST_INSTRUMENT });
    const hour = utc('2024-03-02T05:00:00Z');
    const good = store.candleAt(TEST_INSTRUMENT, '1h', hour);
    expect(good?.trades).toBe(6);
    // Corrupt one 1h bar and drop one 1m bar, as a crash of an older build could have left them.
    db.prepare("UPDATE candles SET high = 999, trades = 1 WHERE timeframe = '1h' AND open_time = ?").run(
      hour,
    );
    db.prepare("DELETE FROM candles WHERE timeframe = '1m' AND open_time = ?").run(hour + 600_000);

    const check = await verifyCandles(db, { instrument: TEST_INSTRUMENT, from: T0, to: T0 + 3 * DAY });
    expect(check).toMatchObject({ days: 4, daysWithoutTrades: 0 });
    expect(check.changed['1h']).toEqual({ added: 0, changed: 1, removed: 0 });
    expect(check.changed['1m']).toEqual({ added: 1, changed: 0, removed: 0 });
    expect(check.changed['1d']).toEqual({ added: 0, changed: 0, removed: 0 });
    expect(check.firstDifference).toMatchObject({
      timeframe: '1h',
      openTime: hour,
      stored: { high: 999, trades: 1 },
      rebuilt: { high: good?.high, trades: 6 },
    });
    expect(store.candleAt(TEST_INSTRUMENT, '1h', hour)).toEqual(good);
    expect(describeCheck(check)).toContain('1h   0 added, 1 changed, 0 removed');
    expect(describeCheck(check)).toContain('first difference: 1h bar at 2024-03-02T05:00:00.000Z');

    const clean = await verifyCandles(db, { instrument: TEST_INSTRUMENT, from: T0, to: T0 + 3 * DAY });
    expect(clean.firstDifference).toBeNull();
    expect(describeCheck(clean)).toContain('every bar already matched');
  });

  it('leaves candles that have no trades (an imported klines file) as they are', async () => {
    store.upsertCandles([
      {
        instrument: TEST_INSTRUMENT,
        timeframe: '1h',
        openTime: T0,
        open: 1,
        high: 2,
        low: 0.5,
        close: 1.5,
        volume: 10,
        quoteVolume: 15,
        trades: 7,
      },
    ]);
    const check = await verifyCandles(db, { instrument: TEST_INSTRUMENT, from: T0, to: T0 });
    expect(check).toMatchObject({ days: 1, daysWithoutTrades: 1, bars: 0, firstDifference: null });
    expect(store.candleAt(TEST_INSTRUMENT, '1h', T0)?.trades).toBe(7);
  });
});
