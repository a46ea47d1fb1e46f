import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { BackupCheck, BackupFile } from '../../shared/api/domains/backup.js';
import { AuditLog } from '../trading/audit-log.js';
import { SCHEMA_VERSION, type SqliteDatabase } from '../storage/database.js';
import { WORKSPACE_DATABASE_FILE } from '../storage/data-folder.js';
import { ensureOwnerDir, OWNER_FILE_MODE, touchOwnerFile } from '../storage/owner-only.js';

/**
 * Backups of the workspace database, and restoring one. A trader's own recorded order books
 * cannot be bought back, so a backup is taken while recording goes on (SQLite's online backup
 * through the App's own connection: writes made meanwhile land in the copy, so the copy is the
 * database as of the moment it finished), and a backup is checked (integrity and audit chain)
 * before it may replace anything. The replaced files are kept aside, never deleted.
 *
 * A backup is one self-contained file `workspace-backup-<UTC stamp>.sqlite` (rollback journal,
 * no -wal beside it), owner-only. API keys are not in it: they stay in the key store.
 */

export const BACKUP_PREFIX = 'workspace-backup-';
const BACKUP_SUFFIX = '.sqlite';
const PARTIAL_SUFFIX = '.partial';
/** Pages copied per step: small steps keep the App's event loop (the recorder) responsive. */
const PAGES_PER_STEP = 256;
const ALL_PAGES = 0x7fffffff;

export interface BackupProgress {
  readonly copiedPages: number;
  readonly totalPages: number;
}

/** A restore is refused: the reason names what is wrong; nothing was replaced. */
export class RestoreRefusedError extends Error {
  override readonly name = 'RestoreRefusedError';
}

/** `workspace-backup-2026-12-07T14-05-09-123Z.sqlite` for 2026-12-07 14:05:09.123 UTC. */
export function backupName(at: number): string {
  return `${BACKUP_PREFIX}${new Date(at).toISOString().replace(/[:.]/g, '-')}${BACKUP_SUFFIX}`;
}

function backupTime(name: string): number | null {
  if (!name.startsWith(BACKUP_PREFIX) || !name.endsWith(BACKUP_SUFFIX)) return null;
  const stamp = name.slice(BACKUP_PREFIX.length, -BACKUP_SUFFIX.length);
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z$/.exec(stamp);
  if (match === null) return null;
  const at = Date.parse(`${match[1]}T${match[2]}:${match[3]}:${match[4]}.${match[5]}Z`);
  return Number.isFinite(at) ? at : null;
}

/**
 * Copies the open workspace into `folder` while it stays in use. Progress is reported after
 * each step; `signal` aborts (the partial file is removed). Returns the finished backup.
 */
export async function backupWorkspace(
  db: SqliteDatabase,
  folder: string,
  options: {
    readonly now: number;
    readonly onProgress?: (p: BackupProgress) => void;
    readonly signal?: AbortSignal;
  },
): Promise<BackupFile> {
  ensureOwnerDir(folder);
  const name = backupName(options.now);
  const file = path.join(folder, name);
  if (existsSync(file)) throw new Error(`a backup named ${name} already exists in ${folder}`);
  const partial = file + PARTIAL_SUFFIX;
  // The copy is owner-only from its first byte, like the workspace it comes from.
  rmSync(partial, { force: true });
  touchOwnerFile(partial);
  let copiedBefore = 0;
  let restarted = false;
  try {
    await db.backup(partial, {
      progress: ({ totalPages, remainingPages }) => {
        if (options.signal?.aborted === true) throw new Error('backup cancelled');
        const copiedPages = totalPages - remainingPages;
        // A write through another connection (a host recording while the CLI backs up)
        // restarts SQLite's backup from page 1; under a steady writer it would never end.
        // Once that happens the rest is copied in one step, which reads one snapshot.
        if (copiedPages < copiedBefore) restarted = true;
        copiedBefore = copiedPages;
        options.onProgress?.({ copiedPages, totalPages });
        return restarted ? ALL_PAGES : PAGES_PER_STEP;
      },
    });
    // One file, no -wal beside it: the backup can be copied, moved and opened as it is.
    const copy = new Database(partial);
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    renameSync(partial, file);
  } catch (error) {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(partial + suffix, { force: true });
    throw error;
  }
  return { name, path: file, bytes: statSync(file).size, at: options.now };
}

/** The backups in a folder, newest first; other files are ignored. */
export function listBackups(folder: string): BackupFile[] {
  if (!existsSync(folder)) return [];
  const out: BackupFile[] = [];
  for (const name of readdirSync(folder)) {
    const at = backupTime(name);
    if (at === null) continue;
    const file = path.join(folder, name);
    out.push({ name, path: file, bytes: statSync(file).size, at });
  }
  return out.sort((a, b) => b.at - a.at || b.name.localeCompare(a.name));
}

/** Deletes all but the newest `keep` backups of the folder; returns the deleted ones. */
export function pruneBackups(folder: string, keep: number): BackupFile[] {
  if (!Number.isInteger(keep) || keep < 1)
    throw new RangeError(`keep must be a whole number >= 1, got ${keep}`);
  const removed = listBackups(folder).slice(keep);
  for (const backup of removed) rmSync(backup.path, { force: true });
  return removed;
}

