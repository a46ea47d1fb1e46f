import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  backupName,
  backupWorkspace,
  checkBackup,
  holdWorkspace,
  listBackups,
  pruneBackups,
  restoreWorkspace,
  RestoreRefusedError,
} from '../../../../main/backup/workspace-backup.js';
import { ensureDataDir } from '../../../../main/storage/data-folder.js';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import { MarketStore } from '../../../../main/storage/market-store.js';
import { MIGRATIONS } from '../../../../main/storage/migrations/index.js';
import { AuditLog } from '../../../../main/trading/audit-log.js';
import { trade, TEST_INSTRUMENT } from '../../../fixtures/trades.js';

const T0 = Date.UTC(2026, 11, 7, 14, 0, 0);
const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A workspace with trades and an audit chain of `entries` facts. */
function workspace(dir: string, trades: number, entries: number): SqliteDatabase {
  const db = openDatabase(path.join(dir, 'workspace.sqlite'));
  const store = new MarketStore(db);
  store.upsertInstrument({
    id: TEST_INSTRUMENT,
    exchange: 'demo',
    symbol: 'DEMO/USD',
    base: 'DEMO',
    quote: 'USD',
    tickSize: 0.01,
    lotSize: 0.001,
  });
  store.insertTrades(Array.from({ length: trades }, (_, i) => trade({ ts: T0 + i, price: 100 + (i % 7) })));
  const audit = new AuditLog(db, {
    get: (k) => store.getSetting(k),
    set: (k, v) => {
      store.setSetting(k, v);
    },
  });
  for (let i = 0; i < entries; i++) audit.append(T0 + i, 'setting', { action: 'limits', n: i });
  return db;
}

