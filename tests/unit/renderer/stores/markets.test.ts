import { describe, expect, it } from 'vitest';
import type { Candle } from '../../../../shared/domain/candle.js';
import type { Instrument } from '../../../../shared/domain/market.js';
import { createMarketsStore } from '../../../../renderer/src/stores/markets.js';
import { instrument } from '../../../fixtures/market-data.js';
import { fakeApi } from './fakeApi.js';

const demo: Instrument = instrument();

function bar(timeframe: Candle['timeframe'], openTime: number, close: number): Candle {
  return {
    instrument: demo.id,
    timeframe,
    openTime,
    open: 100,
    high: 110,
    low: 90,
    close,
    volume: 1,
    quoteVolume: close,
    trades: 1,
  };
}

/** Lets the store's promise callbacks run. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('markets store', () => {
  it('follows the first listed instrument on every markets topic', async () => {
    const api = fakeApi();
    const store = createMarketsStore(api.client, '1m');
    const started = store.getState().start();
    api.answer('markets.list', [demo]);
    await started;

    expect(store.getState().instrument?.id).toBe(demo.id);
    expect(api.subscribed('book')).toEqual([{ instrument: demo.id, depth: 50 }]);
    expect(api.subscribed('trades')).toEqual([{ instrument: demo.id }]);
    expect(api.subscribed('signals')).toEqual([{ instrument: demo.id }]);
    expect(api.subscribed('features')).toEqual([{ instrument: demo.id }]);
    expect(api.subscribed('candles')).toEqual([{ instrument: demo.id, timeframe: '1m' }]);
  });

  it('merges live bars with loaded history, live bars winning', async () => {
    const api = fakeApi();
    const store = createMarketsStore(api.client, '1m');
    const started = store.getState().start();
    api.answer('markets.list', [demo]);
    await started;

    api.push('candles', [bar('1m', 60_000, 104)]);
    api.answer('markets.candles', [bar('1m', 0, 100), bar('1m', 60_000, 101)]);
    await settle();

    expect(store.getState().candles['1m']?.map((b) => [b.openTime, b.close])).toEqual([
      [0, 100],
      [60_000, 104],
    ]);
    expect(store.getState().loadingTimeframe).toBeNull();
  });

  it('switches timeframe: one candle feed at a time, and late history for the old one is dropped', async () => {
    const api = fakeApi();
    const store = createMarketsStore(api.client, '1m');
    const started = store.getState().start();
    api.answer('markets.list', [demo]);
    await started;

    store.getState().selectTimeframe('5m');
    expect(api.subscribed('candles')).toEqual([{ instrument: demo.id, timeframe: '5m' }]);
    expect(store.getState().timeframe).toBe('5m');

    api.answer('markets.candles', [bar('1m', 0, 100)]); // the 1m answer, too late
    api.answer('markets.candles', [bar('5m', 0, 102)]);
    await settle();

    expect(store.getState().candles['1m']).toBeUndefined();
    expect(store.getState().candles['5m']?.map((b) => b.close)).toEqual([102]);
  });

  it('keeps the tape newest first', async () => {
    const api = fakeApi();
    const store = createMarketsStore(api.client);
    const started = store.getState().start();
    api.answer('markets.list', [demo]);
    await started;

    const trade = (seq: number) => ({
      instrument: demo.id,
      ts: seq,
      seq,
      id: String(seq),
      price: 100,
      amount: 1,
      side: 'sell' as const,
    });
    api.push('trades', [trade(1), trade(2)]);
    api.push('trades', [trade(3)]);
    expect(store.getState().tape.map((t) => t.seq)).toEqual([3, 2, 1]);
  });

  it('leaves a lost connection to the app store instead of reporting it as a markets problem', async () => {
    const api = fakeApi();
    const store = createMarketsStore(api.client);
    const started = store.getState().start();
    api.answer('markets.list', [demo]);
    await started;

    api.disconnect('socket closed');
    await settle();
    expect(store.getState().problem).toBeNull();
  });

  it('says so when the App streams no instrument', async () => {
    const api = fakeApi();
    const store = createMarketsStore(api.client);
    const started = store.getState().start();
    api.answer('markets.list', []);
    await started;
    expect(store.getState().problem).toMatch(/no instrument/);
  });
});
