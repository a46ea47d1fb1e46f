import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

/** API credentials of one exchange, as ccxt takes them. */
export interface ExchangeKeys {
  readonly apiKey: string;
  readonly secret: string;
  /** Some venues (OKX, KuCoin...) want a passphrase too. */
  readonly password?: string | undefined;
}

/**
 * Where API keys live, encrypted at rest. Keys go in and come out only in main: the renderer
 * learns "has keys" and nothing else, and nothing here logs a key.
 */
export interface SecretStore {
  /** Whether keys can be stored and read now; when not, why, in words the user can act on. */
  availability(): { readonly ready: true } | { readonly ready: false; readonly reason: string };
  has(exchange: string): boolean;
  get(exchange: string): ExchangeKeys | null;
  set(exchange: string, keys: ExchangeKeys): void;
  delete(exchange: string): void;
  /** Opens a store that needs a passphrase; throws SecretStoreLockedError when it is wrong. */
  unlock(passphrase: string): void;
}

/** The store cannot be used: no passphrase, or the passphrase does not open the file. */
export class SecretStoreLockedError extends Error {
  override readonly name = 'SecretStoreLockedError';
}

const sealedFileSchema = z.object({
  version: z.literal(1),
  kdf: z.object({
    name: z.literal('scrypt'),
    N: z.number().int().positive(),
    r: z.number().int().positive(),
    p: z.number().int().positive(),
    salt: z.string(),
  }),
  iv: z.string(),
  tag: z.string(),
  data: z.string(),
});
type SealedFile = z.infer<typeof sealedFileSchema>;

const SCRYPT = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;

const keyRingSchema = z.record(
  z.string(),
  z.object({ apiKey: z.string(), secret: z.string(), password: z.string().optional() }),
);
type KeyRing = Record<string, ExchangeKeys>;

/**
 * The headless host's secret store: one file sealed with AES-256-GCM under a key derived from
 * a passphrase with scrypt (N = 2^15, r = 8, p = 1: about 32 MiB and a few tens of ms, so a
 * stolen file is slow to brute-force). GCM authenticates, so a wrong passphrase or a tampered
 * file is refused instead of decrypting to garbage. Every write uses a fresh salt and IV and
 * replaces the file atomically.
 *
 * With no passphrase the store refuses to store anything: keys are never written in clear.
 */
export class PassphraseSecretStore implements SecretStore {
  private passphrase: string | null;
  private keys: KeyRing | null = null;

  constructor(
    private readonly file: string,
    passphrase: string | undefined,
  ) {
    this.passphrase = passphrase === undefined || passphrase === '' ? null : passphrase;
  }

  /** Sets the passphrase (from the user) and checks it against the file if there is one. */
  unlock(passphrase: string): void {
    if (passphrase === '') throw new SecretStoreLockedError('The passphrase must not be empty.');
    const previous = this.passphrase;
    this.passphrase = passphrase;
    this.keys = null;
    try {
      this.load();
    } catch (error) {
      this.passphrase = previous;
      this.keys = null;
      throw error;
    }
  }

  get unlocked(): boolean {
    return this.passphrase !== null;
  }

  availability(): { ready: true } | { ready: false; reason: string } {
    if (this.passphrase === null) {
      return {
        ready: false,
        reason:
          'API keys are stored encrypted with a passphrase: set WORKSTATION_PASSPHRASE before starting the host, or unlock the key store in Settings.',
      };
    }
    return { ready: true };
  }

  has(exchange: string): boolean {
    if (this.passphrase === null) return false;
    return Object.hasOwn(this.load(), exchange);
  }

  get(exchange: string): ExchangeKeys | null {
    if (this.passphrase === null) return null;
    return this.load()[exchange] ?? null;
  }

  set(exchange: string, keys: ExchangeKeys): void {
    const ring = { ...this.load(), [exchange]: keys };
    this.save(ring);
  }

  delete(exchange: string): void {
    this.save(Object.fromEntries(Object.entries(this.load()).filter(([id]) => id !== exchange)));
  }

  private requirePassphrase(): string {
    const availability = this.availability();
    if (!availability.ready) throw new SecretStoreLockedError(availability.reason);
    return this.passphrase ?? '';
  }

  private load(): KeyRing {
    if (this.keys !== null) return this.keys;
    const passphrase = this.requirePassphrase();
    if (!existsSync(this.file)) {
      this.keys = {};
      return this.keys;
    }
    const parsed = sealedFileSchema.safeParse(JSON.parse(readFileSync(this.file, 'utf8')));
    if (!parsed.success) throw new SecretStoreLockedError(`${this.file}: not a key file this build can read`);
    const sealed = parsed.data;
    const key = scryptSync(passphrase, Buffer.from(sealed.kdf.salt, 'base64'), KEY_BYTES, {
      N: sealed.kdf.N,
      r: sealed.kdf.r,
      p: sealed.kdf.p,
      maxmem: 128 * sealed.kdf.N * sealed.kdf.r * 2,
    });
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
    } catch {
      throw new SecretStoreLockedError('Wrong passphrase: the key store could not be opened.');
    }
    this.keys = keyRingSchema.parse(JSON.parse(plain.toString('utf8')));
    return this.keys;
  }

  private save(ring: KeyRing): void {
    const passphrase = this.requirePassphrase();
    const salt = randomBytes(16);
    const iv = randomBytes(12);
    const key = scryptSync(passphrase, salt, KEY_BYTES, { ...SCRYPT, maxmem: 128 * SCRYPT.N * SCRYPT.r * 2 });
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const data = Buffer.concat([cipher.update(JSON.stringify(ring), 'utf8'), cipher.final()]);
    const sealed: SealedFile = {
      version: 1,
      kdf: { name: 'scrypt', ...SCRYPT, salt: salt.toString('base64') },
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, JSON.stringify(sealed), { mode: 0o600 });
    renameSync(temporary, this.file);
    this.keys = ring;
  }
}
