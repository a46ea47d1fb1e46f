import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectFormat, previewFile } from '../../../../main/history/file-import.js';
import { importFile } from '../../../../main/history/import-file.js';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import { MarketStore } from '../../../../main/storage/market-store.js';
import { instrument } from '../../../fixtures/market-data.js';
import { TEST_INSTRUMENT, utc } from '../../../fixtures/trades.js';

const T0 = utc('2024-03-01T10:00:00Z');
/** Binance's trades layout: id, price, qty, quote_qty, time, is_buyer_maker, is_best_match. */
const row = (id: number, price = '100.5', ts = T0 + id): string => `${id},${price},0.2,20.1,${ts},true,true`;
const rows = (n: number): string[] => Array.from({ length: n }, (_, i) => row(i + 1));
/** The real sample's layout (../shared/marketdata/trades_binance_xrpeth.csv): ts_ms,price,amount,side,trade_id. */
const XRPETH_MAPPING = {
  kind: 'trades',
  ts: 'ts_ms',
  price: 'price',
  amount: 'amount',
  side: 'side',
  id: 'trade_id',
} as const;
const REAL_XRPETH = path.resolve(
  import.meta.dirname,
  '../../../../../shared/marketdata/trades_binance_xrpeth.csv',
);

describe('file checks', () => {
  let dir: string;
  let db: SqliteDatabase;
  let store: MarketStore;
  const file = (name: string, content: string | Uint8Array): string => {
    const full = path.join(dir, name);
    writeFileSync(full, content);
    return full;
  };
  const refused = async (name: string, content: string | Uint8Array, message: string | RegExp) => {
    await expect(importFile(db, { path: file(name, content), instrument: TEST_INSTRUMENT })).rejects.toThrow(
      message,
    );
    expect(store.countTrades()).toBe(0);
    expect(store.candles(TEST_INSTRUMENT, '1m', 10)).toEqual([]);
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tw-file-checks-'));
    db = openDatabase(':memory:');
    store = new MarketStore(db);
    store.upsertInstrument(instrument());
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a hexadecimal number, which Number() would read as 16', async () => {
    const lines = rows(5);
    lines[3] = `4,0x10,0.2,20.1,${T0 + 4},true,true`;
    await refused(
      'BTCUSDT-trades-2024-03-01.csv',
      lines.join('\n') + '\n',
      "BTCUSDT-trades-2024-03-01.csv, line 4: price '0x10' is not a decimal number; nothing was imported",
    );
  });

  it('refuses a row with an extra column, in a fixed layout and in a file with a header', async () => {
    const lines = rows(5);
    lines[2] = `${row(3)},surprise`;
    await refused(
      'BTCUSDT-trades-2024-03-02.csv',
      lines.join('\n') + '\n',
      'BTCUSDT-trades-2024-03-02.csv, line 3: 8 columns where the file has 7 (an extra column, or a comma inside a field); nothing was imported',
    );
    const generic = file('mine.csv', `ts,price,amount\n${T0},1,2\n${T0 + 1},1,2,3\n`);
    await expect(
      importFile(db, {
        path: generic,
        instrument: TEST_INSTRUMENT,
        mapping: { kind: 'trades', ts: 'ts', price: 'price', amount: 'amount' },
      }),
    ).rejects.toThrow('mine.csv, line 3: 4 columns where the file has 3');
    expect(store.countTrades()).toBe(0);
  });

  it('refuses a zip holding a second CSV', async () => {
    const zip = zipSync({
      'BTCUSDT-trades-2024-03-03.csv': strToU8(rows(3).join('\n') + '\n'),
      'ETHUSDT-trades-2024-03-03.csv': strToU8(rows(3).join('\n') + '\n'),
    });
    await refused(
      'BTCUSDT-trades-2024-03-03.zip',
      zip,
      "BTCUSDT-trades-2024-03-03.zip, zip entry 'ETHUSDT-trades-2024-03-03.csv': a second CSV in the zip (after 'BTCUSDT-trades-2024-03-03.csv'); import one CSV per file; nothing was imported",
    );
  });

  it('names the real line of a byte that is not UTF-8, far into the file', async () => {
    const lines = rows(30_000); // over 1 MB: the bad byte is in the second chunk read
    const before = Buffer.from(lines.slice(0, 24_999).join('\n') + '\n');
    const bad = Buffer.from([0x32, 0x35, 0x30, 0x30, 0x30, 0x2c, 0xe9, 0x2c]); // '25000,' 0xE9 ','
    const after = Buffer.from(lines.slice(25_000).join('\n') + '\n');
    await refused(
      'BTCUSDT-trades-2024-03-04.csv',
      Buffer.concat([before, bad, Buffer.from('\n'), after]),
      'BTCUSDT-trades-2024-03-04.csv, line 25000: a byte that is not UTF-8 text (a binary file, or another encoding such as Latin-1?); nothing was imported',
    );
  });

  it('refuses a last line cut inside a number with no final newline, but takes it with one', async () => {
    await refused(
      'BTCUSDT-trades-2024-03-05.csv',
      rows(3).join('\n') + `\n4,100.5,0.2,20.1,${T0}`.slice(0, -3),
      'BTCUSDT-trades-2024-03-05.csv, line 4: the last line is cut short (truncated file?); nothing was imported',
    );
    const tardisCut = [
      'exchange,symbol,timestamp,local_timestamp,id,side,price,amount',
      `binance,BTCUSDT,${T0 * 1000},${T0 * 1000 + 900},1,buy,100.5,0.25`,
      `binance,BTCUSDT,${T0 * 1000 + 5},${T0 * 1000 + 905},2,sell,100.4,0.1`,
    ].join('\n'); // "0.1" may be "0.125" cut short
    await refused(
      'binance_trades_2024-03-01_BTCUSDT.csv',
      tardisCut,
      'binance_trades_2024-03-01_BTCUSDT.csv, line 3: the last line has no final newline and ends inside a number (cut short?); nothing was imported',
    );
    const whole = await importFile(db, {
      path: file('binance_trades_2024-03-02_BTCUSDT.csv', tardisCut + '\n'),
      instrument: TEST_INSTRUMENT,
    });
    expect(whole).toMatchObject({ rows: 2, inserted: 2 });
  });

  it('imports Tardis.dev trades (µs timestamps), plain and gzipped, by name or by header', async () => {
    const us = T0 * 1000;
    const csv = [
      'exchange,symbol,timestamp,local_timestamp,id,side,price,amount',
      `binance,BTCUSDT,${us + 123},${us + 2_500},5001,buy,100.5,0.25`,
      `binance,BTCUSDT,${us + 1_000_456},${us + 1_003_000},5002,sell,100.25,1.5`,
      `binance,BTCUSDT,${us + 61_000_000},${us + 61_002_000},5003,buy,100.75,0.5`,
      '',
    ].join('\n');
    expect(detectFormat('binance_trades_2024-03-01_BTCUSDT.csv.gz')).toBe('tardis-trades');
    const gz = file('binance_trades_2024-03-01_BTCUSDT.csv.gz', gzipSync(Buffer.from(csv)));
    const result = await importFile(db, { path: gz, instrument: TEST_INSTRUMENT });
    expect(result).toMatchObject({ format: 'tardis-trades', kind: 'trades', rows: 3, inserted: 3 });
    expect(
      store.recentTrades(TEST_INSTRUMENT, 10).map((t) => [t.ts, t.id, t.price, t.amount, t.side]),
    ).toEqual([
      [T0, '5001', 100.5, 0.25, 'buy'],
      [T0 + 1000, '5002', 100.25, 1.5, 'sell'],
      [T0 + 61_000, '5003', 100.75, 0.5, 'buy'],
    ]);
    // local_timestamp is the receive time, kept in ms as the store keeps it.
    expect(store.recentTrades(TEST_INSTRUMENT, 10).map((t) => t.localTs)).toEqual([
      T0 + 2,
      T0 + 1003,
      T0 + 61_002,
    ]);
    expect(store.candles(TEST_INSTRUMENT, '1m', 10).map((c) => [c.openTime, c.trades, c.close])).toEqual([
      [T0, 2, 100.25],
      [T0 + 60_000, 1, 100.75],
    ]);

    // Renamed: the header still says what it is; importing it again writes nothing new.
    const renamed = file('export.csv', csv);
    expect((await previewFile(renamed)).format).toBe('tardis-trades');
    expect(await importFile(db, { path: renamed, instrument: TEST_INSTRUMENT })).toMatchObject({
      rows: 3,
      inserted: 0,
    });
  });

  it('imports a file in the layout of the real Binance XRP/ETH sample, and the sample itself when present', async () => {
    const generated = file(
      'xrpeth.csv',
      [
        'ts_ms,price,amount,side,trade_id',
        '1570752011620,0.00141342,23.00000000,sell,13519807',
        '1570752011620,0.00141266,54.00000000,sell,13519808',
        '1570752028907,0.00141379,581.00000000,buy,13519810',
        '',
      ].join('\n'),
    );
    const fixtures: [string, number][] = [[generated, 3]];
    // The team's real sample is not in a user's clone; where it is, it is imported too.
    if (existsSync(REAL_XRPETH)) fixtures.push([REAL_XRPETH, 12_477]);
    for (const [fixture, expected] of fixtures) {
      const other = openDatabase(':memory:');
      try {
        new MarketStore(other).upsertInstrument(instrument());
        const result = await importFile(other, {
          path: fixture,
          instrument: TEST_INSTRUMENT,
          mapping: XRPETH_MAPPING,
        });
        expect(result).toMatchObject({ rows: expected, inserted: expected });
        const daily = new MarketStore(other).candles(TEST_INSTRUMENT, '1d', 1000);
        expect(daily.reduce((n, c) => n + c.trades, 0)).toBe(expected);
      } finally {
        other.close();
      }
    }
    const first = await importFile(db, {
      path: generated,
      instrument: TEST_INSTRUMENT,
      mapping: XRPETH_MAPPING,
    });
    expect(first.from).toBe(1570752011620);
    expect(store.recentTrades(TEST_INSTRUMENT, 1)[0]).toMatchObject({
      price: 0.00141379,
      amount: 581,
      side: 'buy',
      id: '13519810',
    });
  });
});
