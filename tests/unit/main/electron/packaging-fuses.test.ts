import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** The `electronFuses:` block of electron-builder.yml as key -> boolean (flat block, two-space indent). */
function electronFuses(): Record<string, boolean> {
  const lines = readFileSync(
    path.resolve(import.meta.dirname, '../../../../electron-builder.yml'),
    'utf8',
  ).split('\n');
  const start = lines.indexOf('electronFuses:');
  if (start < 0) throw new Error('electron-builder.yml has no electronFuses block');
  const fuses: Record<string, boolean> = {};
  for (const line of lines.slice(start + 1)) {
    const match = /^ {2}(\w+): (true|false)$/.exec(line);
    if (match === null) break;
    fuses[match[1] ?? ''] = match[2] === 'true';
  }
  return fuses;
}

describe('packaging', () => {
  it('flips the Electron fuses of the security checklist in the packaged binary', () => {
    expect(electronFuses()).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });
});