/**
 * Checks a backup before it may replace the workspace: it opens as SQLite, is a workspace of
 * this build or an older one, passes `PRAGMA integrity_check`, and its trading audit chain
 * verifies up to the head the backup itself recorded. Opened read-only: checking changes
 * nothing.
 */
export function checkBackup(file: string): BackupCheck {
  const refuse = (reason: string): BackupCheck => ({ ok: false, path: file, reason });
  if (!existsSync(file)) return refuse(`${file} does not exist`);
  let db: SqliteDatabase;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    return refuse(`${file} cannot be opened as a database: ${messageOf(error)}`);
  }
  try {
    let version: unknown;
    try {
      version = db.pragma('user_version', { simple: true });
    } catch (error) {
      return refuse(`${file} is not a SQLite database: ${messageOf(error)}`);
    }
    if (typeof version !== 'number' || version < 1)
      return refuse(`${file} is not a Trading Workstation workspace (no schema version)`);
    if (version > SCHEMA_VERSION)
      return refuse(
        `${file} has schema version ${version}, newer than this build knows (${SCHEMA_VERSION}): restore it with a newer Trading Workstation`,
      );
    let problems: string[];
    try {
      problems = (db.pragma('integrity_check(20)') as { integrity_check: string }[]).map(
        (r) => r.integrity_check,
      );
    } catch (error) {
      return refuse(`${file} failed its integrity check: ${messageOf(error)}`);
    }
    if (problems.length !== 1 || problems[0] !== 'ok')
      return refuse(`${file} failed its integrity check: ${problems.slice(0, 3).join('; ')}`);
    const hasAudit =
      db
        .prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'trading_audit'")
        .pluck()
        .get() === 1;
    if (!hasAudit) return { ok: true, path: file, schemaVersion: version, auditEntries: 0 };
    const setting = db.prepare<[string], string>('SELECT value FROM settings WHERE key = ?').pluck();
    const audit = new AuditLog(db, {
      get: (key) => {
        const text = setting.get(key);
        return text === undefined ? undefined : (JSON.parse(text) as unknown);
      },
      set: () => {
        throw new Error('a backup is checked read-only');
      },
    });
    const verdict = audit.verify();
    if (!verdict.ok)
      return refuse(
        `${file}: its trading audit chain does not verify (entry ${verdict.brokenAt}: ${verdict.reason})`,
      );
    return { ok: true, path: file, schemaVersion: version, auditEntries: verdict.entries };
  } catch (error) {
    return refuse(`${file} could not be checked: ${messageOf(error)}`);
  } finally {
    db.close();
  }
}

/** The file a running host keeps in its data folder while it has the workspace open. */
export const HOST_LOCK_FILE = 'workspace.lock';

/** Marks the workspace as open by this process; returns the release. */
export function holdWorkspace(dataDir: string, pid = process.pid): () => void {
  const file = path.join(dataDir, HOST_LOCK_FILE);
  writeFileSync(file, String(pid), { mode: OWNER_FILE_MODE });
  return () => {
    rmSync(file, { force: true });
  };
}

/** The pid of a live process holding the workspace open, or null (none, or it died: kill -9). */
export function workspaceHolder(dataDir: string): number | null {
  const file = path.join(dataDir, HOST_LOCK_FILE);
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    // EPERM: alive but someone else's; ESRCH: gone, the lock is stale.
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

export interface RestoreResult {
  readonly check: Extract<BackupCheck, { ok: true }>;
  /** Where the replaced workspace files were moved (null: there was no workspace yet). */
  readonly keptAside: string | null;
}

/**
 * Replaces the workspace database of `dataDir` with a backup. Only while no host has the
 * workspace open (the CLI refuses otherwise; the App restores a staged backup at its start,
 * before it opens the database). The backup is checked first; refused, nothing is touched.
 * The replaced database, with its -wal and -shm (which hold its newest commits), is moved
 * together into `replaced-<stamp>/` beside it; the backup is copied in under a temporary name
 * and renamed into place, so a crash midway leaves either the old or the new workspace.
 */
export function restoreWorkspace(
  backupFile: string,
  dataDir: string,
  options: { readonly now: number; readonly ownPid?: number },
): RestoreResult {
  const holder = workspaceHolder(dataDir);
  if (holder !== null && holder !== options.ownPid)
    throw new RestoreRefusedError(
      `the workspace in ${dataDir} is open in a running workstation (pid ${holder}): stop it first, or stage the restore from Settings and restart`,
    );
  const check = checkBackup(backupFile);
  if (!check.ok) throw new RestoreRefusedError(`not restored, nothing was replaced: ${check.reason}`);
  ensureOwnerDir(dataDir);
  const target = path.join(dataDir, WORKSPACE_DATABASE_FILE);
  const incoming = `${target}.restoring`;
  rmSync(incoming, { force: true });
  touchOwnerFile(incoming);
  writeFileSync(incoming, readFileSync(backupFile));
  let keptAside: string | null = null;
  if (existsSync(target)) {
    keptAside = path.join(dataDir, `replaced-${new Date(options.now).toISOString().replace(/[:.]/g, '-')}`);
    mkdirSync(keptAside, { recursive: true, mode: 0o700 });
    for (const suffix of ['', '-wal', '-shm']) {
      if (existsSync(target + suffix))
        renameSync(target + suffix, path.join(keptAside, WORKSPACE_DATABASE_FILE + suffix));
    }
  }
  renameSync(incoming, target);
  return { check, keptAside };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
