import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createStorageService,
  DEFAULT_STORAGE_SETTINGS,
  type StorageService,
  widenDemoWindowFor,
} from '../../../../main/history/storage-api.js';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import { MarketStore } from '../../../../main/storage/market-store.js';
import { Recorder } from '../../../../main/storage/recorder.js';
import { instrument } from '../../../fixtures/market-data.js';
import { TEST_INSTRUMENT, trade, utc } from '../../../fixtures/trades.js';

const HOUR = 3_600_000;
const NOW = utc('2026-12-07T12:00:00Z');
const GB = 1_000_000_000;

describe('storage settings: the demo window and the low-disk warning', () => {
  let db: SqliteDatabase;
  let store: MarketStore;
  let free: number;
  let services: StorageService[];

  beforeEach(() => {
    db = openDatabase(':memory:');
    store = new MarketStore(db);
    store.upsertInstrument(instrument());
    free = 50 * GB;
    services = [];
  });
  afterEach(() => {
    for (const service of services) service.stop();
    db.close();
  });

  const service = (): StorageService => {
    const created = createStorageService({
      db,
      store,
      demoInstrument: TEST_INSTRUMENT,
      dataDir: '/workspace',
      clock: () => NOW,
      diskSpace: (dir) => (dir === '/workspace' ? { freeBytes: free, totalBytes: 100 * GB } : null),
    });
    services.push(created);
    return created;
  };

  it('keeps 24 h of the demo market and warns below 2 GB free by default', async () => {
    const state = await service().commands['storage.get']({});
    expect(state.settings).toEqual(DEFAULT_STORAGE_SETTINGS);
    expect(state.settings).toEqual({ demoWindowHours: 24, lowDiskBytes: 2 * GB });
    expect(state.demoInstrument).toBe(TEST_INSTRUMENT);
    expect(state.lastTrim).toBeNull();
    expect(state.disk).toEqual({ freeBytes: 50 * GB, totalBytes: 100 * GB, lowBytes: 2 * GB, low: false });
  });

  it('says the disk is low once free space falls below the threshold, with the figure', () => {
    const storage = service();
    free = 1.5 * GB;
    expect(storage.disk()).toEqual({
      freeBytes: 1.5 * GB,
      totalBytes: 100 * GB,
      lowBytes: 2 * GB,
      low: true,
    });
  });

  it('applies a shorter window at once and remembers the settings in the workspace', async () => {
    const recorder = new Recorder(store);
    for (let hour = 10; hour >= 1; hour--) recorder.recordTrade(trade({ ts: NOW - hour * HOUR }));
    recorder.flush();

    const state = await service().commands['storage.set']({ demoWindowHours: 3, lowDiskBytes: 60 * GB });

    expect(state.lastTrim).toEqual({
      at: NOW,
      cutoff: NOW - 3 * HOUR,
      deleted: expect.any(Number) as number,
    });
    expect(store.recentTrades(TEST_INSTRUMENT, 100).map((t) => (NOW - t.ts) / HOUR)).toEqual([3, 2, 1]);
    expect(state.disk?.low).toBe(true);
    // A restarted App reads them back.
    expect((await service().commands['storage.get']({})).settings).toEqual({
      demoWindowHours: 3,
      lowDiskBytes: 60 * GB,
    });
  });

  it('widens the demo window to hold history recorded on purpose, and says so', async () => {
    expect(widenDemoWindowFor(store, NOW - 20 * HOUR, NOW)).toBeNull();
    expect(widenDemoWindowFor(store, NOW - 72.5 * HOUR, NOW)).toBe(
      'the demo window kept 24 h; widened to 73 h so this history is kept (Data view, Demo market and disk, to change)',
    );
    expect((await service().commands['storage.get']({})).settings).toEqual({
      ...DEFAULT_STORAGE_SETTINGS,
      demoWindowHours: 73,
    });
  });
});
