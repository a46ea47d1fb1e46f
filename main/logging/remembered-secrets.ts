import type { ExchangeKeys, SecretStore } from '../exchange/secret-store.js';
import type { Redactor } from './redaction.js';

/**
 * A key store that tells the redactor every credential passing through it (keys saved or
 * read, the passphrase that unlocks the file), so those exact values never reach a log line
 * or a client's error message, whatever text surrounds them.
 */
export function rememberedSecrets(store: SecretStore, redactor: Redactor): SecretStore {
  const remember = (keys: ExchangeKeys | null): ExchangeKeys | null => {
    if (keys !== null) redactor.remember(keys.apiKey, keys.secret, keys.password);
    return keys;
  };
  return {
    availability: () => store.availability(),
    has: (exchange) => store.has(exchange),
    get: (exchange) => remember(store.get(exchange)),
    set: (exchange, keys) => {
      remember(keys);
      store.set(exchange, keys);
    },
    delete: (exchange) => {
      store.delete(exchange);
    },
    unlock: (passphrase) => {
      redactor.remember(passphrase);
      store.unlock(passphrase);
    },
  };
}