describe('workspace backups', () => {
  let root: string;
  let dataDir: string;
  let folder: string;

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'tw-backup-'));
    dataDir = path.join(root, 'ws');
    folder = path.join(root, 'backups');
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('copies the open workspace into one owner-only file with progress, and it checks out', async () => {
    const db = workspace(ensureDataDir(dataDir), 50_000, 3);
    const progress: number[] = [];
    const made = await backupWorkspace(db, folder, {
      now: T0,
      onProgress: (p) => progress.push(p.copiedPages / p.totalPages),
    });
    db.close();
    expect(made).toMatchObject({ name: 'workspace-backup-2026-12-07T14-00-00-000Z.sqlite', at: T0 });
    expect(made.bytes).toBe(statSync(made.path).size);
    expect((statSync(made.path).mode & 0o777).toString(8)).toBe('600');
    expect(existsSync(`${made.path}-wal`)).toBe(false);
    // Several steps, each further than the one before.
    expect(progress.length).toBeGreaterThan(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(checkBackup(made.path)).toEqual({
      ok: true,
      path: made.path,
      schemaVersion: MIGRATIONS.length,
      auditEntries: 3,
    });
    const copy = new MarketStore(openDatabase(made.path));
    expect(copy.countTrades(TEST_INSTRUMENT)).toBe(50_000);
  });

  it('keeps exactly the newest N backups', async () => {
    const db = workspace(ensureDataDir(dataDir), 10, 1);
    for (let i = 0; i < 5; i++) await backupWorkspace(db, folder, { now: T0 + i * 60_000 });
    db.close();
    const removed = pruneBackups(folder, 3);
    expect(removed.map((b) => b.at)).toEqual([T0 + 60_000, T0]);
    expect(listBackups(folder).map((b) => b.name)).toEqual([
      backupName(T0 + 4 * 60_000),
      backupName(T0 + 3 * 60_000),
      backupName(T0 + 2 * 60_000),
    ]);
    expect(pruneBackups(folder, 3)).toEqual([]);
    expect(() => pruneBackups(folder, 0)).toThrow('keep must be a whole number >= 1, got 0');
  });

  it('restores a backup: the replaced workspace and its -wal are kept aside together', async () => {
    const db = workspace(ensureDataDir(dataDir), 100, 2);
    const made = await backupWorkspace(db, folder, { now: T0 });
    new MarketStore(db).insertTrades([trade({ ts: T0 + 1_000_000 })]);
    db.close();

    const result = restoreWorkspace(made.path, dataDir, { now: T0 + 1 });
    expect(result.check).toMatchObject({ ok: true, auditEntries: 2 });
    expect(result.keptAside).toBe(path.join(dataDir, 'replaced-2026-12-07T14-00-00-001Z'));
    const restored = new MarketStore(openDatabase(path.join(dataDir, 'workspace.sqlite')));
    expect(restored.countTrades()).toBe(100);
    const replaced = new MarketStore(openDatabase(path.join(result.keptAside ?? '', 'workspace.sqlite')));
    expect(replaced.countTrades()).toBe(101);
  });

  it('refuses a corrupt backup with the reason, and replaces nothing', async () => {
    const db = workspace(ensureDataDir(dataDir), 20_000, 2);
    const made = await backupWorkspace(db, folder, { now: T0 });
    db.close();
    const before = sha(path.join(dataDir, 'workspace.sqlite'));
    // Garbage over a page in the middle of the trades' b-tree.
    const fd = openSync(made.path, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 4096 * 40);
    closeSync(fd);

    const check = checkBackup(made.path);
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.reason).toMatch(/failed its integrity check|malformed/);
    expect(() => restoreWorkspace(made.path, dataDir, { now: T0 })).toThrow(RestoreRefusedError);
    expect(() => restoreWorkspace(made.path, dataDir, { now: T0 })).toThrow(
      /^not restored, nothing was replaced: /,
    );
    expect(sha(path.join(dataDir, 'workspace.sqlite'))).toBe(before);
    expect(listBackups(dataDir)).toEqual([]);
    expect(existsSync(path.join(dataDir, 'workspace.sqlite.restoring'))).toBe(false);
  });

  it('refuses a backup whose audit chain was edited, and a file that is no workspace', async () => {
    const db = workspace(ensureDataDir(dataDir), 10, 4);
    const made = await backupWorkspace(db, folder, { now: T0 });
    db.close();
    const tamper = new Database(made.path);
    // The table refuses edits through its triggers; someone editing the file would drop them.
    for (const { name } of tamper
      .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'trading_audit'")
      .all() as { name: string }[])
      tamper.exec(`DROP TRIGGER ${name}`);
    tamper.prepare('UPDATE trading_audit SET payload = \'{"action":"limits","n":99}\' WHERE seq = 2').run();
    tamper.close();
    expect(checkBackup(made.path)).toEqual({
      ok: false,
      path: made.path,
      reason: `${made.path}: its trading audit chain does not verify (entry 2: edited: the content of seq 2 does not match its hash)`,
    });

    const text = path.join(root, 'notes.txt');
    writeFileSync(text, 'not a database, just words '.repeat(200));
    const notes = checkBackup(text);
    expect(notes.ok).toBe(false);
    expect(notes.ok ? '' : notes.reason).toContain(
      `${text} is not a SQLite database: file is not a database`,
    );
    expect(checkBackup(path.join(root, 'missing.sqlite'))).toEqual({
      ok: false,
      path: path.join(root, 'missing.sqlite'),
      reason: `${path.join(root, 'missing.sqlite')} does not exist`,
    });
  });

  it('refuses to restore under a running host, and ignores the lock a killed host left', async () => {
    const db = workspace(ensureDataDir(dataDir), 10, 1);
    const made = await backupWorkspace(db, folder, { now: T0 });
    db.close();
    const release = holdWorkspace(dataDir);
    expect(() => restoreWorkspace(made.path, dataDir, { now: T0 })).toThrow(
      `the workspace in ${dataDir} is open in a running workstation (pid ${process.pid}): stop it first, or stage the restore from Settings and restart`,
    );
    release();
    // A pid that no longer runs: the host was killed and its lock is stale.
    holdWorkspace(dataDir, 2 ** 22 + 12_345);
    expect(restoreWorkspace(made.path, dataDir, { now: T0 }).check.ok).toBe(true);
  });
});
