import path from 'node:path';
import { ensureOwnerDir } from './owner-only.js';

/** The command-line flag that chooses the data folder: `--data-dir <dir>` or `--data-dir=<dir>`. */
export const DATA_DIR_FLAG = '--data-dir';
/** The environment variable that chooses the data folder when the flag is absent. */
export const DATA_DIR_ENV = 'WORKSTATION_DATA_DIR';
/** The workspace database's file name inside the data folder. */
export const WORKSPACE_DATABASE_FILE = 'workspace.sqlite';

export interface DataDirInputs {
  /** Command-line arguments (any prefix such as the node binary is ignored). */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly platform: NodeJS.Platform;
  readonly homedir: string;
  /** Resolves a relative flag or environment path; kept as given when omitted. */
  readonly cwd?: string;
}

/** `--data-dir` was given without a folder. */
export class DataDirFlagError extends Error {
  override readonly name = 'DataDirFlagError';

  constructor() {
    super(`${DATA_DIR_FLAG} needs a folder: ${DATA_DIR_FLAG} <dir> or ${DATA_DIR_FLAG}=<dir>`);
  }
}

/**
 * Where the workspace lives, from the inputs alone (no process, fs or os access), in order:
 * the `--data-dir` flag (the last one if repeated), then WORKSTATION_DATA_DIR, then the app data
 * folder of the OS: `$XDG_DATA_HOME/trading-workstation` or `~/.local/share/trading-workstation`
 * on Linux (and other Unixes), `~/Library/Application Support/Trading Workstation` on macOS,
 * `%APPDATA%\Trading Workstation` on Windows.
 */
export function resolveDataDir(inputs: DataDirInputs): string {
  const paths = inputs.platform === 'win32' ? path.win32 : path.posix;
  const chosen = flagValue(inputs.argv) ?? nonEmpty(inputs.env[DATA_DIR_ENV]);
  if (chosen !== undefined) return inputs.cwd === undefined ? chosen : paths.resolve(inputs.cwd, chosen);

  if (inputs.platform === 'win32') {
    const appData = nonEmpty(inputs.env.APPDATA) ?? paths.join(inputs.homedir, 'AppData', 'Roaming');
    return paths.join(appData, 'Trading Workstation');
  }
  if (inputs.platform === 'darwin') {
    return paths.join(inputs.homedir, 'Library', 'Application Support', 'Trading Workstation');
  }
  // Linux and the other Unixes follow the XDG spec, which says a relative XDG_DATA_HOME is
  // invalid and must be ignored.
  const xdg = nonEmpty(inputs.env.XDG_DATA_HOME);
  const dataHome =
    xdg !== undefined && paths.isAbsolute(xdg) ? xdg : paths.join(inputs.homedir, '.local', 'share');
  return paths.join(dataHome, 'trading-workstation');
}

/** Create the data folder (and its parents) if missing, for the owner only (0700); returns it. */
export function ensureDataDir(dir: string): string {
  return ensureOwnerDir(dir);
}

/** The workspace database file of a data folder. */
export function workspaceDatabasePath(dataDir: string): string {
  return path.join(dataDir, WORKSPACE_DATABASE_FILE);
}

function flagValue(argv: readonly string[]): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === DATA_DIR_FLAG) {
      const next = argv[i + 1];
      if (next === undefined || next === '' || next.startsWith('--')) throw new DataDirFlagError();
      value = next;
      i += 1;
    } else if (arg?.startsWith(`${DATA_DIR_FLAG}=`) === true) {
      value = arg.slice(DATA_DIR_FLAG.length + 1);
      if (value === '') throw new DataDirFlagError();
    }
  }
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
