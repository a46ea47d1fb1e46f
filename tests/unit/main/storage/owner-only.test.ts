import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PassphraseSecretStore } from '../../../../main/exchange/secret-store.js';
import { ensureDataDir, workspaceDatabasePath } from '../../../../main/storage/data-folder.js';
import { openDatabase } from '../../../../main/storage/database.js';
import { MarketStore } from '../../../../main/storage/market-store.js';
import { describeTightened, tightenWorkspace } from '../../../../main/storage/owner-only.js';
import { AuditLog } from '../../../../main/trading/audit-log.js';

const modeOf = (file: string): string => (statSync(file).mode & 0o777).toString(8);

describe('workspace files are for the owner only', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'tw-owner-only-'));
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('creates the folder 0700 and the database with its -wal and -shm 0600', () => {
    const dir = ensureDataDir(path.join(root, 'nested', 'workspace'));
    expect(modeOf(dir)).toBe('700');
    const file = workspaceDatabasePath(dir);
    const db = openDatabase(file);
    new MarketStore(db).setSetting('probe', 1);
    expect(modeOf(file)).toBe('600');
    expect(modeOf(`${file}-wal`)).toBe('600');
    expect(modeOf(`${file}-shm`)).toBe('600');
    db.close();
  });

  it('writes the key file and the exports 0600 in a 0700 exports folder', () => {
    const dir = ensureDataDir(path.join(root, 'ws'));
    const keys = new PassphraseSecretStore(path.join(dir, 'exchange-keys.enc.json'), 'pw');
    keys.set('binance', { apiKey: 'k', secret: 's' });
    expect(modeOf(path.join(dir, 'exchange-keys.enc.json'))).toBe('600');

    const db = openDatabase(':memory:');
    const settings = new Map<string, unknown>();
    const audit = new AuditLog(db, { get: (k) => settings.get(k), set: (k, v) => settings.set(k, v) });
    audit.append(1, 'setting', { action: 'probe' });
    const exported = audit.exportCsv(path.join(dir, 'exports'), 1);
    expect(modeOf(path.join(dir, 'exports'))).toBe('700');
    expect(modeOf(exported.path)).toBe('600');
    db.close();
  });

  it('tightens a workspace made with looser modes, says which paths, and then finds nothing to do', () => {
    const dir = path.join(root, 'old');
    mkdirSync(path.join(dir, 'exports'), { recursive: true });
    writeFileSync(path.join(dir, 'workspace.sqlite'), '');
    writeFileSync(path.join(dir, 'exports', 'audit.csv'), 'x');
    writeFileSync(path.join(dir, 'owner-only.txt'), 'x');
    chmodSync(dir, 0o755);
    chmodSync(path.join(dir, 'exports'), 0o775);
    chmodSync(path.join(dir, 'workspace.sqlite'), 0o644);
    chmodSync(path.join(dir, 'exports', 'audit.csv'), 0o666);
    chmodSync(path.join(dir, 'owner-only.txt'), 0o600);

    const changed = tightenWorkspace(dir);

    expect(changed.map((c) => [path.relative(dir, c.path), c.from.toString(8), c.to.toString(8)])).toEqual([
      ['', '755', '700'],
      ['exports', '775', '700'],
      [path.join('exports', 'audit.csv'), '666', '600'],
      ['workspace.sqlite', '644', '600'],
    ]);
    expect(modeOf(dir)).toBe('700');
    expect(modeOf(path.join(dir, 'exports'))).toBe('700');
    expect(modeOf(path.join(dir, 'workspace.sqlite'))).toBe('600');
    expect(modeOf(path.join(dir, 'exports', 'audit.csv'))).toBe('600');
    expect(describeTightened(changed, dir)).toBe(
      'workspace: 4 path(s) were readable by other users and are now for the owner only: ' +
        `. 0755 -> 0700, exports 0775 -> 0700, ${path.join('exports', 'audit.csv')} 0666 -> 0600, workspace.sqlite 0644 -> 0600`,
    );
    expect(tightenWorkspace(dir)).toEqual([]);
  });

  it('opening an existing world-readable database makes it owner-only', () => {
    const file = path.join(root, 'workspace.sqlite');
    openDatabase(file).close();
    chmodSync(file, 0o644);
    openDatabase(file).close();
    expect(modeOf(file)).toBe('600');
  });
});
