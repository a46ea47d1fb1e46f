import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  NewerDatabaseError,
  SCHEMA_VERSION,
  openDatabase,
  userVersion,
  type SqliteDatabase,
} from '../../../../main/storage/database.js';
import { MIGRATIONS, type Migration } from '../../../../main/storage/migrations/index.js';

describe('openDatabase', () => {
  let folder: string;
  let file: string;
  const opened: SqliteDatabase[] = [];

  function open(...args: Parameters<typeof openDatabase>): SqliteDatabase {
    const db = openDatabase(...args);
    opened.push(db);
    return db;
  }

  beforeEach(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'workstation-db-'));
    file = path.join(folder, 'workspace.sqlite');
  });

  afterEach(() => {
    for (const db of opened.splice(0)) if (db.open) db.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('opens a file in WAL mode with foreign keys, a busy timeout and synchronous NORMAL', () => {
    const db = open(file, { busyTimeoutMs: 1234 });

    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
  });

  it('brings a new database to the schema version of this build', () => {
    const db = open(':memory:');

    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    expect(userVersion(db)).toBe(SCHEMA_VERSION);
  });

  it('applies nothing when the database is already up to date', () => {
    open(file).close();
    const statements: unknown[] = [];

    open(file, { verbose: (sql) => statements.push(sql) });

    expect(statements.filter((sql) => String(sql).startsWith('CREATE'))).toEqual([]);
  });

  it('refuses a database written by a newer build, says what to do, and leaves the file unchanged', () => {
    open(file).close();
    const raw = new Database(file);
    raw.pragma('user_version = 999');
    raw.close();

    let refusal: unknown;
    try {
      open(file);
    } catch (error) {
      refusal = error;
    }

    expect(refusal).toBeInstanceOf(NewerDatabaseError);
    const error = refusal as NewerDatabaseError;
    expect(error.fileVersion).toBe(999);
    expect(error.buildVersion).toBe(SCHEMA_VERSION);
    expect(error.message).toContain('schema version 999');
    expect(error.message).toContain(`up to ${SCHEMA_VERSION}`);
    expect(error.message).toContain('Upgrade Trading Workstation');
    const after = new Database(file, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(999);
    after.close();
  });

  it('applies pending migrations in one transaction: a failing one leaves the database as it was', () => {
    const migrations: Migration[] = [
      { version: 1, name: 'first', sql: 'CREATE TABLE first (x INTEGER) STRICT;' },
      {
        version: 2,
        name: 'broken',
        up: (db) => {
          db.exec('CREATE TABLE second (y INTEGER) STRICT;');
          throw new Error('migration 2 failed');
        },
      },
    ];

    expect(() => open(file, { migrations })).toThrow('migration 2 failed');

    const db = open(file, { migrations: [] });
    expect(userVersion(db)).toBe(0);
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all()).toEqual([]);
  });

  it('applies only the migrations newer than the file', () => {
    const first: Migration = { version: 1, name: 'first', sql: 'CREATE TABLE first (x INTEGER) STRICT;' };
    const second: Migration = { version: 2, name: 'second', sql: 'CREATE TABLE second (y INTEGER) STRICT;' };
    open(file, { migrations: [first] }).close();

    const db = open(file, { migrations: [first, second] });

    expect(userVersion(db)).toBe(2);
    expect(
      db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all(),
    ).toEqual(['first', 'second']);
  });

  it('refuses a migration list with a gap in its numbering', () => {
    const migrations: Migration[] = [{ version: 2, name: 'skips-one', sql: 'SELECT 1;' }];

    expect(() => open(':memory:', { migrations })).toThrow(/has version 2 but is number 1/);
  });
});
