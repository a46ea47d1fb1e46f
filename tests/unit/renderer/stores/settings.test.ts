import { describe, expect, it } from 'vitest';
import type { ApiClient } from '../../../../shared/api/client.js';
import { createSettingsStore } from '../../../../renderer/src/stores/settings.js';
import { fakeApi } from './fakeApi.js';

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

/** The fake client, with every call's command and request remembered. */
function recordingApi() {
  const api = fakeApi();
  const requests: [string, unknown][] = [];
  const client: ApiClient = {
    ...api.client,
    call: (command, request) => {
      requests.push([command, request]);
      return api.client.call(command, request);
    },
  };
  return { api, client, requests };
}

const ETH = {
  symbol: 'ETH/USDT',
  base: 'ETH',
  quote: 'USDT',
  type: 'spot',
  active: true,
  tickSize: 0.1,
  lotSize: 0.001,
};

describe('settings store', () => {
  it('loads exchanges, saved connections and the key store state on start', async () => {
    const { api, client } = recordingApi();
    const store = createSettingsStore(client);
    const started = store.getState().start();
    api.answer('exchanges.list', [{ id: 'binance', name: 'binance', websocket: true, hasKeys: false }]);
    api.answer('exchanges.connections', []);
    api.answer('exchanges.keys.state', { ready: false, reason: 'set WORKSTATION_PASSPHRASE' });
    await started;
    expect(store.getState()).toMatchObject({
      exchanges: [{ id: 'binance' }],
      connections: [],
      keyStore: { ready: false, reason: 'set WORKSTATION_PASSPHRASE' },
    });
  });

  it('loads markets through the endpoint override and connects the picked symbols there', async () => {
    const { api, client, requests } = recordingApi();
    let changed = 0;
    const store = createSettingsStore(client, { onConnectionsChanged: () => changed++ });
    store.getState().pickExchange('binance');
    store.getState().setEndpoint({ rest: 'http://127.0.0.1:9000', ws: ' ws://127.0.0.1:9000 ' });
    const loading = store.getState().loadMarkets();
    expect(store.getState().loadingMarkets).toBe(true);
    api.answer('exchanges.markets', { total: 1, markets: [ETH] });
    await loading;
    expect(store.getState()).toMatchObject({ markets: [ETH], marketsTotal: 1, marketsLoaded: true });

    store.getState().toggleSymbol('ETH/USDT');
    const connecting = store.getState().connect();
    const endpoint = { rest: 'http://127.0.0.1:9000', ws: 'ws://127.0.0.1:9000' };
    api.answer('exchanges.connect', [{ exchange: 'binance', symbols: ['ETH/USDT'], endpoint }]);
    await connecting;
    expect(requests).toEqual([
      ['exchanges.markets', { exchange: 'binance', query: '', limit: 200, endpoint }],
      ['exchanges.connect', { exchange: 'binance', symbols: ['ETH/USDT'], endpoint }],
    ]);
    expect(store.getState()).toMatchObject({
      selected: [],
      busy: false,
      notice: 'Streaming ETH/USDT from binance.',
      connections: [{ exchange: 'binance' }],
    });
    expect(changed).toBe(1);
  });

  it('says why a connect failed and keeps the selection', async () => {
    const { api, client } = recordingApi();
    const store = createSettingsStore(client);
    store.getState().pickExchange('binance');
    store.getState().toggleSymbol('ETH/USDT');
    const connecting = store.getState().connect();
    await flush();
    api.disconnect('gone');
    await connecting;
    expect(store.getState().problem).toMatch(/^Could not connect to binance: /);
    expect(store.getState().selected).toEqual(['ETH/USDT']);
  });

  it('drops the answer to a search that a newer search overtook', async () => {
    const { api, client } = recordingApi();
    const store = createSettingsStore(client);
    store.getState().pickExchange('binance');
    const first = store.getState().searchMarkets('E');
    const second = store.getState().searchMarkets('ETH');
    api.answer('exchanges.markets', { total: 5, markets: [] });
    api.answer('exchanges.markets', { total: 1, markets: [ETH] });
    await Promise.all([first, second]);
    expect(store.getState()).toMatchObject({ marketQuery: 'ETH', marketsTotal: 1 });
  });

  it('never keeps a key in its state', async () => {
    const { api, client } = recordingApi();
    const store = createSettingsStore(client);
    store.getState().pickExchange('binance');
    const saving = store.getState().saveKeys({ apiKey: 'k-123', secret: 's-456', password: '' });
    api.answer('exchanges.keys.save', { exchange: 'binance', hasKeys: true });
    await flush();
    api.answer('exchanges.list', [{ id: 'binance', name: 'binance', websocket: true, hasKeys: true }]);
    await saving;
    expect(JSON.stringify(store.getState())).not.toMatch(/k-123|s-456/);
    expect(store.getState().notice).toBe('Keys for binance saved, encrypted.');
  });
});
