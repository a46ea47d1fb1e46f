import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openHeadlessWorkspace } from '../../../../main/cli/headless-workspace.js';
import { openDatabase, SCHEMA_VERSION, userVersion } from '../../../../main/storage/database.js';
import { MIGRATIONS } from '../../../../main/storage/migrations/index.js';

describe('the headless workspace of the CLI', () => {
  const dirs: string[] = [];
  const folder = (): string => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tw-headless-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('opens a current workspace read-only for a command that only reads', async () => {
    const dir = folder();
    openDatabase(path.join(dir, 'workspace.sqlite')).close();
    const ws = openHeadlessWorkspace(dir, { readOnly: true });
    try {
      expect(ws.db.readonly).toBe(true);
      expect(await ws.backtests['backtests.list']({ limit: 10 })).toEqual([]);
    } finally {
      ws.close();
    }
  });

  it('opens for writing when the workspace is missing or needs its migrations', () => {
    const fresh = openHeadlessWorkspace(folder(), { readOnly: true });
    expect(fresh.db.readonly).toBe(false);
    expect(userVersion(fresh.db)).toBe(SCHEMA_VERSION);
    fresh.close();

    const dir = folder();
    openDatabase(path.join(dir, 'workspace.sqlite'), { migrations: MIGRATIONS.slice(0, -1) }).close();
    const older = openHeadlessWorkspace(dir, { readOnly: true });
    expect(older.db.readonly).toBe(false);
    expect(userVersion(older.db)).toBe(SCHEMA_VERSION);
    older.close();
  });

  it('opens for writing by default (backtest, sweep, runs delete)', () => {
    const dir = folder();
    openDatabase(path.join(dir, 'workspace.sqlite')).close();
    const ws = openHeadlessWorkspace(dir);
    expect(ws.db.readonly).toBe(false);
    ws.close();
  });
});
