import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportRange } from '../../../../main/history/export-file.js';
import { detectFormat, normaliseTimestamp, previewFile } from '../../../../main/history/file-import.js';
import { importFile } from '../../../../main/history/import-file.js';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import { MarketStore } from '../../../../main/storage/market-store.js';
import { instrument } from '../../../fixtures/market-data.js';
import { TEST_INSTRUMENT, trade, utc } from '../../../fixtures/trades.js';

// 2024-03-01T10:00:00Z and a few trades after it, in Binance's trades layout:
// id, price, qty, quote_qty, time, is_buyer_maker, is_best_match
const T0 = utc('2024-03-01T10:00:00Z');
const BINANCE_TRADES = [
  `1001,100.50,0.200,20.1,${T0},true,true`,
  `1002,100.60,0.100,10.06,${T0 + 500},false,true`,
  `1003,100.40,1.000,100.4,${T0 + 61_000},false,true`,
].join('\n');

describe('file imports', () => {
  let dir: string;
  let db: SqliteDatabase;
  let store: MarketStore;
  const file = (name: string, content: string | Uint8Array): string => {
    const full = path.join(dir, name);
    writeFileSync(full, content);
    return full;
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tw-import-'));
    db = openDatabase(':memory:');
    store = new MarketStore(db);
    store.upsertInstrument(instrument());
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('tells the format from Binance dump names and reads ms, µs and s timestamps', () => {
    expect(detectFormat('/x/BTCUSDT-trades-2024-03-01.zip')).toBe('binance-trades');
    expect(detectFormat('BTCUSDT-aggTrades-2024-03.csv')).toBe('binance-aggtrades');
    expect(detectFormat('BTCUSDT-1m-2024-03-01.zip')).toBe('binance-klines');
    expect(detectFormat('mine.parquet')).toBe('parquet');
    expect(detectFormat('mine.csv')).toBe('csv');
    expect(normaliseTimestamp(1_709_287_200_000, false)).toBe(1_709_287_200_000);
    expect(normaliseTimestamp(1_709_287_200_000_123, false)).toBe(1_709_287_200_000);
    expect(normaliseTimestamp(1_709_287_200, true)).toBe(1_709_287_200_000);
    expect(normaliseTimestamp(1_709_287_200, false)).toBeNull();
  });

  it('imports a Binance trades CSV without header, sides from is_buyer_maker, and builds candles', async () => {
    const result = await importFile(db, {
      path: file('XRPUSDT-trades-2024-03-01.csv', BINANCE_TRADES + '\n'),
      instrument: TEST_INSTRUMENT,
    });

    expect(result).toMatchObject({
      format: 'binance-trades',
      kind: 'trades',
      rows: 3,
      inserted: 3,
      from: T0,
      to: T0 + 61_000,
    });
    expect(store.recentTrades(TEST_INSTRUMENT, 10)).toEqual([
      { instrument: TEST_INSTRUMENT, ts: T0, seq: 1001, id: '1001', price: 100.5, amount: 0.2, side: 'sell' },
      {
        instrument: TEST_INSTRUMENT,
        ts: T0 + 500,
        seq: 1002,
        id: '1002',
        price: 100.6,
        amount: 0.1,
        side: 'buy',
      },
      {
        instrument: TEST_INSTRUMENT,
        ts: T0 + 61_000,
        seq: 1003,
        id: '1003',
        price: 100.4,
        amount: 1,
        side: 'buy',
      },
    ]);
    const [first, second] = store.candles(TEST_INSTRUMENT, '1m', 10);
    expect(first).toMatchObject({
      openTime: T0,
      open: 100.5,
      high: 100.6,
      low: 100.5,
      close: 100.6,
      trades: 2,
    });
    expect(first?.volume).toBeCloseTo(0.3, 12);
    expect(second).toMatchObject({ openTime: T0 + 60_000, open: 100.4, close: 100.4, volume: 1, trades: 1 });
    expect(store.candles(TEST_INSTRUMENT, '1d', 10)[0]).toMatchObject({
      open: 100.5,
      high: 100.6,
      low: 100.4,
      close: 100.4,
      trades: 3,
    });

    // The same file again adds nothing: the trade ids are already stored.
    const again = await importFile(db, {
      path: path.join(dir, 'XRPUSDT-trades-2024-03-01.csv'),
      instrument: TEST_INSTRUMENT,
    });
    expect(again.inserted).toBe(0);
    expect(store.countTrades()).toBe(3);
  });

  it('imports a zipped aggTrades CSV with a header row', async () => {
    const csv = [
      'agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker,is_best_match',
      `7,10.5,2,70,71,${T0 * 1000},false,true`, // microseconds, as in 2025+ spot dumps
      `8,10.25,1.5,72,72,${(T0 + 1000) * 1000},true,true`,
    ].join('\n');
    const zip = zipSync({ 'ETHBTC-aggTrades-2024-03-01.csv': strToU8(csv + '\n') });
    const result = await importFile(db, {
      path: file('ETHBTC-aggTrades-2024-03-01.zip', zip),
      instrument: TEST_INSTRUMENT,
    });

    expect(result).toMatchObject({
      format: 'binance-aggtrades',
      rows: 2,
      inserted: 2,
      from: T0,
      to: T0 + 1000,
    });
    expect(
      store.recentTrades(TEST_INSTRUMENT, 10).map((t) => [t.ts, t.id, t.price, t.amount, t.side]),
    ).toEqual([
      [T0, 'a7', 10.5, 2, 'buy'],
      [T0 + 1000, 'a8', 10.25, 1.5, 'sell'],
    ]);
  });

  it('imports Binance klines with the interval from the file name', async () => {
    const klines = [
      `${T0},100,101,99,100.5,10,${T0 + 59_999},1003,42,5,502,0`,
      `${T0 + 60_000},100.5,102,100,101,20,${T0 + 119_999},2020,17,9,909,0`,
      '',
    ].join('\n');
    const result = await importFile(db, {
      path: file('BTCUSDT-1m-2024-03-01.csv', klines),
      instrument: TEST_INSTRUMENT,
    });
    expect(result).toMatchObject({ format: 'binance-klines', kind: 'candles', rows: 2, inserted: 2 });
    expect(store.candles(TEST_INSTRUMENT, '1m', 10)).toEqual([
      {
        instrument: TEST_INSTRUMENT,
        timeframe: '1m',
        openTime: T0,
        open: 100,
        high: 101,
        low: 99,
        close: 100.5,
        volume: 10,
        quoteVolume: 1003,
        trades: 42,
      },
      {
        instrument: TEST_INSTRUMENT,
        timeframe: '1m',
        openTime: T0 + 60_000,
        open: 100.5,
        high: 102,
        low: 100,
        close: 101,
        volume: 20,
        quoteVolume: 2020,
        trades: 17,
      },
    ]);
  });

  it('maps the columns of a generic CSV by name, with ISO times', async () => {
    const csv = file(
      'mine.csv',
      'when,side,qty,px\n2024-03-01T10:00:00Z,sell,3,99.5\n2024-03-01T10:00:01.250Z,buy,1,99.75\n',
    );
    const preview = await previewFile(csv, 5);
    expect(preview).toEqual({
      file: csv,
      format: 'csv',
      header: ['when', 'side', 'qty', 'px'],
      rows: [
        ['2024-03-01T10:00:00Z', 'sell', '3', '99.5'],
        ['2024-03-01T10:00:01.250Z', 'buy', '1', '99.75'],
      ],
      timeframe: null,
      totalRows: null,
    });
    const result = await importFile(db, {
      path: csv,
      instrument: TEST_INSTRUMENT,
      mapping: { kind: 'trades', ts: 'when', price: 'px', amount: 2, side: 'side' },
    });
    expect(result.inserted).toBe(2);
    expect(store.recentTrades(TEST_INSTRUMENT, 10).map((t) => [t.ts, t.price, t.amount, t.side])).toEqual([
      [T0, 99.5, 3, 'sell'],
      [T0 + 1250, 99.75, 1, 'buy'],
    ]);
  });

  it('refuses a corrupt row with the file and line, and imports nothing of the file', async () => {
    const corrupt = file(
      'BTCUSDT-trades-2024-03-01.csv',
      `${BINANCE_TRADES}\n1004,abc,1,1,${T0 + 62_000},true,true\n1005,100,1,100,${T0 + 63_000},true,true\n`,
    );
    await expect(importFile(db, { path: corrupt, instrument: TEST_INSTRUMENT })).rejects.toThrow(
      "BTCUSDT-trades-2024-03-01.csv, line 4: price 'abc' is not a number; nothing was imported",
    );
    expect(store.countTrades()).toBe(0);
    expect(store.candles(TEST_INSTRUMENT, '1m', 10)).toEqual([]);
  });

  it('refuses a truncated CSV and a truncated zip, naming the file and line', async () => {
    const cut = file('BTCUSDT-trades-2024-03-02.csv', `${BINANCE_TRADES}\n1004,100.1,0.5`);
    await expect(importFile(db, { path: cut, instrument: TEST_INSTRUMENT })).rejects.toThrow(
      'BTCUSDT-trades-2024-03-02.csv, line 4: the last line is cut short (truncated file?); nothing was imported',
    );
    const big = Array.from({ length: 2000 }, (_, i) => `${i + 1},100.5,0.2,20.1,${T0 + i},true,true`).join(
      '\n',
    );
    const zip = zipSync({ 'BTCUSDT-trades-2024-03-03.csv': strToU8(big + '\n') });
    const truncated = file(
      'BTCUSDT-trades-2024-03-03.zip',
      zip.subarray(0, Math.floor(zip.byteLength * 0.6)),
    );
    await expect(importFile(db, { path: truncated, instrument: TEST_INSTRUMENT })).rejects.toThrow(
      /BTCUSDT-trades-2024-03-03\.zip, line \d+: .*nothing was imported/,
    );
    expect(store.countTrades()).toBe(0);
  });

  it('writes nothing when cancelled before its publish; importing again writes every row at once', async () => {
    const csv = file('XRPUSDT-trades-2024-03-01.csv', BINANCE_TRADES + '\n');
    const stop = new AbortController();
    const cancelled = importFile(
      db,
      { path: csv, instrument: TEST_INSTRUMENT },
      (phase) => {
        if (phase === 'checking') stop.abort();
      },
      stop.signal,
    );
    await expect(cancelled).rejects.toThrow('cancelled');
    expect(store.countTrades()).toBe(0);
    expect(store.candles(TEST_INSTRUMENT, '1d', 10)).toEqual([]);

    const whole = await importFile(db, { path: csv, instrument: TEST_INSTRUMENT });

    // One transaction publishes the rows, one more writes the day's bars built as they were read.
    expect(whole).toMatchObject({ rows: 3, inserted: 3, transactions: 2 });
    expect(store.recentTrades(TEST_INSTRUMENT, 10).map((t) => t.id)).toEqual(['1001', '1002', '1003']);
    expect(store.candles(TEST_INSTRUMENT, '1m', 10).map((c) => c.trades)).toEqual([2, 1]);
    expect(store.candles(TEST_INSTRUMENT, '1d', 10)[0]?.trades).toBe(3);
  });

  it('merges a file into stored history by chunks: stopped midway, importing it again writes exactly the rest', async () => {
    const csv = file('XRPUSDT-trades-2024-03-01.csv', BINANCE_TRADES + '\n');
    // A trade recorded live between the file's rows: the file is no append, so it is merged.
    store.insertTrades([trade({ ts: T0 + 30_000, seq: 0, id: 'live-1' })]);
    const stop = new AbortController();
    const partial = importFile(
      db,
      { path: csv, instrument: TEST_INSTRUMENT },
      (phase, done) => {
        if (phase === 'writing' && done >= 2) stop.abort();
      },
      stop.signal,
      2,
    );
    await expect(partial).rejects.toThrow('cancelled after a partial write');
    expect(store.countTrades()).toBe(1 + 2);

    const rest = await importFile(db, { path: csv, instrument: TEST_INSTRUMENT }, undefined, undefined, 2);

    expect(rest).toMatchObject({ rows: 3, inserted: 1, transactions: 3 }); // 2 chunks + 1 day of bars
    expect(store.recentTrades(TEST_INSTRUMENT, 10).map((t) => t.id)).toEqual([
      '1001',
      '1002',
      'live-1',
      '1003',
    ]);
    expect(store.candles(TEST_INSTRUMENT, '1d', 10)[0]?.trades).toBe(4);
  });

  it('round-trips trades and candles through Parquet and CSV exports', async () => {
    await importFile(db, {
      path: file('XRPUSDT-trades-2024-03-01.csv', BINANCE_TRADES + '\n'),
      instrument: TEST_INSTRUMENT,
    });
    const parquet = path.join(dir, 'out.parquet');
    expect(
      await exportRange(db, {
        instrument: TEST_INSTRUMENT,
        from: T0,
        to: T0 + 60_999,
        kind: 'trades',
        timeframe: '1m',
        format: 'parquet',
        out: parquet,
      }),
    ).toEqual({ out: parquet, rows: 2 });
    const csv = path.join(dir, 'candles.csv');
    await exportRange(db, {
      instrument: TEST_INSTRUMENT,
      from: 0,
      to: T0 + 86_400_000,
      kind: 'candles',
      timeframe: '1m',
      format: 'csv',
      out: csv,
    });

    const other = openDatabase(':memory:');
    try {
      const target = new MarketStore(other);
      target.upsertInstrument(instrument());
      const fromParquet = await importFile(other, {
        path: parquet,
        instrument: TEST_INSTRUMENT,
        mapping: { kind: 'trades', ts: 'ts', price: 'price', amount: 'amount', side: 'side', id: 'id' },
      });
      expect(fromParquet).toMatchObject({ format: 'parquet', rows: 2, inserted: 2 });
      expect(target.recentTrades(TEST_INSTRUMENT, 10)).toEqual(
        store.recentTrades(TEST_INSTRUMENT, 10).slice(0, 2),
      );
      const fromCsv = await importFile(other, {
        path: csv,
        instrument: TEST_INSTRUMENT,
        mapping: {
          kind: 'candles',
          timeframe: '1m',
          ts: 'open_time',
          open: 'open',
          high: 'high',
          low: 'low',
          close: 'close',
          volume: 'volume',
        },
      });
      expect(fromCsv.rows).toBe(2);
    } finally {
      other.close();
    }
  });
});
