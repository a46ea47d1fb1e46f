import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBackfill, type HistoryExchange, type HistoryTrade } from '../../../../main/history/backfill.js';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import { MarketStore } from '../../../../main/storage/market-store.js';
import { instrument } from '../../../fixtures/market-data.js';
import { TEST_INSTRUMENT, utc } from '../../../fixtures/trades.js';

const T0 = utc('2024-03-01T00:00:00Z');

/** 100 trades, one every 10 s from T0, several sharing a ms across a page boundary. */
function venueTrades(): HistoryTrade[] {
  return Array.from({ length: 100 }, (_, i) => ({
    id: String(5000 + i),
    timestamp: T0 + Math.floor(i / 2) * 10_000,
    price: 100 + i / 100,
    amount: 1,
    side: i % 2 === 0 ? 'buy' : 'sell',
  }));
}

class RateLimitExceeded extends Error {}

/** Answers like ccxt's binance: trades with timestamp >= since, `limit` at most; can fail on cue. */
class FakeVenue implements HistoryExchange {
  calls = 0;
  failAt = new Map<number, Error>();
  constructor(private readonly trades: HistoryTrade[]) {}

  fetchTrades(_symbol: string, since = 0, limit = 500): Promise<HistoryTrade[]> {
    this.calls++;
    const failure = this.failAt.get(this.calls);
    if (failure !== undefined) return Promise.reject(failure);
    return Promise.resolve(this.trades.filter((t) => (t.timestamp ?? 0) >= since).slice(0, limit));
  }

  fetchOHLCV(_symbol: string, _tf?: string, since = 0, limit = 500): Promise<number[][]> {
    this.calls++;
    const bars = Array.from({ length: 30 }, (_, i) => [T0 + i * 60_000, 10, 12, 9, 11, 2]);
    return Promise.resolve(bars.filter((b) => (b[0] ?? 0) >= since).slice(0, limit));
  }
}

describe('runBackfill', () => {
  let db: SqliteDatabase;
  let store: MarketStore;
  const sleeps: number[] = [];
  const deps = (exchange: HistoryExchange) => ({
    db,
    exchange,
    clock: () => T0,
    random: () => 0.5,
    sleep: (ms: number) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    pageSize: 7,
  });
  const request = {
    instrument: TEST_INSTRUMENT,
    symbol: 'DEMO/USD',
    kind: 'trades' as const,
    timeframe: '1m' as const,
    from: T0,
    to: T0 + 499_999,
  };

  beforeEach(() => {
    db = openDatabase(':memory:');
    store = new MarketStore(db);
    store.upsertInstrument(instrument());
    sleeps.length = 0;
  });
  afterEach(() => db.close());

  it('resumes after an interruption at the committed cursor, without duplicates, and waits out a 429', async () => {
    const venue = new FakeVenue(venueTrades());
    venue.failAt.set(2, new RateLimitExceeded('429 Too Many Requests'));
    venue.failAt.set(5, new Error('process killed'));

    await expect(runBackfill(deps(venue), request)).rejects.toThrow('process killed');
    const partial = store.countTrades();
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(100);
    expect(sleeps).toEqual([375]); // first backoff: between 250 and 500 ms, jitter 0.5

    const second = await runBackfill(deps(new FakeVenue(venueTrades())), request);

    expect(second.resumed).toBe(true);
    expect(store.countTrades()).toBe(100);
    expect(second.rows).toBe(100);
    const ids = store.recentTrades(TEST_INSTRUMENT, 1000).map((t) => t.id);
    expect(new Set(ids).size).toBe(100);
    // Candles rebuilt from the backfilled trades: 50 distinct 10 s steps -> 9 one-minute bars.
    const bars = store.candles(TEST_INSTRUMENT, '1m', 100);
    expect(bars).toHaveLength(9);
    expect(bars.reduce((sum, bar) => sum + bar.trades, 0)).toBe(100);
    // A finished range is not fetched again.
    const venue3 = new FakeVenue(venueTrades());
    await runBackfill(deps(venue3), request);
    expect(venue3.calls).toBe(0);
  });

  it('backfills candles of the range only', async () => {
    const result = await runBackfill(deps(new FakeVenue([])), {
      ...request,
      kind: 'candles',
      to: T0 + 9 * 60_000,
    });
    expect(result.rows).toBe(10);
    expect(store.candles(TEST_INSTRUMENT, '1m', 100).map((bar) => bar.openTime)).toEqual(
      Array.from({ length: 10 }, (_, i) => T0 + i * 60_000),
    );
  });
});
