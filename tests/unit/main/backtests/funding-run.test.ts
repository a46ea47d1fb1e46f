import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSeries, runCandleConfiguration, type RunCosts } from '../../../../main/backtests/candle-run.js';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import { FundingStore } from '../../../../main/storage/funding-store.js';
import { MarketStore } from '../../../../main/storage/market-store.js';
import { backtestCostsSchema } from '../../../../shared/api/domains/backtests.js';
import { instrument } from '../../../fixtures/market-data.js';
import { TEST_INSTRUMENT } from '../../../fixtures/trades.js';

const H1 = 3_600_000;
const H8 = 8 * H1;

describe('a candle run over stored funding', () => {
  let db: SqliteDatabase;
  let store: MarketStore;

  beforeEach(() => {
    db = openDatabase(':memory:');
    store = new MarketStore(db);
    store.upsertInstrument(instrument());
    // 1h bars at 100, 99, 100, then 101 to the end: fast 1 crosses above slow 2 at bar 2's close.
    const price = (i: number): number => [100, 99, 100][i] ?? 101;
    store.upsertCandles(
      Array.from({ length: 24 }, (_, i) => ({
        instrument: TEST_INSTRUMENT,
        timeframe: '1h' as const,
        openTime: i * H1,
        open: price(i),
        high: price(i),
        low: price(i),
        close: price(i),
        volume: 1,
        quoteVolume: price(i),
        trades: 1,
      })),
    );
    new FundingStore(db).upsert(TEST_INSTRUMENT, [
      { ts: 0, rate: 0.0001 },
      { ts: H8, rate: 0.0002 },
      { ts: 2 * H8, rate: -0.0001 },
      { ts: 3 * H8, rate: 0.0005 }, // the range ends before it
    ]);
  });
  afterEach(() => {
    db.close();
  });

  const range = { instrument: TEST_INSTRUMENT, timeframe: '1h' as const, from: 0, to: 24 * H1 };

  it('reads the funding of the range with the bars', () => {
    const series = readSeries(store, range);
    expect(series.fundingEvents).toBe(3);
    expect(series.fundingRate?.[0]).toBe(0.0001);
    expect(series.fundingRate?.[8]).toBe(0.0002);
    expect(series.fundingRate?.[16]).toBe(-0.0001);
    expect(Number.isNaN(series.fundingRate?.[1] ?? 0)).toBe(true);
  });

  it('charges a perpetual long held through it, and says how many funding times applied', () => {
    const costs = (account: RunCosts['account']): RunCosts =>
      backtestCostsSchema.parse({ initialCash: 10_000, fees: { maker: 0, taker: 0 }, account });
    // Long 10 from bar 3's open (101) to the end: after funding time 0, through the next two.
    const run = (account: RunCosts['account']) =>
      runCandleConfiguration(
        readSeries(store, range),
        'sma-crossover',
        { fast: 1, slow: 2, quantity: 10 },
        costs(account),
        '1h',
      );
    const perp = run({ kind: 'perpetual', leverage: 1, maintenanceMargin: 0.005 });
    expect(perp.result.position).toBe(10);
    // 10 x 101 x (0.0002 - 0.0001) = 0.101 paid; the first time fell before the position.
    expect(perp.result.fundingPaid).toBeCloseTo(0.101, 12);
    expect(perp.metrics.fundingPaid).toBeCloseTo(0.101, 12);
    expect(perp.metrics.fundingEvents).toBe(3);
    expect(perp.result.finalEquity).toBeCloseTo(10_000 - 0.101, 9);
    const spot = run({ kind: 'spot', allowShort: true });
    expect(spot.metrics.fundingPaid).toBe(0);
    expect(spot.metrics.fundingEvents).toBe(0);
    expect(spot.result.finalEquity).toBe(10_000);
  });
});
