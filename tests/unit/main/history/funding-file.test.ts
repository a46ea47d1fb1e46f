import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { previewFile } from '../../../../main/history/file-import.js';
import { fundingLayoutOf } from '../../../../main/history/funding-file.js';
import { importFile } from '../../../../main/history/import-file.js';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import { FundingStore } from '../../../../main/storage/funding-store.js';
import { MIGRATIONS } from '../../../../main/storage/migrations/index.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'funding-file-'));
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const PERP = 'binance:BTC/USDT:USDT';
/** 2024-01-01T00:00Z and the next two funding times. */
const T0 = 1_704_067_200_000;
const H8 = 8 * 3_600_000;

function file(name: string, text: string): string {
  const at = path.join(tmp, name);
  writeFileSync(at, text);
  return at;
}

describe('funding rate files', () => {
  let db: SqliteDatabase;

  beforeEach(() => {
    db = openDatabase(':memory:', { migrations: MIGRATIONS });
    db.prepare(
      `INSERT INTO instruments (id, exchange, symbol, base, quote, tick_size, lot_size)
       VALUES (?, 'binance', 'BTC/USDT:USDT', 'BTC', 'USDT', 0.1, 0.001)`,
    ).run(PERP);
  });
  afterEach(() => {
    db.close();
  });

  const stored = () => {
    const schedule = new FundingStore(db).schedule(PERP, 0, Number.MAX_SAFE_INTEGER);
    return Array.from(schedule.ts, (ts, i) => [ts, schedule.rate[i]]);
  };

  it("imports Binance's fundingRate export, recognised by its header", async () => {
    const binance = file(
      'BTCUSDT-fundingRate-2024-01.csv',
      `calc_time,funding_interval_hours,last_funding_rate\n${T0},8,0.00037409\n${T0 + H8},8,0.00032011\n${T0 + 2 * H8},8,-0.00001234\n`,
    );
    expect(await fundingLayoutOf(binance, undefined)).toBe('binance');
    expect((await previewFile(binance)).format).toBe('funding-rates');
    const result = await importFile(db, { path: binance, instrument: PERP });
    expect(result).toMatchObject({
      kind: 'funding',
      format: 'funding-rates',
      rows: 3,
      inserted: 3,
      from: T0,
      to: T0 + 2 * H8,
    });
    expect(stored()).toEqual([
      [T0, 0.00037409],
      [T0 + H8, 0.00032011],
      [T0 + 2 * H8, -0.00001234],
    ]);
    // Again: the same rows, nothing changed.
    expect(await importFile(db, { path: binance, instrument: PERP })).toMatchObject({ rows: 3, inserted: 0 });
  });

  it('imports a two-column file in seconds, newest first, when named as funding rates', async () => {
    const plain = file('rates.csv', `${(T0 + H8) / 1000},-0.0001\n${T0 / 1000},0.0002\n`);
    expect(await fundingLayoutOf(plain, undefined)).toBeNull();
    const result = await importFile(db, { path: plain, instrument: PERP, format: 'funding-rates' });
    expect(result).toMatchObject({ kind: 'funding', rows: 2, inserted: 2 });
    expect(stored()).toEqual([
      [T0, 0.0002],
      [T0 + H8, -0.0001],
    ]);
  });

  it('recognises a two-column file by a header naming a time and a rate', async () => {
    const headed = file('export.csv', `timestamp,funding_rate\n${T0},0.0001\n`);
    expect(await fundingLayoutOf(headed, undefined)).toBe('two-column');
    expect(await importFile(db, { path: headed, instrument: PERP })).toMatchObject({ rows: 1, inserted: 1 });
  });

  it('names the bad line and writes nothing', async () => {
    const cases: [string, RegExp][] = [
      [
        `calc_time,funding_interval_hours,last_funding_rate\n${T0},8,0.0001\n${T0 + H8},8,abc\n`,
        /line 3: funding rate 'abc' is not a number/,
      ],
      [
        `calc_time,funding_interval_hours,last_funding_rate\n${T0},8,0.0001\n${T0 + H8},0.0001\n`,
        /line 3: expected 3 columns, got 2/,
      ],
      [
        `calc_time,funding_interval_hours,last_funding_rate\n${T0},8,1.5\n`,
        /line 2: funding rate 1.5 is beyond \+-1/,
      ],
      [
        `calc_time,funding_interval_hours,last_funding_rate\n${T0},8,0.0001\n${T0},8,0.0002\n`,
        /line 3: funding time 2024-01-01T00:00:00.000Z is also on line 2/,
      ],
      [
        `calc_time,funding_interval_hours,last_funding_rate\n${T0},8,0.0001\n${T0 + H8},8,0.00`,
        /line 3: the last line has no final newline and ends inside a number/,
      ],
      [`calc_time,funding_interval_hours,last_funding_rate\n`, /holds no funding rates/],
    ];
    for (const [index, [text, error]] of cases.entries()) {
      const bad = file(`bad-${index}-fundingRate.csv`, text);
      await expect(importFile(db, { path: bad, instrument: PERP })).rejects.toThrow(error);
      await expect(importFile(db, { path: bad, instrument: PERP })).rejects.toThrow(/nothing was imported/);
    }
    expect(stored()).toEqual([]);
  });

  it('refuses an instrument the workspace does not have before reading the file', async () => {
    const good = file(
      'ok-fundingRate.csv',
      `calc_time,funding_interval_hours,last_funding_rate\n${T0},8,0.0001\n`,
    );
    await expect(importFile(db, { path: good, instrument: 'binance:ETH/USDT:USDT' })).rejects.toThrow(
      /Unknown instrument 'binance:ETH\/USDT:USDT'/,
    );
  });
});
