import { useEffect } from 'react';
import { bytes as formatBytes } from '../../format.js';
import { backupJobText } from '../../stores/backup.js';
import { useBackup } from '../../stores/context.js';

/**
 * Backups of the workspace: the folder they go to, how often, how many to keep; back up now
 * (while recording goes on) with its progress; check a backup and stage it to be restored at
 * the next start (the running workspace cannot be swapped under the recorder).
 */
export function BackupPanel() {
  const start = useBackup((s) => s.start);
  useEffect(() => {
    let unsubscribe: (() => void) | null = null;
    let gone = false;
    void start().then((stop) => {
      if (gone) stop();
      else unsubscribe = stop;
    });
    return () => {
      gone = true;
      unsubscribe?.();
    };
  }, [start]);
  const state = useBackup((s) => s.state);
  const form = useBackup((s) => s.form);
  const setForm = useBackup((s) => s.setForm);
  const save = useBackup((s) => s.save);
  const backupNow = useBackup((s) => s.backupNow);
  const job = useBackup((s) => s.job);
  const busy = useBackup((s) => s.busy);
  const problem = useBackup((s) => s.problem);
  const notice = useBackup((s) => s.notice);

  return (
    <section className="panel settings-panel" data-testid="backup-panel">
      <h2 className="panel-title">Backups</h2>
      <form
        className="backup-form"
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        <input
          className="settings-input"
          placeholder="Backup folder (full path on the host)"
          value={form.folder}
          onChange={(event) => {
            setForm({ folder: event.target.value });
          }}
          aria-label="Backup folder"
          data-testid="backup-folder"
        />
        <label className="backup-field">
          Every
          <input
            className="settings-input"
            inputMode="numeric"
            placeholder="off"
            value={form.everyMinutes}
            onChange={(event) => {
              setForm({ everyMinutes: event.target.value });
            }}
            data-testid="backup-every"
          />
          min, keep
          <input
            className="settings-input"
            inputMode="numeric"
            value={form.keep}
            onChange={(event) => {
              setForm({ keep: event.target.value });
            }}
            data-testid="backup-keep"
          />
        </label>
        <button type="submit" disabled={busy}>
          Save
        </button>
        <button
          type="button"
          className="primary"
          disabled={busy || state?.settings.folder == null || state.runningJobId !== null}
          onClick={() => void backupNow()}
          data-testid="backup-now"
        >
          Back up now
        </button>
      </form>
      {job === null ? null : (
        <div className="backup-progress" data-testid="backup-progress">
          <progress max={job.total ?? 1} value={job.total === null ? undefined : job.done} />
          <span>{backupJobText(job)}</span>
        </div>
      )}
      {state === null ? null : (
        <p className="panel-note">
          {state.last === null
            ? 'No backup taken yet.'
            : `Last backup ${new Date(state.last.at).toISOString()}.`}
          {state.nextAt === null ? '' : ` Next ${new Date(state.nextAt).toISOString()}.`}
          {state.lastError === null ? '' : ` Last failure: ${state.lastError}`}
        </p>
      )}
      <div className="settings-list backup-list" data-testid="backup-list">
        {(state?.backups ?? []).map((backup) => (
          <BackupRow key={backup.path} path={backup.path} name={backup.name} bytes={backup.bytes} />
        ))}
      </div>
      <RestoreForm />
      {problem === null ? null : (
        <p className="settings-problem" role="alert" data-testid="backup-problem">
          {problem}
        </p>
      )}
      {notice === null ? null : (
        <p className="settings-notice" data-testid="backup-notice">
          {notice}
        </p>
      )}
    </section>
  );
}

function BackupRow(props: { readonly path: string; readonly name: string; readonly bytes: number }) {
  const setRestorePath = useBackup((s) => s.setRestorePath);
  return (
    <div className="connection-stream">
      <span className="symbol">{props.name}</span>
      <span className="muted">{formatBytes(props.bytes)}</span>
      <span className="spacer" />
      <button
        type="button"
        onClick={() => {
          setRestorePath(props.path);
        }}
      >
        Pick
      </button>
    </div>
  );
}

function RestoreForm() {
  const restorePath = useBackup((s) => s.restorePath);
  const setRestorePath = useBackup((s) => s.setRestorePath);
  const check = useBackup((s) => s.check);
  const checkBackup = useBackup((s) => s.checkBackup);
  const restore = useBackup((s) => s.restore);
  const cancelRestore = useBackup((s) => s.cancelRestore);
  const pending = useBackup((s) => s.state?.pendingRestore ?? null);
  const busy = useBackup((s) => s.busy);
  return (
    <div className="backup-restore">
      <input
        className="settings-input"
        placeholder="Backup file to restore (full path on the host)"
        value={restorePath}
        onChange={(event) => {
          setRestorePath(event.target.value);
        }}
        aria-label="Backup file to restore"
        data-testid="restore-path"
      />
      <button type="button" disabled={busy || restorePath.trim() === ''} onClick={() => void checkBackup()}>
        Check
      </button>
      <button type="button" disabled={busy || restorePath.trim() === ''} onClick={() => void restore()}>
        Restore at next start
      </button>
      {check === null ? null : (
        <p className={check.ok ? 'panel-note' : 'settings-problem'} data-testid="restore-check">
          {check.ok
            ? `Restorable: integrity ok, ${check.auditEntries} audit entries verified.`
            : `Not restorable: ${check.reason}`}
        </p>
      )}
      {pending === null ? null : (
        <p className="panel-note" data-testid="restore-pending">
          Staged: {pending} replaces the workspace at the next start.{' '}
          <button type="button" disabled={busy} onClick={() => void cancelRestore()}>
            Drop
          </button>
        </p>
      )}
    </div>
  );
}
