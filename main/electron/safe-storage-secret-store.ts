import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { safeStorage } from 'electron';
import { SecretStoreLockedError, type ExchangeKeys, type SecretStore } from '../exchange/secret-store.js';

type KeyRing = Record<string, ExchangeKeys>;

/**
 * The desktop app's secret store: the key ring encrypted with Electron's safeStorage, which
 * uses the OS keychain (macOS Keychain, Windows DPAPI, libsecret/kwallet on Linux), so no
 * passphrase is asked. Where the OS offers no real encryption (Linux without a keyring,
 * where safeStorage falls back to a fixed key) the store refuses keys instead.
 */
export class SafeStorageSecretStore implements SecretStore {
  private keys: KeyRing | null = null;

  constructor(private readonly file: string) {}

  availability(): { ready: true } | { ready: false; reason: string } {
    if (!safeStorage.isEncryptionAvailable()) {
      return { ready: false, reason: 'The operating system offers no encrypted storage for API keys.' };
    }
    if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') {
      return {
        ready: false,
        reason: 'No keyring (gnome-keyring or kwallet) is running: API keys would not be encrypted.',
      };
    }
    return { ready: true };
  }

  has(exchange: string): boolean {
    return Object.hasOwn(this.load(), exchange);
  }

  get(exchange: string): ExchangeKeys | null {
    return this.load()[exchange] ?? null;
  }

  set(exchange: string, keys: ExchangeKeys): void {
    this.save({ ...this.load(), [exchange]: keys });
  }

  delete(exchange: string): void {
    this.save(Object.fromEntries(Object.entries(this.load()).filter(([id]) => id !== exchange)));
  }

  unlock(): void {
    throw new SecretStoreLockedError(
      'The desktop app keeps keys in the OS keychain: there is no passphrase.',
    );
  }

  private requireReady(): void {
    const availability = this.availability();
    if (!availability.ready) throw new SecretStoreLockedError(availability.reason);
  }

  private load(): KeyRing {
    if (this.keys !== null) return this.keys;
    this.requireReady();
    this.keys = existsSync(this.file)
      ? (JSON.parse(safeStorage.decryptString(readFileSync(this.file))) as KeyRing)
      : {};
    return this.keys;
  }

  private save(ring: KeyRing): void {
    this.requireReady();
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, safeStorage.encryptString(JSON.stringify(ring)), { mode: 0o600 });
    renameSync(temporary, this.file);
    this.keys = ring;
  }
}
