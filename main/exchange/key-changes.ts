import type { ExchangeKeys, SecretStore } from './secret-store.js';

/** What happened to one exchange's API keys; `keys` are the keys in force from now on. */
export type KeyChange =
  | { readonly exchange: string; readonly kind: 'saved' | 'replaced'; readonly keys: ExchangeKeys }
  | { readonly exchange: string; readonly kind: 'deleted'; readonly keys: null };

/**
 * A secret store that tells who holds an exchange client when that exchange's keys change.
 * Listeners run synchronously, right after the store has written the change and before the
 * command that changed it answers: by the time the user sees "saved" or "deleted", no client
 * still holds the old keys, so no later request can be signed with them.
 */
export class WatchedSecretStore implements SecretStore {
  private readonly listeners = new Set<(change: KeyChange) => void>();

  constructor(private readonly inner: SecretStore) {}

  /** Calls `listener` on every save, replace and delete; returns the unsubscribe. */
  onChange(listener: (change: KeyChange) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  availability(): ReturnType<SecretStore['availability']> {
    return this.inner.availability();
  }

  has(exchange: string): boolean {
    return this.inner.has(exchange);
  }

  get(exchange: string): ExchangeKeys | null {
    return this.inner.get(exchange);
  }

  set(exchange: string, keys: ExchangeKeys): void {
    const had = this.inner.has(exchange);
    this.inner.set(exchange, keys);
    this.emit({ exchange, kind: had ? 'replaced' : 'saved', keys });
  }

  delete(exchange: string): void {
    const had = this.inner.has(exchange);
    this.inner.delete(exchange);
    if (had) this.emit({ exchange, kind: 'deleted', keys: null });
  }

  unlock(passphrase: string): void {
    this.inner.unlock(passphrase);
  }

  private emit(change: KeyChange): void {
    // Every holder is told even if one of them throws: a stale key left anywhere is the bug.
    const failures: unknown[] = [];
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0)
      throw new AggregateError(failures, `applying the new keys of ${change.exchange} failed`);
  }
}
