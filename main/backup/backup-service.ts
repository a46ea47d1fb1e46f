import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  backupFileSchema,
  backupSettingsSchema,
  type BackupFile,
  type BackupSettings,
  type BackupState,
} from '../../shared/api/domains/backup.js';
import { ApiError } from '../../shared/api/protocol.js';
import type { CommandHandlers } from '../api/handlers.js';
import type { JobBoard } from '../jobs/job-board.js';
import type { SqliteDatabase } from '../storage/database.js';
import { writeOwnerFile } from '../storage/owner-only.js';
import {
  backupWorkspace,
  checkBackup,
  listBackups,
  pruneBackups,
  restoreWorkspace,
} from './workspace-backup.js';

type BackupCommandName =
  | 'backup.state'
  | 'backup.settings.set'
  | 'backup.run'
  | 'backup.check'
  | 'backup.restore'
  | 'backup.restore.cancel';

export const BACKUP_SETTINGS_KEY = 'backup.settings';
const LAST_BACKUP_KEY = 'backup.last';
/** A restore staged from Settings, applied by the next start before the database opens. */
export const PENDING_RESTORE_FILE = 'restore-pending.json';
const pendingSchema = z.object({ path: z.string().min(1), stagedAt: z.number() });

export const DEFAULT_BACKUP_SETTINGS: BackupSettings = { folder: null, everyMinutes: null, keep: 7 };

export interface BackupServiceOptions {
  readonly db: SqliteDatabase;
  readonly dataDir: string;
  readonly jobs: JobBoard;
  readonly settings: { get(key: string): unknown; set(key: string, value: unknown): void };
  readonly clock: () => number;
  readonly log: (line: string) => void;
}

/**
 * Backups in the App: taken now or on a schedule, as jobs (progress in pages, cancel), into
 * the folder the user picked, keeping the newest `keep`. A restore is checked, then staged:
 * the database cannot be swapped under the running App (the recorder, workers and readers
 * hold it open), so the next start replaces it before opening it (applyPendingRestore).
 */
