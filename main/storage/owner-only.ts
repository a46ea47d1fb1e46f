import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The workspace holds a trader's recorded books, fills, audit log and (sealed) API keys: on a
 * shared machine nobody else may read them. Every folder of it is created 0700 and every file
 * 0600, whatever the umask; a workspace made by an older build (0755 / 0644) is tightened when
 * it is opened, and the host says which paths it tightened. Windows has no POSIX modes: there
 * the user's profile folder already keeps other users out, and these calls change nothing.
 */

export const OWNER_DIR_MODE = 0o700;
export const OWNER_FILE_MODE = 0o600;

const POSIX = process.platform !== 'win32';

/** A path whose mode was looser than owner-only, and what it was. */
export interface Tightened {
  readonly path: string;
  readonly from: number;
  readonly to: number;
}

/** Creates a folder (and missing parents) for the owner only; an existing one is left as it is. */
export function ensureOwnerDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: OWNER_DIR_MODE });
  return dir;
}

/** Writes a file readable by its owner only (also when it already existed with a looser mode). */
export function writeOwnerFile(file: string, data: string | Uint8Array): void {
  writeFileSync(file, data, { mode: OWNER_FILE_MODE });
  tightenOne(file);
}

/**
 * Creates an empty file for the owner only if it does not exist yet, so a program that then
 * opens it (SQLite: the database, and its -wal and -shm files, which SQLite gives the
 * database file's mode) never makes it world-readable, not even for a moment.
 */
export function touchOwnerFile(file: string): void {
  closeSync(openSync(file, 'a', OWNER_FILE_MODE));
  tightenOne(file);
}

/**
 * Brings a workspace folder and everything in it to owner-only (0755 -> 0700, 0644 -> 0600):
 * the group and other bits are removed, the owner's are kept.
 * Symbolic links are not followed (they may point outside the workspace). Returns what it had
 * to change, so the host can say so.
 */
export function tightenWorkspace(dir: string): Tightened[] {
  const changed: Tightened[] = [];
  if (!POSIX) return changed;
  const walk = (current: string): void => {
    const stat = lstatSync(current);
    if (stat.isSymbolicLink()) return;
    if (stat.isDirectory()) {
      const done = tightenOne(current);
      if (done !== null) changed.push(done);
      for (const name of readdirSync(current)) walk(path.join(current, name));
    } else if (stat.isFile()) {
      const done = tightenOne(current);
      if (done !== null) changed.push(done);
    }
  };
  walk(dir);
  return changed;
}

/** One line for the log: which paths were opened to others and are now owner-only. */
export function describeTightened(changed: readonly Tightened[], root: string): string {
  const list = changed
    .map((c) => `${path.relative(root, c.path) || '.'} ${octal(c.from)} -> ${octal(c.to)}`)
    .join(', ');
  return `workspace: ${changed.length} path(s) were readable by other users and are now for the owner only: ${list}`;
}

/** Removes every group and other bit; the owner's own bits stay as they are. */
function tightenOne(file: string): Tightened | null {
  if (!POSIX) return null;
  const from = lstatSync(file).mode & 0o777;
  if ((from & 0o077) === 0) return null;
  const to = from & 0o700;
  chmodSync(file, to);
  return { path: file, from, to };
}

function octal(mode: number): string {
  return `0${mode.toString(8)}`;
}
