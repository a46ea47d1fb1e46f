import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BulkStore } from '../../../../main/history/bulk-store.js';
import { CandleLedger, repairCandles } from '../../../../main/history/candle-ledger.js';
import { StagedTrades } from '../../../../main/history/staged-trades.js';
import { TradeColumns } from '../../../../main/history/trade-batch.js';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import { MarketStore } from '../../../../main/storage/market-store.js';
import { CHUNK_MAX_TRADES } from '../../../../main/storage/trade-store.js';
import type { Candle } from '../../../../shared/domain/candle.js';
import { TIMEFRAMES } from '../../../../shared/domain/timeframes.js';
import { instrument } from '../../../fixtures/market-data.js';
import { TEST_INSTRUMENT, trade, utc } from '../../../fixtures/trades.js';

const DAY = 86_400_000;
const T0 = utc('2024-03-01T06:00:00Z');

/** n trades over about `days` days, up to 3 in a ms, prices off a 0.01 grid, numeric ids rising. */
function dump(n: number, days: number, firstId = 5000): TradeColumns {
  const rows = new TradeColumns();
  const spacing = (days * DAY) / n;
  for (let i = 0; i < n; i++) {
    rows.push(
      T0 + Math.floor(Math.floor(i / 3) * 3 * spacing),
      firstId + i,
      firstId + i,
      100 + ((i * 7) % 23) / 100,
      0.001 * (1 + (i % 5)),
      i % 2 === 0 ? 1 : -1,
    );
  }
  return rows;
}

/** The rows in batches of `size`, as a file check hands them over (columns refilled each time). */
function* batches(rows: TradeColumns, size: number): Generator<TradeColumns> {
  const batch = new TradeColumns();
  for (let start = 0; start < rows.length; start += size) {
    batch.clear();
    batch.appendRange(rows, start, Math.min(rows.length, start + size));
    yield batch;
  }
}

describe('staged trades', () => {
  let db: SqliteDatabase;
  let store: MarketStore;
  let bulk: BulkStore;
  let ledger: CandleLedger;
  const everyBar = (): Candle[] => TIMEFRAMES.flatMap((tf) => store.candles(TEST_INSTRUMENT, tf, 1_000_000));
  const importStaged = async (rows: TradeColumns, size: number): Promise<StagedTrades> => {
    const staged = new StagedTrades(db, bulk, TEST_INSTRUMENT);
    for (const batch of batches(rows, size)) staged.add(batch);
    staged.finish();
    const published = db.transaction(() => staged.publish(ledger)).immediate();
    if (published !== null)
      await staged.settle(
        ledger,
        published,
        () => Promise.resolve(),
        () => undefined,
      );
    return staged;
  };

  beforeEach(() => {
    db = openDatabase(':memory:');
    store = new MarketStore(db);
    store.upsertInstrument(instrument());
    bulk = new BulkStore(db);
    ledger = new CandleLedger(db, bulk);
  });
  afterEach(() => {
    db.close();
  });

  it('publishes every row exactly, in full chunks across batch ends, with the candles a rebuild gives', async () => {
    // 9000 trades in 72 minutes: chunks close at CHUNK_MAX_TRADES, not at their hour's end.
    const rows = dump(9_000, 0.05);
    // 777 rows a batch: chunks of 4096 end inside batches, never at their ends.
    const staged = await importStaged(rows, 777);
    staged.dispose();

    expect(store.countTrades(TEST_INSTRUMENT)).toBe(rows.length);
    const stored = store.recentTrades(TEST_INSTRUMENT, rows.length);
    expect(stored.map((t) => [t.ts, t.seq, Number(t.id), t.price, t.amount])).toEqual(
      Array.from(rows.ts, (ts, i) => [ts, rows.seq[i], rows.seq[i], rows.price[i], rows.amount[i]]),
    );
    // The chunks the trade store writes for the same trades in one append: batch ends cut none.
    const chunks = (from: SqliteDatabase): unknown[] =>
      from
        .prepare(
          'SELECT first_ts, first_seq, last_ts, last_seq, count, min_id, max_id, trades FROM trade_chunks',
        )
        .all();
    const direct = openDatabase(':memory:');
    try {
      new MarketStore(direct).upsertInstrument(instrument());
      direct.transaction(() => new BulkStore(direct).insertTrades(TEST_INSTRUMENT, rows))();
      expect(chunks(db)).toEqual(chunks(direct));
    } finally {
      direct.close();
    }
    expect(chunks(db)).toHaveLength(Math.ceil(rows.length / CHUNK_MAX_TRADES));
    expect(ledger.pending()).toEqual([]);

    const built = everyBar();
    expect(store.candles(TEST_INSTRUMENT, '1d', 10)).toHaveLength(1);
    expect(store.candles(TEST_INSTRUMENT, '1d', 10).reduce((n, c) => n + c.trades, 0)).toBe(rows.length);
    db.transaction(() => bulk.rebuildCandles(TEST_INSTRUMENT, T0, T0 + 4 * DAY))();
    expect(built).toEqual(everyBar());
  });

  it('leaves the first day marked when trades stored before the file share it, and its rebuild counts them', async () => {
    // Recorded live at 01:00, before the file's first trade at 06:00 of the same day.
    store.insertTrades([trade({ ts: T0 - 5 * 3_600_000, seq: 0, id: 'live-1', price: 99 })]);
    const rows = dump(5_000, 2);
    await importStaged(rows, 1000);

    expect(ledger.pending()).toEqual([{ instrument: TEST_INSTRUMENT, day: utc('2024-03-01T00:00:00Z') }]);
    await repairCandles(
      ledger,
      TEST_INSTRUMENT,
      () => undefined,
      () => Promise.resolve(),
    );
    const firstDay = store.candles(TEST_INSTRUMENT, '1d', 10)[0];
    expect(firstDay).toMatchObject({ open: 99, openTime: utc('2024-03-01T00:00:00Z') });
    const built = everyBar();
    db.transaction(() => bulk.rebuildCandles(TEST_INSTRUMENT, T0 - DAY, T0 + 3 * DAY))();
    expect(built).toEqual(everyBar());
    expect(store.countTrades(TEST_INSTRUMENT)).toBe(rows.length + 1);
  });

  it('stops staging at a row out of order, and publishes nothing for the write pass to merge', async () => {
    const rows = dump(3_000, 1);
    const shuffled = new TradeColumns();
    shuffled.appendRange(rows, 1500, 3000);
    shuffled.appendRange(rows, 0, 1500);
    const staged = await importStaged(shuffled, 1000);

    expect(staged.staged).toBe(false);
    expect(store.countTrades()).toBe(0);
    expect(everyBar()).toEqual([]);
  });

  it('publishes nothing when the file does not come after the stored trades', () => {
    const rows = dump(3_000, 1);
    store.insertTrades([trade({ ts: T0 + 60_000, seq: 0, id: 'live-1' })]);
    const staged = new StagedTrades(db, bulk, TEST_INSTRUMENT);
    for (const batch of batches(rows, 1000)) staged.add(batch);
    staged.finish();

    expect(staged.staged).toBe(true);
    expect(db.transaction(() => staged.publish(ledger)).immediate()).toBeNull();
    expect(store.countTrades()).toBe(1);
    expect(ledger.pending()).toEqual([]);
  });
});
