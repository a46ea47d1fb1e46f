import { statfsSync } from 'node:fs';

/** Free and total bytes of the filesystem holding `dir`, or null where it cannot tell. */
export function diskSpaceOf(dir: string): { freeBytes: number; totalBytes: number } | null {
  try {
    const fs = statfsSync(dir);
    // bavail, not bfree: what an unprivileged process (this App) can still write.
    return { freeBytes: fs.bavail * fs.bsize, totalBytes: fs.blocks * fs.bsize };
  } catch {
    return null;
  }
}