export function createBackupService(options: BackupServiceOptions) {
  const { db, dataDir, jobs, settings, clock, log } = options;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let nextAt: number | null = null;
  let runningJobId: string | null = null;
  let lastError: string | null = null;

  const current = (): BackupSettings => {
    const parsed = backupSettingsSchema.safeParse(
      settings.get(BACKUP_SETTINGS_KEY) ?? DEFAULT_BACKUP_SETTINGS,
    );
    return parsed.success ? parsed.data : DEFAULT_BACKUP_SETTINGS;
  };
  const last = (): BackupFile | null => {
    const parsed = backupFileSchema.safeParse(settings.get(LAST_BACKUP_KEY));
    return parsed.success ? parsed.data : null;
  };
  const pendingFile = path.join(dataDir, PENDING_RESTORE_FILE);
  const pending = (): string | null => {
    if (!existsSync(pendingFile)) return null;
    const parsed = pendingSchema.safeParse(JSON.parse(readFileSync(pendingFile, 'utf8')));
    return parsed.success ? parsed.data.path : null;
  };

  const state = (): BackupState => {
    const chosen = current();
    return {
      settings: chosen,
      backups: chosen.folder === null ? [] : listBackups(chosen.folder),
      last: last(),
      lastError,
      runningJobId,
      pendingRestore: pending(),
      nextAt,
    };
  };

  const run = (): string => {
    if (runningJobId !== null) return runningJobId;
    const { folder, keep } = current();
    if (folder === null)
      throw new ApiError('bad_request', 'choose a backup folder first (Settings, Backups)');
    const { job, finished } = jobs.start(
      { kind: 'backup', title: `Back up the workspace to ${folder}`, unit: 'pages' },
      async (context) => {
        const file = await backupWorkspace(db, folder, {
          now: clock(),
          signal: context.signal,
          onProgress: ({ copiedPages, totalPages }) => {
            context.progress(copiedPages, totalPages, 'copying the workspace');
          },
        });
        const removed = pruneBackups(folder, keep);
        settings.set(LAST_BACKUP_KEY, file);
        log(`backup: ${file.path} (${file.bytes} bytes); ${removed.length} older backup(s) removed`);
        return { file, removed: removed.map((r) => r.name) };
      },
    );
    runningJobId = job.id;
    void finished.then((done) => {
      runningJobId = null;
      lastError = done.state === 'done' ? null : (done.error ?? done.state);
      if (lastError !== null) log(`backup: failed: ${lastError}`);
      schedule();
    });
    return job.id;
  };

  /** The next scheduled backup: `everyMinutes` after the last one (at once when overdue). */
  function schedule(): void {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    nextAt = null;
    const { folder, everyMinutes } = current();
    if (folder === null || everyMinutes === null || stopped) return;
    const now = clock();
    nextAt = Math.max(now, (last()?.at ?? now) + everyMinutes * 60_000);
    timer = setTimeout(() => {
      timer = null;
      try {
        run();
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
        schedule();
      }
    }, nextAt - now);
  }
  let stopped = false;
  schedule();

  const commands: Pick<CommandHandlers, BackupCommandName> = {
    'backup.state': () => state(),
    'backup.settings.set': (request) => {
      if (request.folder !== null && !path.isAbsolute(request.folder))
        throw new ApiError(
          'bad_request',
          `the backup folder must be an absolute path, got '${request.folder}'`,
        );
      if (request.folder !== null && path.resolve(request.folder) === path.resolve(dataDir))
        throw new ApiError('bad_request', 'the backup folder must not be the workspace folder itself');
      settings.set(BACKUP_SETTINGS_KEY, request);
      schedule();
      return state();
    },
    'backup.run': () => ({ jobId: run() }),
    'backup.check': ({ path: file }) => checkBackup(file),
    'backup.restore': ({ path: file }) => {
      const check = checkBackup(file);
      if (!check.ok) throw new ApiError('bad_request', `not restored, nothing was replaced: ${check.reason}`);
      writeOwnerFile(pendingFile, JSON.stringify({ path: file, stagedAt: clock() }));
      log(`backup: restore of ${file} staged; it replaces the workspace when the workstation restarts`);
      return { check, state: state() };
    },
    'backup.restore.cancel': () => {
      rmSync(pendingFile, { force: true });
      return state();
    },
  };

  return {
    commands,
    stop(): void {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}

export type BackupService = ReturnType<typeof createBackupService>;

/**
 * At start, before the database is opened: a restore staged from Settings replaces the
 * workspace (checked again: the file may have changed since). Returns what to tell the user,
 * or null when nothing was staged. A refused restore leaves the workspace as it was.
 */
export function applyPendingRestore(
  dataDir: string,
  now: number,
): { readonly restored: boolean; readonly message: string } | null {
  const file = path.join(dataDir, PENDING_RESTORE_FILE);
  if (!existsSync(file)) return null;
  let staged: string;
  try {
    staged = pendingSchema.parse(JSON.parse(readFileSync(file, 'utf8'))).path;
  } catch (error) {
    return {
      restored: false,
      message: `backup: the staged restore could not be read and was dropped: ${error instanceof Error ? error.message : String(error)}`,
    };
  } finally {
    // Tried once: a restore that fails must not be retried at every start.
    rmSync(file, { force: true });
  }
  try {
    const result = restoreWorkspace(staged, dataDir, { now, ownPid: process.pid });
    const aside = result.keptAside === null ? '' : `; the replaced workspace is kept in ${result.keptAside}`;
    return {
      restored: true,
      message: `backup: restored the workspace from ${staged} (${result.check.auditEntries} audit entries verified)${aside}`,
    };
  } catch (error) {
    return { restored: false, message: `backup: ${error instanceof Error ? error.message : String(error)}` };
  }
}
