import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abortableSleep, runBackfill } from '../../main/history/backfill.js';
import { createExchange, instrumentOf, marketSummaries } from '../../main/exchange/ccxt-exchange.js';
import { openDatabase, type SqliteDatabase } from '../../main/storage/database.js';
import { MarketStore } from '../../main/storage/market-store.js';
import { startBinanceSimulator, type BinanceSimulator, type SimUrls } from '../exchange-sim/binance-sim.js';

const SYMBOL = 'ETH/USDT';
/** The simulated market runs 60 times faster than the wall clock, so minutes of history take seconds. */
const SPEED = 60;

describe('history backfill through ccxt against the Binance simulator', () => {
  let sim: BinanceSimulator;
  let urls: SimUrls;
  let db: SqliteDatabase;
  let store: MarketStore;
  const began = Date.now();
  const base = Date.UTC(2026, 0, 5, 12, 0, 0);

  beforeAll(async () => {
    ({ sim, urls } = await startBinanceSimulator({
      markets: [{ symbol: SYMBOL, startPrice: 2000, tickSize: 0.1, lotSize: 0.001, seed: 5 }],
      clock: () => base + (Date.now() - began) * SPEED,
    }));
    db = openDatabase(':memory:');
    store = new MarketStore(db);
    // Three simulated minutes of trading.
    await new Promise((resolve) => setTimeout(resolve, (3 * 60_000) / SPEED + 500));
  });

  afterAll(async () => {
    db.close();
    await sim.stop();
  });

  const connect = async () => {
    const exchange = createExchange('binance', { endpoint: { rest: urls.rest } });
    await exchange.loadMarkets();
    const market = marketSummaries(exchange).find((m) => m.symbol === SYMBOL);
    if (market === undefined) throw new Error('simulator has no ETH/USDT');
    const instrument = instrumentOf('binance', market);
    store.upsertInstrument(instrument);
    return {
      instrument,
      deps: {
        db,
        exchange: {
          fetchTrades: (s: string, since?: number, limit?: number) => exchange.fetchTrades(s, since, limit),
          fetchOHLCV: (s: string, tf?: string, since?: number, limit?: number) =>
            exchange.fetchOHLCV(s, tf, since, limit),
        },
        clock: Date.now,
        sleep: abortableSleep,
        random: () => 0.5,
        pageSize: 200,
      },
    };
  };

  it('fetches every trade of the range exactly once, through 429s, and rebuilds candles', async () => {
    const { instrument, deps } = await connect();
    const from = base;
    const to = base + 2 * 60_000 - 1;
    sim.faults.failRequests(2, 429, '/api/v3/aggTrades');

    const result = await runBackfill(deps, {
      instrument: instrument.id,
      symbol: SYMBOL,
      kind: 'trades',
      timeframe: '1m',
      from,
      to,
    });

    const expected = sim.trades(SYMBOL).filter((t) => t.ts >= from && t.ts <= to);
    expect(expected.length).toBeGreaterThan(50);
    expect(result.retries).toBe(2);
    expect(store.countTrades(instrument.id)).toBe(expected.length);
    const stored = store.recentTrades(instrument.id, 100_000);
    expect(stored.map((t) => t.id)).toEqual(expected.map((t) => String(t.id)));
    expect(stored.map((t) => t.side)).toEqual(expected.map((t) => (t.buyerMaker ? 'sell' : 'buy')));
    const bars = store.candles(instrument.id, '1m', 10);
    expect(bars.map((b) => b.openTime)).toEqual([base, base + 60_000]);
    expect(bars.reduce((sum, b) => sum + b.trades, 0)).toBe(expected.length);
  });

  it('backfills 1m candles the simulator serves for the range', async () => {
    const { instrument, deps } = await connect();
    const result = await runBackfill(deps, {
      instrument: instrument.id,
      symbol: SYMBOL,
      kind: 'candles',
      timeframe: '1m',
      from: base,
      to: base + 2 * 60_000,
    });
    expect(result.rows).toBe(3);
    expect(store.candles(instrument.id, '1m', 10).map((b) => b.openTime)).toEqual([
      base,
      base + 60_000,
      base + 120_000,
    ]);
  });
});
