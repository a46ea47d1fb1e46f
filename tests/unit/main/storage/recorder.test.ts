import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import { MarketStore } from '../../../../main/storage/market-store.js';
import { Recorder } from '../../../../main/storage/recorder.js';
import type { Candle } from '../../../../shared/domain/candle.js';
import type { MarketEvent, Trade } from '../../../../shared/domain/market.js';
import type { Timeframe } from '../../../../shared/domain/timeframes.js';
import { bookSnapshot, instrument, signal } from '../../../fixtures/market-data.js';
import { TEST_INSTRUMENT, trade, utc } from '../../../fixtures/trades.js';

const OTHER = 'demo:OTHER/USD';

function tradeEvent(overrides: Partial<Trade>): MarketEvent {
  return { kind: 'trade', ...trade(overrides) };
}

function bar(
  timeframe: Timeframe,
  openIso: string,
  [open, high, low, close]: [number, number, number, number],
  volume: number,
  quoteVolume: number,
  trades: number,
): Candle {
  return {
    instrument: TEST_INSTRUMENT,
    timeframe,
    openTime: utc(openIso),
    open,
    high,
    low,
    close,
    volume,
    quoteVolume,
    trades,
  };
}

describe('Recorder', () => {
  let db: SqliteDatabase;
  let store: MarketStore;
  let statements: string[];

  beforeEach(() => {
    statements = [];
    db = openDatabase(':memory:', { verbose: (sql) => statements.push(String(sql)) });
    store = new MarketStore(db);
    store.upsertInstrument(instrument());
    store.upsertInstrument(instrument({ id: OTHER, symbol: 'OTHER/USD', base: 'OTHER' }));
  });

  afterEach(() => {
    db.close();
  });

  function transactionStatements(): string[] {
    return statements.filter((sql) => /^(BEGIN|COMMIT|ROLLBACK)/.test(sql));
  }

  it('writes trades, book snapshots, the changed candles and signals in one transaction', () => {
    const recorder = new Recorder(store, { timeframes: ['1s', '1m'] });
    recorder.record(tradeEvent({ ts: utc('2024-03-01T10:00:00.200Z'), seq: 1, price: 100, amount: 1 }));
    recorder.record(tradeEvent({ ts: utc('2024-03-01T10:00:00.700Z'), seq: 2, price: 102, amount: 2 }));
    recorder.recordBookSnapshot(bookSnapshot({ ts: utc('2024-03-01T10:00:00.500Z') }));
    recorder.recordSignal(signal({ ts: utc('2024-03-01T10:00:00.800Z') }));
    statements.length = 0;

    const result = recorder.flush();

    expect(transactionStatements()).toEqual(['BEGIN IMMEDIATE', 'COMMIT']);
    expect(result).toMatchObject({ trades: 2, duplicateTrades: 0, snapshots: 1, signals: 1, lateTrades: 0 });
    const expected = [
      bar('1s', '2024-03-01T10:00:00Z', [100, 102, 100, 102], 3, 304, 2),
      bar('1m', '2024-03-01T10:00:00Z', [100, 102, 100, 102], 3, 304, 2),
    ];
    expect(result.candles).toEqual(expected);
    expect(store.countTrades()).toBe(2);
    expect(store.latestBookSnapshot(TEST_INSTRUMENT)?.ts).toBe(utc('2024-03-01T10:00:00.500Z'));
    expect(store.candles(TEST_INSTRUMENT, '1s', 10)).toEqual([expected[0]]);
    expect(store.candles(TEST_INSTRUMENT, '1m', 10)).toEqual([expected[1]]);
    expect(store.recentSignals(TEST_INSTRUMENT, 10)).toHaveLength(1);
  });

  it('keeps every buffered event when a flush fails, and writes each exactly once on the next flush', () => {
    const recorder = new Recorder(store, { timeframes: ['1m'] });
    recorder.record(tradeEvent({ ts: utc('2024-03-01T10:00:10Z'), seq: 1, price: 100, amount: 1 }));
    recorder.record(tradeEvent({ ts: utc('2024-03-01T10:00:20Z'), seq: 2, price: 104, amount: 1 }));
    recorder.recordBookSnapshot(bookSnapshot({ ts: utc('2024-03-01T10:00:15Z') }));
    recorder.recordSignal(signal({ ts: utc('2024-03-01T10:00:20Z') }));
    // Signals are written last, so the failure comes after trades, snapshot and candles.
    db.exec(
      "CREATE TEMP TRIGGER disk_on_fire BEFORE INSERT ON signals BEGIN SELECT RAISE(ABORT, 'disk on fire'); END",
    );

    expect(() => recorder.flush()).toThrow('disk on fire');

    expect(store.countTrades()).toBe(0);
    expect(store.latestBookSnapshot(TEST_INSTRUMENT)).toBeNull();
    expect(store.candles(TEST_INSTRUMENT, '1m', 10)).toEqual([]);
    expect(recorder.currentCandle(TEST_INSTRUMENT, '1m')).toBeNull();
    expect(recorder.stats).toMatchObject({
      failedFlushes: 1,
      lastError: 'disk on fire',
      recordedTrades: 0,
      pendingTrades: 2,
      pendingSnapshots: 1,
      pendingSignals: 1,
    });

    recorder.record(tradeEvent({ ts: utc('2024-03-01T10:00:30Z'), seq: 3, price: 98, amount: 2 }));
    db.exec('DROP TRIGGER disk_on_fire');
    const result = recorder.flush();

    expect(result).toMatchObject({ trades: 3, snapshots: 1, signals: 1 });
    expect(store.countTrades()).toBe(3);
    expect(store.candles(TEST_INSTRUMENT, '1m', 10)).toEqual([
      bar('1m', '2024-03-01T10:00:00Z', [100, 104, 98, 98], 4, 400, 3),
    ]);
    expect(recorder.stats).toMatchObject({
      recordedTrades: 3,
      lastError: null,
      pendingTrades: 0,
      pendingSignals: 0,
    });
  });

  it('does not count a trade the exchange sends again in any bar', () => {
    const recorder = new Recorder(store, { timeframes: ['1m'] });
    recorder.record(tradeEvent({ ts: utc('2024-03-01T10:00:10Z'), seq: 1, id: 'x1', price: 100, amount: 1 }));
    recorder.flush();
    // After a reconnect the exchange replays x1; the source numbers it anew.
    recorder.record(tradeEvent({ ts: utc('2024-03-01T10:00:10Z'), seq: 7, id: 'x1', price: 100, amount: 1 }));
    recorder.record(tradeEvent({ ts: utc('2024-03-01T10:00:40Z'), seq: 8, id: 'x2', price: 103, amount: 2 }));

    const result = recorder.flush();

    expect(result).toMatchObject({ trades: 1, duplicateTrades: 1 });
    expect(store.candles(TEST_INSTRUMENT, '1m', 10)).toEqual([
      bar('1m', '2024-03-01T10:00:00Z', [100, 103, 100, 103], 3, 306, 2),
    ]);
  });

  it('merges a trade that arrives after its 1s bar closed into the stored 1s bar', () => {
    const recorder = new Recorder(store, { timeframes: ['1s', '1m'] });
    recorder.record(tradeEvent({ ts: utc('2024-03-01T10:00:00.200Z'), seq: 1, price: 100, amount: 1 }));
    recorder.record(tradeEvent({ ts: utc('2024-03-01T10:00:01.200Z'), seq: 2, price: 101, amount: 1 }));
    recorder.flush();

    recorder.record(tradeEvent({ ts: utc('2024-03-01T10:00:00.700Z'), seq: 3, price: 105, amount: 2 }));
    const result = recorder.flush();

    expect(result.lateTrades).toBe(1);
    expect(store.candles(TEST_INSTRUMENT, '1s', 10)).toEqual([
      bar('1s', '2024-03-01T10:00:00Z', [100, 105, 100, 105], 3, 310, 2),
      bar('1s', '2024-03-01T10:00:01Z', [101, 101, 101, 101], 1, 101, 1),
    ]);
    expect(store.candles(TEST_INSTRUMENT, '1m', 10)).toEqual([
      bar('1m', '2024-03-01T10:00:00Z', [100, 105, 100, 101], 4, 411, 3),
    ]);
    expect(recorder.stats.lateTrades).toBe(1);
  });

  it('continues the bars stored before a restart instead of overwriting them', () => {
    const before = new Recorder(store, { timeframes: ['1m', '1d'] });
    before.record(tradeEvent({ ts: utc('2024-03-01T10:00:10Z'), seq: 1, price: 100, amount: 1 }));
    before.flush();

    const after = new Recorder(new MarketStore(db), { timeframes: ['1m', '1d'] });
    after.record(tradeEvent({ ts: utc('2024-03-01T10:00:20Z'), seq: 1, price: 102, amount: 2 }));
    after.flush();

    expect(store.candles(TEST_INSTRUMENT, '1m', 10)).toEqual([
      bar('1m', '2024-03-01T10:00:00Z', [100, 102, 100, 102], 3, 304, 2),
    ]);
    expect(store.candles(TEST_INSTRUMENT, '1d', 10)).toEqual([
      bar('1d', '2024-03-01T00:00:00Z', [100, 102, 100, 102], 3, 304, 2),
    ]);
  });

  it('keeps one book snapshot per interval of market time per instrument, cut to the configured depth', () => {
    const recorder = new Recorder(store, { snapshotIntervalMs: 1000, snapshotDepth: 1 });
    for (const ts of [0, 400, 1000, 1500]) recorder.recordBookSnapshot(bookSnapshot({ ts }));
    recorder.recordBookSnapshot(bookSnapshot({ instrument: OTHER, ts: 400 }));

    const result = recorder.flush();

    expect(result.snapshots).toBe(3);
    expect(recorder.stats.thinnedSnapshots).toBe(2);
    expect(store.latestBookSnapshot(TEST_INSTRUMENT)).toEqual(
      bookSnapshot({ ts: 1000, bids: [[99.5, 2]], asks: [[100.5, 1]] }),
    );
    expect(store.latestBookSnapshot(OTHER)?.ts).toBe(400);
  });

  it('refuses and counts events it could never write, so they cannot block later flushes', () => {
    const recorder = new Recorder(store);
    recorder.record(tradeEvent({ ts: 1000, seq: 1, price: Number.NaN }));
    recorder.record(tradeEvent({ ts: 1000, seq: 2, amount: -1 }));
    recorder.record(tradeEvent({ instrument: 'demo:NOPE/USD', ts: 1000, seq: 3 }));
    recorder.recordSignal(signal({ strength: 2 }));
    recorder.recordBookSnapshot(bookSnapshot({ bids: [[Number.POSITIVE_INFINITY, 1]] }));
    recorder.record(tradeEvent({ ts: 1000, seq: 4 }));

    const result = recorder.flush();

    expect(result.trades).toBe(1);
    expect(recorder.stats.rejectedEvents).toBe(5);
  });

  it('does not record book deltas', () => {
    const recorder = new Recorder(store);

    recorder.record({
      kind: 'book_delta',
      instrument: TEST_INSTRUMENT,
      ts: 0,
      seq: 0,
      side: 'bid',
      price: 99,
      size: 1,
    });

    expect(recorder.stats).toMatchObject({ pendingTrades: 0, pendingSnapshots: 0, rejectedEvents: 0 });
  });

  it('opens no transaction when nothing is buffered', () => {
    const recorder = new Recorder(store);
    statements.length = 0;

    const result = recorder.flush();

    expect(transactionStatements()).toEqual([]);
    expect(result).toMatchObject({ trades: 0, snapshots: 0, signals: 0, candles: [] });
  });

  it('keeps the receive time the feed stamped, and stores none for a trade fetched later by REST', () => {
    const recorder = new Recorder(store);
    // Live: the feed stamped each trade as its message arrived (40 ms after the exchange's time).
    recorder.record(tradeEvent({ ts: 1000, seq: 1, id: '1', localTs: 1040 }));
    // A hole backfilled by REST minutes later: nobody received it live, so it carries no stamp.
    recorder.record(tradeEvent({ ts: 1010, seq: 2, id: '2' }));
    recorder.recordTrade(trade({ ts: 1020, seq: 3, id: '3' }));
    recorder.flush();

    const stored = store.recentTrades(TEST_INSTRUMENT, 10);
    expect(stored.map((t) => [t.id, t.localTs])).toEqual([
      ['1', 1040],
      ['2', undefined],
      ['3', undefined],
    ]);
    // Unknown, not zero or the flush's time: the "recorded" latency model skips these trades.
    expect(stored.filter((t) => 'localTs' in t)).toHaveLength(1);
  });

  it('reports the trades recorded so far and how long the last commit took', () => {
    const ticks = [10, 13.5];
    const recorder = new Recorder(store, { now: () => ticks.shift() ?? 0 });
    recorder.record(tradeEvent({ ts: 1000, seq: 1 }));
    recorder.record(tradeEvent({ ts: 1001, seq: 2 }));

    expect(recorder.lastCommitMs).toBeNull();
    const result = recorder.flush();

    expect(result.durationMs).toBe(3.5);
    expect(recorder.lastCommitMs).toBe(3.5);
    expect(recorder.recordedTrades).toBe(2);
    expect(recorder.stats).toMatchObject({ flushes: 1, recordedTrades: 2, writtenCandles: 7 });
  });
});
