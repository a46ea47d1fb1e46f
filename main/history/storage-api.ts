import type { DiskSpace } from '../../shared/api/schemas.js';
import {
  storageSettingsSchema,
  type StorageSettings,
  type StorageState,
} from '../../shared/api/domains/storage.js';
import type { CommandHandlers } from '../api/handlers.js';
import type { SqliteDatabase } from '../storage/database.js';
import { diskSpaceOf } from '../storage/disk-space.js';
import type { MarketStore } from '../storage/market-store.js';
import { DemoWindow } from './demo-window.js';

export const STORAGE_SETTING = 'storage.settings';

/**
 * A day of the demo market (about 2 GB at 80 MB an hour) is enough to train and backtest on;
 * the warning comes while another such day still fits on the disk.
 */
export const DEFAULT_STORAGE_SETTINGS: StorageSettings = {
  demoWindowHours: 24,
  lowDiskBytes: 2_000_000_000,
};

/** Five minutes of the demo market is a few MB: each pass is short. */
const TRIM_EVERY_MS = 5 * 60_000;

export interface StorageServiceDeps {
  readonly db: SqliteDatabase;
  readonly store: MarketStore;
  /** The demo market's instrument id. */
  readonly demoInstrument: string;
  /** The workspace folder: its filesystem is the one watched. */
  readonly dataDir: string;
  readonly clock: () => number;
  readonly log?: (line: string) => void;
  readonly trimEveryMs?: number;
  /** Free and total bytes where the workspace lives (injected in tests; default fs.statfs). */
  readonly diskSpace?: (dir: string) => { freeBytes: number; totalBytes: number } | null;
}

export interface StorageService {
  readonly commands: Pick<CommandHandlers, 'storage.get' | 'storage.set'>;
  /** Free space on the workspace's disk and whether it is low, for the status bar. */
  disk(): DiskSpace | null;
  /** The demo window's pass, applied now (tests, and a shortened window). */
  readonly demoWindow: DemoWindow;
  stop(): void;
}

/**
 * History recorded on purpose (`cli demo-history`) must not be trimmed away the next time the
 * app records the demo market: when it reaches further back than the demo window keeps (from
 * `now`), the window is widened to hold it. Returns the sentence to tell the user, or null when
 * the window already holds it.
 */
export function widenDemoWindowFor(store: MarketStore, fromTs: number, now: number): string | null {
  const settings = store.getSetting(STORAGE_SETTING, storageSettingsSchema) ?? DEFAULT_STORAGE_SETTINGS;
  const hours = settings.demoWindowHours;
  if (hours === null || now - fromTs <= hours * 3_600_000) return null;
  const needed = Math.ceil((now - fromTs) / 3_600_000);
  store.setSetting(STORAGE_SETTING, { ...settings, demoWindowHours: needed });
  return `the demo window kept ${hours} h; widened to ${needed} h so this history is kept (Data view, Demo market and disk, to change)`;
}

/** The demo market's bounded window and the low-disk warning. */
export function createStorageService(deps: StorageServiceDeps): StorageService {
  const { store } = deps;
  const everyMs = deps.trimEveryMs ?? TRIM_EVERY_MS;
  const measure = deps.diskSpace ?? diskSpaceOf;
  // Read once and kept: disk() runs every second for the status topic.
  let settings = store.getSetting(STORAGE_SETTING, storageSettingsSchema) ?? DEFAULT_STORAGE_SETTINGS;
  const demoWindow = new DemoWindow({
    db: deps.db,
    instrument: deps.demoInstrument,
    clock: deps.clock,
    windowHours: () => settings.demoWindowHours,
    everyMs,
    ...(deps.log === undefined ? {} : { log: deps.log }),
  });
  demoWindow.start();

  const disk = (): DiskSpace | null => {
    const space = measure(deps.dataDir);
    if (space === null) return null;
    return { ...space, lowBytes: settings.lowDiskBytes, low: space.freeBytes < settings.lowDiskBytes };
  };
  const state = (): StorageState => ({
    settings,
    demoInstrument: deps.demoInstrument,
    trimEveryMs: everyMs,
    lastTrim: demoWindow.lastTrim,
    disk: disk(),
  });

  return {
    commands: {
      'storage.get': () => state(),
      'storage.set': async (next) => {
        const before = settings.demoWindowHours;
        settings = storageSettingsSchema.parse(next);
        store.setSetting(STORAGE_SETTING, settings);
        const shorter =
          settings.demoWindowHours !== null && (before === null || settings.demoWindowHours < before);
        // A shorter window frees its space now rather than at the next tick.
        if (shorter) await demoWindow.trim();
        return state();
      },
    },
    disk,
    demoWindow,
    stop() {
      demoWindow.stop();
    },
  };
}
