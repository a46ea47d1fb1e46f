import { describe, expect, it } from 'vitest';
import type { ApiClient } from '../../../../shared/api/client.js';
import type { BackupState } from '../../../../shared/api/domains/backup.js';
import type { JobOf } from '../../../../shared/api/domains/jobs.js';
import { backupJobText, createBackupStore, parseBackupForm } from '../../../../renderer/src/stores/backup.js';
import { fakeApi } from './fakeApi.js';

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

function recordingApi() {
  const api = fakeApi();
  const requests: [string, unknown][] = [];
  const client: ApiClient = {
    ...api.client,
    call: (command, request) => {
      requests.push([command, request]);
      return api.client.call(command, request);
    },
  };
  return { api, client, requests };
}

const EMPTY: BackupState = {
  settings: { folder: null, everyMinutes: null, keep: 7 },
  backups: [],
  last: null,
  lastError: null,
  runningJobId: null,
  pendingRestore: null,
  nextAt: null,
};

const job = (overrides: Partial<JobOf<'backup'>>): JobOf<'backup'> => ({
  id: 'j1',
  kind: 'backup',
  title: 'Back up the workspace to /b',
  state: 'running',
  done: 0,
  total: null,
  unit: 'pages',
  message: '',
  etaMs: null,
  error: null,
  result: null,
  startedAt: 1,
  finishedAt: null,
  ...overrides,
});

describe('backup form', () => {
  it('parses folder, schedule and retention, and says what is wrong', () => {
    expect(parseBackupForm({ folder: ' /mnt/b ', everyMinutes: '', keep: '3' })).toEqual({
      ok: true,
      settings: { folder: '/mnt/b', everyMinutes: null, keep: 3 },
    });
    expect(parseBackupForm({ folder: '/mnt/b', everyMinutes: '60', keep: '3' })).toEqual({
      ok: true,
      settings: { folder: '/mnt/b', everyMinutes: 60, keep: 3 },
    });
    expect(parseBackupForm({ folder: '', everyMinutes: '', keep: '3' })).toEqual({
      ok: false,
      problem: 'Choose the folder backups go to (a full path on the host).',
    });
    expect(parseBackupForm({ folder: '/b', everyMinutes: '', keep: '0' })).toEqual({
      ok: false,
      problem: "Keep must be a whole number of backups, 1 or more (got '0').",
    });
    expect(parseBackupForm({ folder: '/b', everyMinutes: '1.5', keep: '2' })).toEqual({
      ok: false,
      problem: "Every must be whole minutes, 1 or more, or empty for no schedule (got '1.5').",
    });
  });

  it('shows a backup job as pages copied', () => {
    expect(backupJobText(job({ done: 1_234, total: 5_000 }))).toBe('Backing up: 1,234 of 5,000 pages (24%)');
    expect(backupJobText(job({}))).toBe('Backing up: starting');
    expect(backupJobText(job({ state: 'failed', error: 'disk full' }))).toBe('Backup failed: disk full');
    expect(backupJobText(job({ state: 'done' }))).toBe('Backup done');
  });
});

describe('backup store', () => {
  it('saves the settings, backs up with progress, and refreshes the list when the job ends', async () => {
    const { api, client, requests } = recordingApi();
    const store = createBackupStore(client);
    const started = store.getState().start();
    api.answer('backup.state', { ...EMPTY, settings: { folder: '/b', everyMinutes: 30, keep: 4 } });
    await started;
    expect(store.getState().form).toEqual({ folder: '/b', everyMinutes: '30', keep: '4' });

    store.getState().setForm({ everyMinutes: '', keep: '2' });
    const saving = store.getState().save();
    api.answer('backup.settings.set', { ...EMPTY, settings: { folder: '/b', everyMinutes: null, keep: 2 } });
    await saving;
    expect(requests).toContainEqual(['backup.settings.set', { folder: '/b', everyMinutes: null, keep: 2 }]);
    expect(store.getState().notice).toBe('Backups go to /b, when you ask, keeping 2.');

    const running = store.getState().backupNow();
    api.answer('backup.run', { jobId: 'j1' });
    await flush();
    api.answer('backup.state', { ...EMPTY, runningJobId: 'j1' });
    await running;
    api.push('jobs', job({ done: 100, total: 400 }));
    expect(backupJobText(store.getState().job ?? job({}))).toBe('Backing up: 100 of 400 pages (25%)');
    // Other jobs do not move the backup's bar.
    api.push('jobs', { ...job({ id: 'j2', done: 9, total: 10 }), kind: 'import', result: null });
    expect(store.getState().job?.id).toBe('j1');

    const file = {
      name: 'workspace-backup-x.sqlite',
      path: '/b/workspace-backup-x.sqlite',
      bytes: 10,
      at: 5,
    };
    api.push('jobs', job({ state: 'done', done: 400, total: 400 }));
    api.answer('backup.state', { ...EMPTY, backups: [file], last: file });
    await flush();
    expect(store.getState().state?.backups).toEqual([file]);
  });

  it('refuses to save a bad form without asking the host', async () => {
    const { client, requests } = recordingApi();
    const store = createBackupStore(client);
    store.getState().setForm({ folder: '', keep: '3' });
    await store.getState().save();
    expect(store.getState().problem).toBe('Choose the folder backups go to (a full path on the host).');
    expect(requests).toEqual([]);
  });

  it('shows a refused restore with its reason, and a staged one with what happens next', async () => {
    const { api, client } = recordingApi();
    const store = createBackupStore(client);
    store.getState().setRestorePath('/b/broken.sqlite');
    const refused = store.getState().restore();
    await flush();
    // The host's refusal reaches the store as an error carrying its reason.
    const reason =
      'not restored, nothing was replaced: /b/broken.sqlite failed its integrity check: page 40 is never used';
    api.disconnect(reason);
    await refused;
    expect(store.getState().problem).toBe(reason);
    expect(store.getState().state).toBeNull();

    store.getState().setRestorePath('/b/good.sqlite');
    const staged = store.getState().restore();
    api.answer('backup.restore', {
      check: { ok: true, path: '/b/good.sqlite', schemaVersion: 13, auditEntries: 4 },
      state: { ...EMPTY, pendingRestore: '/b/good.sqlite' },
    });
    await staged;
    expect(store.getState()).toMatchObject({
      problem: null,
      check: { ok: true, auditEntries: 4 },
      state: { pendingRestore: '/b/good.sqlite' },
      notice:
        'Restore staged. Restart the workstation to finish: the backup replaces the workspace before it opens, and the current workspace is kept aside.',
    });
  });
});
