import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importFile } from '../../../../main/history/import-file.js';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import { MarketStore } from '../../../../main/storage/market-store.js';
import { binanceTradeLine } from '../../../fixtures/trade-dumps.js';
import { instrument } from '../../../fixtures/market-data.js';
import { TEST_INSTRUMENT } from '../../../fixtures/trades.js';

const OPTIONS = { startTs: Date.UTC(2026, 0, 5, 23, 58), spacingMs: 7.5 };
const ROWS = 25_000; // two batches (BATCH_ROWS), across a UTC midnight

/** A workspace that imported `lines` as a Binance trades dump: what it stored. */
async function imported(dir: string, name: string, lines: string[]) {
  const file = path.join(dir, name, 'BENCHUSDT-trades-2026-01-05.csv');
  mkdirSync(path.dirname(file));
  writeFileSync(file, lines.join(''));
  const db: SqliteDatabase = openDatabase(':memory:');
  try {
    const store = new MarketStore(db);
    store.upsertInstrument(instrument());
    const result = await importFile(db, { path: file, instrument: TEST_INSTRUMENT });
    return {
      result: { ...result, file: '' },
      trades: store.recentTrades(TEST_INSTRUMENT, ROWS + 1),
      candles: db
        .prepare(
          'SELECT timeframe, open_time, open, high, low, close, volume, quote_volume, trades FROM candles ORDER BY timeframe, open_time',
        )
        .raw()
        .all(),
    };
  } finally {
    db.close();
  }
}

describe('the fast path of a Binance trades import', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tw-import-fast-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores exactly what the text parser stores, rows, candles and steps', async () => {
    const lines = Array.from({ length: ROWS }, (_, i) => binanceTradeLine(i, OPTIONS));
    // The same rows written so that every seventh takes the text path (a padded price: the
    // byte reader leaves it to the text parser, which reads it as the same number).
    const mixed = lines.map((line, i) => (i % 7 === 3 ? line.replace(',', ', ') : line));
    const header = 'id,price,qty,quote_qty,time,is_buyer_maker,is_best_match\n';
    const fast = await imported(dir, 'fast', [header, ...lines]);
    const text = await imported(dir, 'text', [header, ...mixed]);
    expect(fast.result.inserted).toBe(ROWS);
    expect(fast.trades.length).toBe(ROWS);
    expect(fast.trades.map((trade) => trade.id)).toEqual(lines.map((line) => line.split(',')[0]));
    expect(fast.result).toEqual(text.result);
    expect(fast.trades).toEqual(text.trades);
    expect(fast.candles).toEqual(text.candles);
    expect('steps' in fast.result && fast.result.steps).toEqual({ tickSize: 0.01, lotSize: 0.001 });
  }, 20_000); // two imports of 25k rows: about a second each, several on a loaded machine
});
