import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DataDirFlagError,
  ensureDataDir,
  resolveDataDir,
  workspaceDatabasePath,
} from '../../../../main/storage/data-folder.js';

const linux = { argv: [], env: {}, platform: 'linux', homedir: '/home/ada' } as const;

describe('resolveDataDir', () => {
  it('uses ~/.local/share/trading-workstation on Linux', () => {
    expect(resolveDataDir(linux)).toBe('/home/ada/.local/share/trading-workstation');
  });

  it('uses $XDG_DATA_HOME on Linux when it is set to an absolute path', () => {
    expect(resolveDataDir({ ...linux, env: { XDG_DATA_HOME: '/data/xdg' } })).toBe(
      '/data/xdg/trading-workstation',
    );
    expect(resolveDataDir({ ...linux, env: { XDG_DATA_HOME: 'relative/xdg' } })).toBe(
      '/home/ada/.local/share/trading-workstation',
    );
  });

  it('uses ~/Library/Application Support on macOS', () => {
    expect(resolveDataDir({ argv: [], env: {}, platform: 'darwin', homedir: '/Users/ada' })).toBe(
      '/Users/ada/Library/Application Support/Trading Workstation',
    );
  });

  it('uses %APPDATA% on Windows, or the roaming folder under the home when it is unset', () => {
    const windows = { argv: [], platform: 'win32', homedir: 'C:\\Users\\ada' } as const;

    expect(resolveDataDir({ ...windows, env: { APPDATA: 'D:\\Roaming' } })).toBe(
      'D:\\Roaming\\Trading Workstation',
    );
    expect(resolveDataDir({ ...windows, env: {} })).toBe(
      'C:\\Users\\ada\\AppData\\Roaming\\Trading Workstation',
    );
  });

  it('takes WORKSTATION_DATA_DIR over the OS folder', () => {
    expect(
      resolveDataDir({ ...linux, env: { WORKSTATION_DATA_DIR: '/srv/ws', XDG_DATA_HOME: '/data/xdg' } }),
    ).toBe('/srv/ws');
  });

  it('ignores an empty WORKSTATION_DATA_DIR', () => {
    expect(resolveDataDir({ ...linux, env: { WORKSTATION_DATA_DIR: '' } })).toBe(
      '/home/ada/.local/share/trading-workstation',
    );
  });

  it('takes the --data-dir flag, in either form, over the environment', () => {
    const env = { WORKSTATION_DATA_DIR: '/srv/ws' };

    expect(resolveDataDir({ ...linux, env, argv: ['--data-dir', '/tmp/a'] })).toBe('/tmp/a');
    expect(resolveDataDir({ ...linux, env, argv: ['main.js', '--data-dir=/tmp/b', '--demo'] })).toBe(
      '/tmp/b',
    );
  });

  it('takes the last --data-dir when given twice', () => {
    expect(resolveDataDir({ ...linux, argv: ['--data-dir', '/tmp/a', '--data-dir=/tmp/b'] })).toBe('/tmp/b');
  });

  it('resolves a relative folder against the working directory when it is given', () => {
    expect(resolveDataDir({ ...linux, argv: ['--data-dir', 'ws'], cwd: '/home/ada/projects' })).toBe(
      '/home/ada/projects/ws',
    );
  });

  it('refuses a --data-dir without a folder', () => {
    expect(() => resolveDataDir({ ...linux, argv: ['--data-dir'] })).toThrow(DataDirFlagError);
    expect(() => resolveDataDir({ ...linux, argv: ['--data-dir', '--demo'] })).toThrow(DataDirFlagError);
    expect(() => resolveDataDir({ ...linux, argv: ['--data-dir='] })).toThrow(DataDirFlagError);
  });
});

describe('ensureDataDir', () => {
  it('creates the folder and its parents, and keeps the workspace database in it', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'workstation-data-'));
    try {
      const dir = path.join(root, 'nested', 'workspace');

      expect(ensureDataDir(dir)).toBe(dir);
      expect(existsSync(dir)).toBe(true);
      expect(ensureDataDir(dir)).toBe(dir);
      expect(workspaceDatabasePath(dir)).toBe(path.join(dir, 'workspace.sqlite'));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
