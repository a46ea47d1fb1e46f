import { z } from 'zod';
import { diskSpaceSchema } from '../schemas.js';
import type { CommandSpec } from '../spec.js';

/** What the workspace keeps of the demo market, and when the window warns about the disk. */
export const storageSettingsSchema = z.object({
  /** Hours of the demo market kept while it records (older rows are trimmed); null keeps all. */
  demoWindowHours: z
    .number()
    .positive()
    .max(24 * 366)
    .nullable(),
  /** Free bytes on the workspace's disk below which the status bar and Data warn. */
  lowDiskBytes: z.number().int().nonnegative(),
});
export type StorageSettings = z.infer<typeof storageSettingsSchema>;

/** One pass of the demo window: what was cut and when. */
export const demoTrimSchema = z.object({
  at: z.number().int().nonnegative(),
  /** Rows older than this were deleted. */
  cutoff: z.number().int(),
  /** Trades, book delta chunks, snapshots and bars deleted. */
  deleted: z.number().int().nonnegative(),
});
export type DemoTrim = z.infer<typeof demoTrimSchema>;

export const storageStateSchema = z.object({
  settings: storageSettingsSchema,
  /** The demo market's instrument id: the one the window applies to. */
  demoInstrument: z.string(),
  /** How often the window is applied while recording. */
  trimEveryMs: z.number().int().positive(),
  /** The last pass; null before the first. */
  lastTrim: demoTrimSchema.nullable(),
  disk: diskSpaceSchema.nullable(),
});
export type StorageState = z.infer<typeof storageStateSchema>;

export const storageCommands = {
  'storage.get': {
    summary: "The demo market's kept window, its last trim, and the free space on the workspace's disk.",
    request: z.object({}),
    response: storageStateSchema,
  },
  'storage.set': {
    summary: 'Changes the demo window and the low-disk threshold; a shorter window is applied at once.',
    request: storageSettingsSchema,
    response: storageStateSchema,
  },
} as const satisfies Record<string, CommandSpec>;
