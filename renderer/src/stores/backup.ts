import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiClient } from '../../../shared/api/client.js';
import type { BackupCheck, BackupSettings, BackupState } from '../../../shared/api/domains/backup.js';
import type { JobOf } from '../../../shared/api/domains/jobs.js';

/** The backup form as typed: text fields, parsed when saved. */
export interface BackupForm {
  readonly folder: string;
  /** Minutes between scheduled backups; empty: no schedule. */
  readonly everyMinutes: string;
  readonly keep: string;
}

export interface BackupDeskState {
  readonly state: BackupState | null;
  readonly form: BackupForm;
  /** The backup running now (progress in pages), or the last one this window followed. */
  readonly job: JobOf<'backup'> | null;
  /** The backup file the user picked to check or restore. */
  readonly restorePath: string;
  /** The last check of `restorePath`. */
  readonly check: BackupCheck | null;
  readonly busy: boolean;
  readonly problem: string | null;
  readonly notice: string | null;

  readonly start: () => Promise<() => void>;
  readonly setForm: (form: Partial<BackupForm>) => void;
  readonly save: () => Promise<void>;
  readonly backupNow: () => Promise<void>;
  readonly setRestorePath: (path: string) => void;
  readonly checkBackup: () => Promise<void>;
  readonly restore: () => Promise<void>;
  readonly cancelRestore: () => Promise<void>;
}

export type BackupStore = StoreApi<BackupDeskState>;

/** The form parsed into settings, or what is wrong with it in words. */
export function parseBackupForm(
  form: BackupForm,
): { ok: true; settings: BackupSettings } | { ok: false; problem: string } {
  const folder = form.folder.trim();
  if (folder === '')
    return { ok: false, problem: 'Choose the folder backups go to (a full path on the host).' };
  const keep = Number(form.keep.trim());
  if (!Number.isInteger(keep) || keep < 1)
    return { ok: false, problem: `Keep must be a whole number of backups, 1 or more (got '${form.keep}').` };
  const every = form.everyMinutes.trim();
  if (every === '') return { ok: true, settings: { folder, everyMinutes: null, keep } };
  const minutes = Number(every);
  if (!Number.isInteger(minutes) || minutes < 1)
    return {
      ok: false,
      problem: `Every must be whole minutes, 1 or more, or empty for no schedule (got '${every}').`,
    };
  return { ok: true, settings: { folder, everyMinutes: minutes, keep } };
}

/** "Backing up: 1,234 of 5,000 pages (25%)", or how the backup ended. */
export function backupJobText(job: JobOf<'backup'>): string {
  switch (job.state) {
    case 'running': {
      if (job.total === null || job.total === 0) return 'Backing up: starting';
      const percent = Math.floor((100 * job.done) / job.total);
      return `Backing up: ${job.done.toLocaleString('en')} of ${job.total.toLocaleString('en')} pages (${percent}%)`;
    }
    case 'done':
      return 'Backup done';
    case 'failed':
      return `Backup failed: ${job.error ?? 'unknown error'}`;
    case 'cancelled':
      return 'Backup cancelled';
    default:
      return job.state satisfies never;
  }
}

function formOf(settings: BackupSettings): BackupForm {
  return {
    folder: settings.folder ?? '',
    everyMinutes: settings.everyMinutes === null ? '' : String(settings.everyMinutes),
    keep: String(settings.keep),
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The backups domain: folder, schedule, retention, backing up now, checking and staging a restore. */
export function createBackupStore(api: ApiClient): BackupStore {
  return createStore<BackupDeskState>()((set, get) => {
    const refresh = async (): Promise<void> => {
      const state = await api.call('backup.state', {});
      set({ state });
    };
    const guarded = async (work: () => Promise<void>): Promise<void> => {
      set({ busy: true, problem: null, notice: null });
      try {
        await work();
      } catch (error) {
        set({ problem: errorText(error) });
      } finally {
        set({ busy: false });
      }
    };

    return {
      state: null,
      form: { folder: '', everyMinutes: '', keep: '7' },
      job: null,
      restorePath: '',
      check: null,
      busy: false,
      problem: null,
      notice: null,

      start: async () => {
        const unsubscribe = api.subscribe('jobs', {}, (job) => {
          if (job.kind !== 'backup') return;
          set({ job });
          if (job.state !== 'running')
            void refresh().catch((error: unknown) => {
              set({ problem: errorText(error) });
            });
        });
        try {
          const state = await api.call('backup.state', {});
          set({ state, form: formOf(state.settings) });
        } catch (error) {
          set({ problem: errorText(error) });
        }
        return unsubscribe;
      },
      setForm: (form) => {
        set({ form: { ...get().form, ...form } });
      },
      save: () =>
        guarded(async () => {
          const parsed = parseBackupForm(get().form);
          if (!parsed.ok) throw new Error(parsed.problem);
          const state = await api.call('backup.settings.set', parsed.settings);
          const every = state.settings.everyMinutes;
          set({
            state,
            form: formOf(state.settings),
            notice: `Backups go to ${state.settings.folder ?? ''}, ${every === null ? 'when you ask' : `every ${every} min`}, keeping ${state.settings.keep}.`,
          });
        }),
      backupNow: () =>
        guarded(async () => {
          const { jobId } = await api.call('backup.run', {});
          set({ notice: `Backup started (job ${jobId}).` });
          await refresh();
        }),
      setRestorePath: (path) => {
        set({ restorePath: path, check: null });
      },
      checkBackup: () =>
        guarded(async () => {
          const check = await api.call('backup.check', { path: get().restorePath.trim() });
          set({ check });
        }),
      restore: () =>
        guarded(async () => {
          const { check, state } = await api.call('backup.restore', { path: get().restorePath.trim() });
          set({
            check,
            state,
            notice:
              'Restore staged. Restart the workstation to finish: the backup replaces the workspace before it opens, and the current workspace is kept aside.',
          });
        }),
      cancelRestore: () =>
        guarded(async () => {
          const state = await api.call('backup.restore.cancel', {});
          set({ state, notice: 'Staged restore dropped: the workspace stays as it is.' });
        }),
    };
  });
}
