import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations/index.js';
import { touchOwnerFile } from './owner-only.js';

export type SqliteDatabase = Database.Database;

export interface OpenDatabaseOptions {
  /** How long a statement waits for another connection's lock before SQLITE_BUSY. Default 5000 ms. */
  readonly busyTimeoutMs?: number;
  /** Path of a better-sqlite3 binary built for this runtime's ABI (Electron needs its own build). */
  readonly nativeBinding?: string;
  /** The migrations to apply; this build's list unless given (tests pass their own). */
  readonly migrations?: readonly Migration[];
  /** Called with every SQL statement executed, for debugging and tests. */
  readonly verbose?: (message?: unknown) => void;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** The schema version written by the newest migration this build knows. */
export const SCHEMA_VERSION = latestVersion(MIGRATIONS);

/** The database was written by a newer build: opening it could corrupt data this build does not know. */
export class NewerDatabaseError extends Error {
  override readonly name = 'NewerDatabaseError';

  constructor(
    readonly filename: string,
    readonly fileVersion: number,
    readonly buildVersion: number,
  ) {
    super(
      `The workspace database ${filename} has schema version ${fileVersion}, but this build of ` +
        `Trading Workstation knows schema versions up to ${buildVersion}: it was written by a newer ` +
        `version of the app. Upgrade Trading Workstation to open it, or start with another data folder ` +
        `(--data-dir). The file was left unchanged.`,
    );
  }
}

/**
 * Open a workspace database and bring its schema up to date: WAL for files (readers in other
 * threads never block the writer), foreign keys on, a busy timeout, synchronous=NORMAL (safe
 * with WAL: a power loss can lose the last commits but never corrupts the file). Pending
 * migrations are applied in one transaction; a database newer than this build is refused with
 * NewerDatabaseError before anything is written to it.
 */
export function openDatabase(filename: string, options: OpenDatabaseOptions = {}): SqliteDatabase {
  const migrations = options.migrations ?? MIGRATIONS;
  const buildVersion = latestVersion(migrations);
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  // The file exists, owner-only, before SQLite opens it: its -wal and -shm take its mode.
  if (filename !== ':memory:' && filename !== '') touchOwnerFile(filename);
  const db = new Database(filename, {
    timeout: busyTimeoutMs, // sets PRAGMA busy_timeout
    nativeBinding: options.nativeBinding,
    verbose: options.verbose,
  });
  try {
    // Checked before any pragma below: journal_mode=WAL would already rewrite the file header.
    const fileVersion = userVersion(db);
    if (fileVersion > buildVersion) throw new NewerDatabaseError(filename, fileVersion, buildVersion);
    if (!db.memory) {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal')
        throw new Error(`Could not switch ${filename} to WAL (journal_mode is ${String(mode)})`);
    }
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    applyMigrations(db, migrations);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Apply the migrations newer than the database's user_version, and set user_version, in one
 * IMMEDIATE transaction: either the database ends on the newest version or it is unchanged.
 */
export function applyMigrations(db: SqliteDatabase, migrations: readonly Migration[]): void {
  const buildVersion = latestVersion(migrations);
  if (userVersion(db) === buildVersion) return;
  const migrate = db.transaction(() => {
    // Read again under the write lock: another process may have migrated in the meantime.
    const from = userVersion(db);
    if (from > buildVersion) throw new NewerDatabaseError(db.name, from, buildVersion);
    for (const migration of migrations) {
      if (migration.version <= from) continue;
      if ('sql' in migration) db.exec(migration.sql);
      else migration.up(db);
    }
    db.pragma(`user_version = ${buildVersion}`);
  });
  migrate.immediate();
}

export function userVersion(db: SqliteDatabase): number {
  const version = db.pragma('user_version', { simple: true });
  if (typeof version !== 'number') throw new Error(`PRAGMA user_version returned ${String(version)}`);
  return version;
}

/** The last version of a migration list, after checking it is numbered 1..n without gaps. */
function latestVersion(migrations: readonly Migration[]): number {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `Migration '${migration.name}' has version ${migration.version} but is number ${index + 1} in the list`,
      );
    }
  });
  return migrations.length;
}
