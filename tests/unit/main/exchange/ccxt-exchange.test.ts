import { describe, expect, it } from 'vitest';
import { createExchange, listExchanges, overrideUrls } from '../../../../main/exchange/ccxt-exchange.js';

describe('ccxt exchanges', () => {
  it('lists ccxt exchanges and which of them stream over WebSocket', () => {
    const exchanges = listExchanges();
    expect(exchanges.find((e) => e.id === 'binance')).toEqual({
      id: 'binance',
      name: 'binance',
      websocket: true,
    });
    expect(exchanges.some((e) => !e.websocket)).toBe(true);
  });

  it('points every REST and WebSocket URL at the override, keeping the paths', () => {
    const api: Record<string, unknown> = {
      public: 'https://api.binance.com/api/v3',
      ws: {
        spot: 'wss://stream.binance.com:9443/ws',
        'ws-api': { spot: 'wss://ws-api.binance.com:443/ws-api/v3' },
      },
    };
    overrideUrls(api, { rest: 'http://127.0.0.1:8123/', ws: 'ws://127.0.0.1:8123' });
    expect(api).toEqual({
      public: 'http://127.0.0.1:8123/api/v3',
      ws: { spot: 'ws://127.0.0.1:8123/ws', 'ws-api': { spot: 'ws://127.0.0.1:8123/ws-api/v3' } },
    });
  });

  it('sets up binance for spot only, with aggTrade ids on both the stream and REST', () => {
    const exchange = createExchange('binance', {
      endpoint: { rest: 'http://127.0.0.1:1', ws: 'ws://127.0.0.1:1' },
    });
    expect(exchange.options.fetchMarkets).toEqual({ types: ['spot'] });
    expect(exchange.options.watchTrades).toEqual({ name: 'aggTrade' });
    expect((exchange.urls.api as { public: string }).public).toBe('http://127.0.0.1:1/api/v3');
    expect(exchange.httpAgent).toBeDefined();
  });
});
