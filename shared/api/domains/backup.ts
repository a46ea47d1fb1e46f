import { z } from 'zod';
import type { CommandSpec } from '../spec.js';

const timestamp = z.number().int().nonnegative();

/** Backups kept in the folder at most; older ones are deleted after each new backup. */
export const MAX_BACKUPS_KEPT = 1_000;

/** Where backups go and how often; persisted in the workspace settings. */
export const backupSettingsSchema = z.object({
  /** An absolute folder the user picked; null until one is chosen. */
  folder: z.string().min(1).max(4_096).nullable(),
  /** Minutes between scheduled backups; null: only when asked. */
  everyMinutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .nullable(),
  /** How many backups the folder keeps (the newest ones). */
  keep: z.number().int().min(1).max(MAX_BACKUPS_KEPT),
});
export type BackupSettings = z.infer<typeof backupSettingsSchema>;

/** One backup file in the folder. */
export const backupFileSchema = z.object({
  name: z.string(),
  path: z.string(),
  bytes: z.number().int().nonnegative(),
  /** When the backup was taken (from its name), ms UTC. */
  at: timestamp,
});
export type BackupFile = z.infer<typeof backupFileSchema>;

/** What a backup was checked for before it may replace the workspace. */
export const backupCheckSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    path: z.string(),
    schemaVersion: z.number().int().nonnegative(),
    /** Audit entries whose hash chain was verified (0 when the backup has none). */
    auditEntries: z.number().int().nonnegative(),
  }),
  z.object({
    ok: z.literal(false),
    path: z.string(),
    /** Why it may not be restored, in words the user can act on. */
    reason: z.string(),
  }),
]);
export type BackupCheck = z.infer<typeof backupCheckSchema>;

export const backupStateSchema = z.object({
  settings: backupSettingsSchema,
  /** The backups in the folder, newest first (empty without a folder). */
  backups: z.array(backupFileSchema),
  /** The last backup this host took, or null. */
  last: backupFileSchema.nullable(),
  /** Why the last scheduled or asked backup failed, or null. */
  lastError: z.string().nullable(),
  /** The running backup's job id, or null. */
  runningJobId: z.string().nullable(),
  /** A backup staged to replace the workspace at the next start, or null. */
  pendingRestore: z.string().nullable(),
  /** Next scheduled backup, ms UTC, or null when not scheduled. */
  nextAt: timestamp.nullable(),
});
export type BackupState = z.infer<typeof backupStateSchema>;

export const backupCommands = {
  'backup.state': {
    summary: 'The backup settings, the backups in the folder, the last one and any staged restore.',
    request: z.object({}),
    response: backupStateSchema,
  },
  'backup.settings.set': {
    summary: 'Sets the backup folder, the schedule and how many backups to keep.',
    request: backupSettingsSchema,
    response: backupStateSchema,
  },
  'backup.run': {
    summary: 'Backs the workspace up now, while recording goes on; follow the job for progress.',
    request: z.object({}),
    response: z.object({ jobId: z.string() }),
  },
  'backup.check': {
    summary: 'Checks a backup file (integrity and audit chain) without restoring it.',
    request: z.object({ path: z.string().min(1).max(4_096) }),
    response: backupCheckSchema,
  },
  'backup.restore': {
    summary: 'Checks a backup and stages it to replace the workspace when the workstation next starts.',
    request: z.object({ path: z.string().min(1).max(4_096) }),
    response: z.object({ check: backupCheckSchema, state: backupStateSchema }),
  },
  'backup.restore.cancel': {
    summary: 'Drops a staged restore: the workspace stays as it is.',
    request: z.object({}),
    response: backupStateSchema,
  },
} as const satisfies Record<string, CommandSpec>;
