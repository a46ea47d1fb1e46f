import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../main/storage/database.js';
import { MarketStore } from '../../main/storage/market-store.js';
import { instrument } from '../fixtures/market-data.js';
import {
  bundleEventBacktestChild,
  runEventBacktestChild,
  storeGeneratedTrades,
} from '../fixtures/stored-trades.js';
import { TEST_INSTRUMENT } from '../fixtures/trades.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const START = Date.UTC(2026, 0, 5);
/**
 * 800k trades: as MarketEvent objects about 130 bytes each, some 100 MB, over three times the
 * child's 32 MB heap cap; stored packed they are 6 MB on disk.
 */
const TRADES = 800_000;
const HEAP_CAP_MB = 32;

describe('event-mode replay', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tw-event-memory-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('backtests a range several times its heap cap by streaming it chunk by chunk', () => {
    const file = path.join(dir, 'workspace.sqlite');
    const db = openDatabase(file);
    new MarketStore(db).upsertInstrument(instrument());
    const range = storeGeneratedTrades(db, TEST_INSTRUMENT, START, TRADES);
    db.close();
    const child = bundleEventBacktestChild(ROOT);
    const run = runEventBacktestChild(child, HEAP_CAP_MB, [file, TEST_INSTRUMENT, range.from, range.to]);
    expect(run.trades).toBe(TRADES);
    expect(run.steps).toBeGreaterThan(0);
    expect(run.peakHeapMb).toBeLessThan(HEAP_CAP_MB);
  });
});
