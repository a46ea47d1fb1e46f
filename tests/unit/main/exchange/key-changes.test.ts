import { describe, expect, it } from 'vitest';
import { applyKeys, createExchange } from '../../../../main/exchange/ccxt-exchange.js';
import { WatchedSecretStore, type KeyChange } from '../../../../main/exchange/key-changes.js';
import type { ExchangeKeys, SecretStore } from '../../../../main/exchange/secret-store.js';

/** A store in memory, as the passphrase and safeStorage stores behave. */
function memoryStore(): SecretStore {
  const keys = new Map<string, ExchangeKeys>();
  return {
    availability: () => ({ ready: true }),
    has: (exchange) => keys.has(exchange),
    get: (exchange) => keys.get(exchange) ?? null,
    set: (exchange, value) => {
      keys.set(exchange, value);
    },
    delete: (exchange) => {
      keys.delete(exchange);
    },
    unlock: () => undefined,
  };
}

describe('key changes', () => {
  it('tells saved, replaced and deleted apart, after the store has them', () => {
    const store = new WatchedSecretStore(memoryStore());
    const seen: [KeyChange['kind'], string | null, boolean][] = [];
    store.onChange((change) =>
      seen.push([change.kind, change.keys?.secret ?? null, store.has(change.exchange)]),
    );
    store.set('binance', { apiKey: 'k', secret: 's1' });
    store.set('binance', { apiKey: 'k', secret: 's2' });
    store.delete('binance');
    store.delete('binance');
    expect(seen).toEqual([
      ['saved', 's1', true],
      ['replaced', 's2', true],
      ['deleted', null, false],
    ]);
  });

  it('tells every listener even when one throws, then reports the failure', () => {
    const store = new WatchedSecretStore(memoryStore());
    const told: string[] = [];
    store.onChange(() => {
      throw new Error('venue gone');
    });
    store.onChange((change) => told.push(change.exchange));
    expect(() => {
      store.set('kraken', { apiKey: 'k', secret: 's' });
    }).toThrow('applying the new keys of kraken failed');
    expect(told).toEqual(['kraken']);
  });

  it('puts keys on a live ccxt client and takes them off, so a private call is refused locally', async () => {
    const exchange = createExchange('binance', {
      keys: { apiKey: 'old', secret: 'old-secret' },
      transport: 'rest',
    });
    applyKeys(exchange, { apiKey: 'new', secret: 'new-secret' });
    expect([exchange.apiKey, exchange.secret]).toEqual(['new', 'new-secret']);
    applyKeys(exchange, null);
    expect([exchange.apiKey, exchange.secret, exchange.password]).toEqual(['', '', '']);
    expect(() => exchange.checkRequiredCredentials()).toThrow('binance requires "apiKey" credential');
    await exchange.close();
  });
});
