import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MarketContextReader } from '../../../../main/history/context.js';
import { CoverageReader } from '../../../../main/history/coverage.js';
import { applyRetention, KEEP_FOREVER } from '../../../../main/history/retention.js';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import { GapLedger } from '../../../../main/storage/gap-ledger.js';
import { MarketStore } from '../../../../main/storage/market-store.js';
import { Recorder } from '../../../../main/storage/recorder.js';
import { bookSnapshot, instrument } from '../../../fixtures/market-data.js';
import { TEST_INSTRUMENT, trade, utc } from '../../../fixtures/trades.js';

const DAY = 86_400_000;
const NOW = utc('2024-03-10T12:00:00Z');

describe('history: coverage, retention and the market context', () => {
  let db: SqliteDatabase;
  let store: MarketStore;

  beforeEach(() => {
    db = openDatabase(':memory:');
    store = new MarketStore(db);
    store.upsertInstrument(instrument());
  });
  afterEach(() => db.close());

  const record = (times: readonly number[]): void => {
    const recorder = new Recorder(store);
    times.forEach((ts, seq) => {
      recorder.recordTrade(trade({ ts, seq, price: 100 + seq, amount: 1 }));
    });
    recorder.flush();
  };

  it('deletes exactly what is older than N days', async () => {
    const cutoff = NOW - 3 * DAY;
    record([cutoff - 1, cutoff, cutoff + 1, NOW - 1000]);
    const recorder = new Recorder(store);
    recorder.recordBookSnapshot(bookSnapshot({ ts: cutoff - 5000 }));
    recorder.recordBookSnapshot(bookSnapshot({ ts: cutoff + 5000 }));
    recorder.flush();

    const result = await applyRetention(
      db,
      { ...KEEP_FOREVER, trades: 3, bookSnapshots: 3, candles: { ...KEEP_FOREVER.candles, '1s': 3 } },
      NOW,
    );

    expect(result).toEqual({ trades: 1, bookDeltaChunks: 0, bookSnapshots: 1, candles: 1 });
    expect(store.recentTrades(TEST_INSTRUMENT, 10).map((t) => t.ts)).toEqual([
      cutoff,
      cutoff + 1,
      NOW - 1000,
    ]);
    expect(store.latestBookSnapshot(TEST_INSTRUMENT, cutoff)).toBeNull();
    // 1s bars: the one holding cutoff - 1 opened before the cutoff; the bar of `cutoff` itself is kept.
    expect(store.candles(TEST_INSTRUMENT, '1s', 10).map((c) => c.openTime)).toEqual([cutoff, NOW - 1000]);
    // 1m bars are kept forever: 11:59 and 12:00 on the cutoff day, and the one before NOW.
    expect(store.candles(TEST_INSTRUMENT, '1m', 10)).toHaveLength(3);
  });

  it('reports recorded spans, detected holes and ledger gaps, with counts', () => {
    const t0 = utc('2024-03-01T10:00:00Z');
    record([t0, t0 + 30_000, t0 + 90_000, t0 + 3_600_000]);
    const ledger = new GapLedger(db, () => NOW);
    ledger.record({
      instrument: TEST_INSTRUMENT,
      kind: 'trades',
      fromTs: t0 + 100_000,
      toTs: t0 + 200_000,
      reason: 'socket dropped',
    });

    const [coverage] = new CoverageReader(db, ledger).read(TEST_INSTRUMENT, 120_000);

    expect(coverage?.ranges.trades).toEqual([
      { from: t0, to: t0 + 119_999 },
      { from: t0 + 3_600_000, to: t0 + 3_659_999 },
    ]);
    expect(coverage?.gaps).toEqual([
      { kind: 'trades', from: t0 + 100_000, to: t0 + 200_000, reason: 'socket dropped', source: 'ledger' },
      {
        kind: 'trades',
        from: t0 + 120_000,
        to: t0 + 3_599_999,
        reason: 'nothing recorded',
        source: 'detected',
      },
      {
        kind: 'candles',
        from: t0 + 120_000,
        to: t0 + 3_599_999,
        reason: 'nothing recorded',
        source: 'detected',
      },
    ]);
    expect(coverage?.counts).toMatchObject({
      trades: 4,
      bookDeltas: 0,
      bookSnapshots: 0,
      candles: { '1m': 3, '1h': 2, '1d': 1 },
    });
    expect(coverage?.bytes).toBeGreaterThan(0);
  });

  it('gives trades, book and candles up to T only: the bar containing T holds no later trade', () => {
    const t0 = utc('2024-03-01T10:00:00Z');
    record([t0 + 1000, t0 + 20_000, t0 + 40_000, t0 + 70_000]);
    const recorder = new Recorder(store);
    recorder.recordBookSnapshot(bookSnapshot({ ts: t0 }));
    recorder.flush();
    const reader = new MarketContextReader({ db, clock: () => NOW });

    const context = reader.read({
      instrument: TEST_INSTRUMENT,
      at: t0 + 30_000,
      windowMs: 60_000,
      timeframes: ['1m', '1s'],
    });

    expect(context.trades.map((t) => t.ts)).toEqual([t0 + 1000, t0 + 20_000]);
    expect(context.book).toMatchObject({
      bids: [
        [99.5, 2],
        [99, 5],
      ],
      asks: [
        [100.5, 1],
        [101, 3],
      ],
      mid: 100,
      spread: 1,
    });
    // trade prices are 100 + seq: 100, 101 before T; the stored 1m bar also holds 102 (after T).
    expect(context.candles['1m']).toEqual([
      {
        instrument: TEST_INSTRUMENT,
        timeframe: '1m',
        openTime: t0,
        open: 100,
        high: 101,
        low: 100,
        close: 101,
        volume: 2,
        quoteVolume: 201,
        trades: 2,
      },
    ]);
    expect(context.candles['1s']?.map((c) => c.openTime)).toEqual([t0 + 1000, t0 + 20_000]);
  });
});
