import { describe, expect, it } from 'vitest';
import { createAppStore } from '../../../../renderer/src/stores/app.js';
import { fakeApi } from './fakeApi.js';

const status = {
  source: 'demo',
  connection: 'live' as const,
  eventsPerSecond: 120,
  eventsTotal: 5000,
  recordedTrades: 800,
  rejected: { crossed_book: 2 },
  dataDir: '/tmp/tw',
  databaseBytes: 4096,
  disk: null,
  problems: [],
  connections: [],
};

describe('app store', () => {
  it('opens the link when the App answers and follows its status', async () => {
    const api = fakeApi();
    const store = createAppStore(api.client);
    store.getState().start();
    expect(store.getState().link).toBe('connecting');

    api.answer('app.info', {
      name: 'Trading Workstation',
      version: '0.1.0',
      dataDir: '/tmp/tw',
      transport: 'websocket',
      source: 'demo',
      startedAt: 1,
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(store.getState().link).toBe('open');

    api.push('status', status);
    expect(store.getState().status?.eventsPerSecond).toBe(120);
  });

  it('closes the link with the transport reason when the connection drops', () => {
    const api = fakeApi();
    const store = createAppStore(api.client);
    store.getState().start();
    api.disconnect('The workstation host refused the connection: bad or missing token.');
    expect(store.getState().link).toBe('closed');
    expect(store.getState().linkProblem).toMatch(/refused.*token/);
  });
});
