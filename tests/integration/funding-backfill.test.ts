import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExchange, instrumentOf, marketSummaries } from '../../main/exchange/ccxt-exchange.js';
import { forFundingHistory, runFundingBackfill } from '../../main/history/funding-backfill.js';
import { openDatabase, type SqliteDatabase } from '../../main/storage/database.js';
import { FundingStore } from '../../main/storage/funding-store.js';
import { MarketStore } from '../../main/storage/market-store.js';
import { startBinanceSimulator, type BinanceSimulator, type SimUrls } from '../exchange-sim/binance-sim.js';

const PERP = 'BTC/USDT:USDT';
const T0 = Date.UTC(2024, 0, 1);
const H8 = 8 * 3_600_000;
/** 30 funding times (10 days), rates alternating in sign. */
const FUNDING = Array.from({ length: 30 }, (_, i): [number, number] => [
  T0 + i * H8,
  (i % 2 === 0 ? 1 : -1) * (0.0001 + i * 0.00001),
]);

describe('funding rate backfill through ccxt against the Binance simulator', () => {
  let sim: BinanceSimulator;
  let urls: SimUrls;
  let db: SqliteDatabase;

  beforeAll(async () => {
    ({ sim, urls } = await startBinanceSimulator({
      markets: [{ symbol: 'ETH/USDT', startPrice: 2000, tickSize: 0.1, lotSize: 0.001, seed: 5 }],
      perpetuals: [{ symbol: PERP, funding: FUNDING }],
    }));
    db = openDatabase(':memory:');
  });

  afterAll(async () => {
    db.close();
    await sim.stop();
  });

  it('stores every funding rate of the range, page by page, and again changes nothing', async () => {
    const exchange = forFundingHistory(
      createExchange('binance', { endpoint: { rest: urls.rest } }),
      'binance',
    );
    await exchange.loadMarkets();
    const market = marketSummaries(exchange).find((m) => m.symbol === PERP);
    if (market === undefined) throw new Error(`simulator has no ${PERP}`);
    const instrument = instrumentOf('binance', market);
    new MarketStore(db).upsertInstrument(instrument);
    const source = {
      fetchFundingRateHistory: (symbol: string, since?: number, limit?: number) =>
        exchange.fetchFundingRateHistory(symbol, since, limit),
    };
    const from = T0 + H8; // the first time is left out
    const to = T0 + 25 * H8;
    const request = { instrument: instrument.id, symbol: PERP, from, to };
    // Pages of 10: 25 times in range take three pages.
    const result = await runFundingBackfill(db, source, request, undefined, undefined, 10);
    expect(result).toEqual({ rows: 25, inserted: 25, pages: 3 });
    const schedule = new FundingStore(db).schedule(instrument.id, 0, Number.MAX_SAFE_INTEGER);
    const expected = FUNDING.filter(([ts]) => ts >= from && ts <= to);
    expect(Array.from(schedule.ts)).toEqual(expected.map(([ts]) => ts));
    expect(Array.from(schedule.rate)).toEqual(expected.map(([, rate]) => Number(rate.toFixed(8))));
    expect(await runFundingBackfill(db, source, request, undefined, undefined, 10)).toMatchObject({
      rows: 25,
      inserted: 0,
    });
  });
});
