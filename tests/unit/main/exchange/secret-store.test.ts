import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PassphraseSecretStore, SecretStoreLockedError } from '../../../../main/exchange/secret-store.js';

const dirs: string[] = [];
function keyFile(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tw-keys-'));
  dirs.push(dir);
  return path.join(dir, 'keys.json');
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const KEYS = { apiKey: 'AKIA-public-key-123', secret: 'very-secret-value-456', password: 'okx-pass-789' };

describe('passphrase secret store', () => {
  it('round-trips keys through the encrypted file', () => {
    const file = keyFile();
    new PassphraseSecretStore(file, 'correct horse').set('binance', KEYS);
    const reopened = new PassphraseSecretStore(file, 'correct horse');
    expect(reopened.has('binance')).toBe(true);
    expect(reopened.has('kraken')).toBe(false);
    expect(reopened.get('binance')).toEqual(KEYS);
    reopened.delete('binance');
    expect(new PassphraseSecretStore(file, 'correct horse').get('binance')).toBeNull();
  });

  it('never writes the key, secret or passphrase in clear', () => {
    const file = keyFile();
    new PassphraseSecretStore(file, 'correct horse').set('binance', KEYS);
    const text = readFileSync(file, 'utf8');
    for (const plain of [KEYS.apiKey, KEYS.secret, KEYS.password, 'correct horse', 'binance']) {
      expect(text).not.toContain(plain);
    }
    expect(JSON.parse(text)).toMatchObject({ version: 1, kdf: { name: 'scrypt', N: 32_768, r: 8, p: 1 } });
  });

  it('refuses a wrong passphrase', () => {
    const file = keyFile();
    new PassphraseSecretStore(file, 'correct horse').set('binance', KEYS);
    const wrong = new PassphraseSecretStore(file, 'battery staple');
    expect(() => wrong.get('binance')).toThrow('Wrong passphrase');
    expect(() => {
      wrong.unlock('still wrong');
    }).toThrow(SecretStoreLockedError);
    const store = new PassphraseSecretStore(file, undefined);
    store.unlock('correct horse');
    expect(store.get('binance')?.secret).toBe(KEYS.secret);
  });

  it('refuses to store keys without a passphrase and says how to set one', () => {
    const store = new PassphraseSecretStore(keyFile(), undefined);
    expect(store.availability()).toMatchObject({ ready: false });
    expect(() => {
      store.set('binance', KEYS);
    }).toThrow(/WORKSTATION_PASSPHRASE/);
    expect(store.has('binance')).toBe(false);
  });
});
