import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import { scanFile } from '../../../main/history/file-import.js';
import { writeBinanceDumpFast } from '../../bench/binance-dump-writer.js';
import { writeBinanceTradesDump } from '../../fixtures/trade-dumps.js';

const dirs: string[] = [];
function folder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tw-dump-writer-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const OPTIONS = { startTs: Date.UTC(2026, 0, 5), spacingMs: 65.5 };

describe('the benchmark dump writer', () => {
  it('writes the same CSV bytes as the fixture writer', async () => {
    const dir = folder();
    const fast = path.join(dir, 'fast', 'BENCHUSDT-trades-2026-01.csv');
    const plain = path.join(dir, 'BENCHUSDT-trades-2026-01.csv');
    mkdirSync(path.dirname(fast));
    const rows = 120_003;
    const written = await writeBinanceDumpFast(fast, rows, OPTIONS);
    await writeBinanceTradesDump(plain, rows, OPTIONS);
    const expected = readFileSync(plain);
    expect(readFileSync(fast).equals(expected)).toBe(true);
    expect(written.csvBytes).toBe(expected.byteLength);
  });

  it('writes a zip holding that CSV, which the importer reads row for row', async () => {
    const dir = folder();
    const zip = path.join(dir, 'BENCHUSDT-trades-2026-02.zip');
    const csv = path.join(dir, 'BENCHUSDT-trades-2026-02.csv');
    const rows = 70_001;
    await writeBinanceDumpFast(zip, rows, OPTIONS);
    await writeBinanceTradesDump(csv, rows, OPTIONS);
    const entries = unzipSync(readFileSync(zip));
    expect(Object.keys(entries)).toEqual(['BENCHUSDT-trades-2026-02.csv']);
    expect(Buffer.from(entries['BENCHUSDT-trades-2026-02.csv'] ?? []).equals(readFileSync(csv))).toBe(true);
    const summary = await scanFile(zip, { format: 'binance-trades' });
    expect(summary).toEqual({
      kind: 'trades',
      rows,
      from: OPTIONS.startTs,
      to: OPTIONS.startTs + Math.floor((rows - 1) * OPTIONS.spacingMs),
    });
  });
});
