import { describe, expect, it } from 'vitest';
import type { Candle } from '../../../../shared/domain/candle.js';
import type { Instrument } from '../../../../shared/domain/market.js';
import { CANDLE_HISTORY, createMarketsStore, OLDER_PAGE } from '../../../../renderer/src/stores/markets.js';
import { instrument } from '../../../fixtures/market-data.js';
import { fakeApi } from './fakeApi.js';

const demo: Instrument = instrument();
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 11, 1);

function bar(openTime: number): Candle {
  return {
    instrument: demo.id,
    timeframe: '1m',
    openTime,
    open: 100,
    high: 101,
    low: 99,
    close: 100.5,
    volume: 2,
    quoteVolume: 201,
    trades: 3,
  };
}

/** `count` 1m bars, oldest first, the first opening `first` minutes after T0. */
function bars(first: number, count: number): Candle[] {
  return Array.from({ length: count }, (_, i) => bar(T0 + (first + i) * MINUTE));
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

async function started() {
  const api = fakeApi();
  const store = createMarketsStore(api.client, '1m');
  const starting = store.getState().start();
  api.answer('markets.list', [demo]);
  await starting;
  return { api, store };
}

describe('markets store: candle history', () => {
  it('pages back by time from the earliest loaded bar, adding no bar twice', async () => {
    const { api, store } = await started();
    api.answer('markets.candles', bars(5000, CANDLE_HISTORY));
    await settle();
    expect(store.getState().olderBars).toBe('more');

    const loading = store.getState().loadOlder();
    expect(api.requests('markets.candles')).toEqual([
      { instrument: demo.id, timeframe: '1m', limit: OLDER_PAGE, to: T0 + 5000 * MINUTE - 1 },
    ]);
    expect(store.getState().olderBars).toBe('loading');
    // A full page ending with a copy of the earliest loaded bar (a recorder that closed it since).
    api.answer('markets.candles', bars(5001 - OLDER_PAGE, OLDER_PAGE));
    await loading;

    const loaded = store.getState().candles['1m'] ?? [];
    expect(loaded).toHaveLength(CANDLE_HISTORY + OLDER_PAGE - 1);
    expect(loaded[0]?.openTime).toBe(T0 + (5001 - OLDER_PAGE) * MINUTE);
    expect(new Set(loaded.map((b) => b.openTime)).size).toBe(loaded.length);
    expect(store.getState().olderBars).toBe('more');

    const last = store.getState().loadOlder();
    api.answer('markets.candles', bars(5001 - OLDER_PAGE - 10, 10));
    await last;
    expect(store.getState().candles['1m']?.[0]?.openTime).toBe(T0 + (4991 - OLDER_PAGE) * MINUTE);
    expect(store.getState().olderBars).toBe('all');

    // The recording starts there: nothing more is asked for.
    await store.getState().loadOlder();
    expect(api.requests('markets.candles')).toEqual([]);
  });

  it('knows a short first page is the whole recording', async () => {
    const { api, store } = await started();
    api.answer('markets.candles', bars(0, 40));
    await settle();
    expect(store.getState().olderBars).toBe('all');
    await store.getState().loadOlder();
    expect(api.requests('markets.candles')).toEqual([]);
  });

  it('shows a month from 1m bars on 5m bars, loaded back to the month start', async () => {
    const { api, store } = await started();
    api.answer('markets.candles', bars(50_000, CANDLE_HISTORY));
    await settle();
    const latest = T0 + 50_300 * MINUTE;

    const showing = store.getState().showRange('1M');
    await settle();
    expect(store.getState().timeframe).toBe('5m');
    expect(api.subscribed('candles')).toEqual([{ instrument: demo.id, timeframe: '5m' }]);
    const fiveMinute = (first: number, count: number): Candle[] =>
      bars(0, count).map((b, i) => ({ ...b, timeframe: '5m', openTime: latest + (first + i) * 5 * MINUTE }));
    api.answer('markets.candles', fiveMinute(-CANDLE_HISTORY, CANDLE_HISTORY));
    // Pages follow until the month's start is loaded: 8,640 five-minute bars in all.
    for (let page = 1; page <= 9; page++) {
      await settle();
      const request = api.requests('markets.candles')[0];
      if (request === undefined) break;
      const end = Math.round(((request.to ?? 0) + 1 - latest) / (5 * MINUTE));
      api.answer('markets.candles', fiveMinute(end - OLDER_PAGE, OLDER_PAGE));
    }
    await showing;

    const view = store.getState().chartView;
    expect(view?.from).toBe(latest - 30 * 86_400_000);
    expect(view?.to).toBe(latest);
    expect(store.getState().candles['5m']?.[0]?.openTime).toBeLessThanOrEqual(latest - 30 * 86_400_000);
  });

  it('jumps to the latest bar at the width the trader was looking at', async () => {
    const { api, store } = await started();
    api.answer('markets.candles', bars(0, 100));
    await settle();
    store.getState().jumpToLatest(60 * MINUTE);
    const view = store.getState().chartView;
    expect(view).toMatchObject({ from: T0 + 40 * MINUTE, to: T0 + 102 * MINUTE });
    store.getState().jumpToLatest(60 * MINUTE);
    expect(store.getState().chartView?.seq).toBe((view?.seq ?? 0) + 1);
  });

  it("loads and saves each instrument's chart studies under that instrument", async () => {
    const { api, store } = await started();
    expect(store.getState().studies).toEqual({ overlays: [], panes: ['volume'] });
    expect(api.requests('markets.chart.get')).toEqual([{ instrument: demo.id }]);
    api.answer('markets.chart.get', { overlays: ['ema'], panes: ['rsi'] });
    await settle();
    expect(store.getState().studies).toEqual({ overlays: ['ema'], panes: ['rsi'] });

    store.getState().setStudies({ overlays: ['ema', 'vwap'], panes: ['rsi'] });
    expect(store.getState().studies.overlays).toEqual(['ema', 'vwap']);
    expect(api.requests('markets.chart.set')).toEqual([
      { instrument: demo.id, studies: { overlays: ['ema', 'vwap'], panes: ['rsi'] } },
    ]);
  });
});
