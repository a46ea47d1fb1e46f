import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import { MarketStore } from '../../../../main/storage/market-store.js';
import { Recorder } from '../../../../main/storage/recorder.js';
import { CHUNK_MAX_TRADES, TradeStore } from '../../../../main/storage/trade-store.js';
import type { Trade } from '../../../../shared/domain/market.js';
import { createRng } from '../../../../shared/market/rng.js';
import { instrument } from '../../../fixtures/market-data.js';
import { TEST_INSTRUMENT, trade } from '../../../fixtures/trades.js';

const T0 = 1_767_571_200_000;

/** n trades from `start`: several per ms, ids counting up from `firstId`, prices on a 0.01 grid. */
function stream(n: number, start = T0, firstId = 5_000_000, seed = 1): Trade[] {
  const random = createRng(seed);
  const out: Trade[] = [];
  let price = 100;
  let ts = start;
  for (let i = 0; i < n; i++) {
    ts += random.next() < 0.6 ? 0 : 1 + Math.floor(random.next() * 40);
    price = Math.max(0.01, Math.round((price + (random.next() - 0.5) * 0.2) * 100) / 100);
    out.push(
      trade({
        ts,
        seq: firstId + i,
        id: String(firstId + i),
        price,
        amount: Math.round(random.next() * 1e6) / 1e3 + 0.001,
        side: random.next() < 0.5 ? 'buy' : 'sell',
      }),
    );
  }
  return out;
}

describe('TradeStore', () => {
  let db: SqliteDatabase;
  let store: MarketStore;
  let trades: TradeStore;
  let key: number;

  beforeEach(() => {
    db = openDatabase(':memory:');
    store = new MarketStore(db);
    store.upsertInstrument(instrument());
    trades = store.trades;
    key = store.instrumentKey(TEST_INSTRUMENT) ?? -1;
  });

  afterEach(() => {
    db.close();
  });

  const readAll = (from = Number.MIN_SAFE_INTEGER, to = Number.MAX_SAFE_INTEGER): Trade[] => {
    const out: Trade[] = [];
    trades.forEachBlock(key, from, to, (block, a, b) => {
      for (let i = a; i < b; i++) {
        out.push({
          instrument: TEST_INSTRUMENT,
          ts: block.ts[i] ?? 0,
          seq: block.seq[i] ?? 0,
          id: block.idAt(i),
          price: block.price[i] ?? 0,
          amount: block.amount[i] ?? 0,
          side: block.side[i] === 1 ? 'buy' : 'sell',
        });
      }
      return undefined;
    });
    return out;
  };
  const chunkRows = (): {
    first_ts: number;
    last_ts: number;
    first_seq: number;
    last_seq: number;
    count: number;
  }[] =>
    db
      .prepare<[], { first_ts: number; last_ts: number; first_seq: number; last_seq: number; count: number }>(
        'SELECT first_ts, first_seq, last_ts, last_seq, count FROM trade_chunks ORDER BY first_ts, first_seq',
      )
      .all();

  it('appends flush after flush across chunk boundaries and reads back every trade in order', () => {
    const all = stream(10_000);
    for (let i = 0; i < all.length; i += 300)
      expect(store.insertTrades(all.slice(i, i + 300))).toBe(Math.min(300, all.length - i));
    expect(readAll()).toEqual(all);
    const rows = chunkRows();
    // The open chunk fills up before the next one starts: full chunks, then the open one.
    expect(rows.map((row) => row.count)).toEqual([
      CHUNK_MAX_TRADES,
      CHUNK_MAX_TRADES,
      10_000 - 2 * CHUNK_MAX_TRADES,
    ]);
    expect(store.countTrades()).toBe(10_000);
  });

  it('reads a range exactly at and around every chunk edge', () => {
    const all = stream(9000);
    store.insertTrades(all);
    const edges = chunkRows().flatMap((row) => [row.first_ts, row.last_ts]);
    const times = [...new Set(edges.flatMap((t) => [t - 1, t, t + 1]))];
    for (const from of times) {
      for (const to of times) {
        if (to <= from) continue;
        const expected = all.filter((t) => t.ts >= from && t.ts < to);
        const read = readAll(from, to);
        expect(read.length).toBe(expected.length);
        expect(read[0]).toEqual(expected[0]);
        expect(read[read.length - 1]).toEqual(expected[expected.length - 1]);
        expect(trades.countRange(key, from, to)).toBe(expected.length);
      }
    }
  });

  it('drops the trades an exchange resends after a reconnect, by id or by (ts, seq)', () => {
    const all = stream(5000);
    store.insertTrades(all.slice(0, 4500));
    // The resend overlaps what was stored; the recorder gave the resent trades new seqs.
    const resent = all.slice(4000, 5000).map((t, i) => ({ ...t, seq: t.seq + (i < 500 ? 1_000_000 : 0) }));
    const seen: string[] = [];
    expect(store.insertTrades(resent, (t) => seen.push(t.id))).toBe(500);
    expect(seen).toEqual(all.slice(4500).map((t) => t.id));
    // Same id at another time (an id is unique per instrument), and same (ts, seq) without id.
    expect(store.insertTrades([{ ...all[10], ts: T0 + 99_999_999, seq: 1 } as Trade])).toBe(0);
    expect(store.insertTrades([{ ...all[20], id: '' } as Trade])).toBe(0);
    // Text ids (Bybit's UUIDs): a resend within the window is caught too.
    const uuid = trade({ ts: T0 + 10, seq: 1, id: 'a1b2c3d4-0000-4000-8000-000000000001' });
    expect(store.insertTrades([uuid])).toBe(1);
    expect(store.insertTrades([{ ...uuid, seq: 77 }])).toBe(0);
    expect(store.countTrades()).toBe(5001);
    expect(readAll().filter((t) => t.id !== uuid.id)).toEqual(all);
  });

  it('merges a backfill into the middle of stored history, keeping chunks ordered and apart', () => {
    const all = stream(12_000);
    const odd = all.filter((_t, i) => i % 2 === 1);
    const even = all.filter((_t, i) => i % 2 === 0);
    store.insertTrades(odd);
    expect(store.insertTrades(even.reverse())).toBe(6000);
    expect(readAll()).toEqual(all);
    const rows = chunkRows();
    for (let i = 1; i < rows.length; i++) {
      const before = rows[i - 1];
      const after = rows[i];
      if (before === undefined || after === undefined) continue;
      expect(
        before.last_ts < after.first_ts ||
          (before.last_ts === after.first_ts && before.last_seq < after.first_seq),
      ).toBe(true);
    }
  });

  it('gives back the newest trades and the first and last price of a range', () => {
    const all = stream(7000);
    store.insertTrades(all);
    expect(store.recentTrades(TEST_INSTRUMENT, 5000)).toEqual(all.slice(2000));
    const from = all[3000]?.ts ?? 0;
    const to = all[6500]?.ts ?? 0;
    const inside = all.filter((t) => t.ts >= from && t.ts < to);
    expect(trades.firstPriceIn(key, from, to)).toBe(inside[0]?.price);
    expect(trades.lastPriceIn(key, from, to)).toBe(inside[inside.length - 1]?.price);
    expect(trades.latest(key, TEST_INSTRUMENT, from, to, 3)).toEqual(
      all.filter((t) => t.ts > from && t.ts <= to).slice(-3),
    );
  });

  it('deletes trades before a cutoff chunk by chunk, rewriting the chunk that straddles it', () => {
    const all = stream(10_000);
    store.insertTrades(all);
    const cutoff = all[5000]?.ts ?? 0;
    let deleted = 0;
    for (;;) {
      const step = trades.deleteBefore(key, cutoff, 1);
      deleted += step.deleted;
      if (!step.more) break;
    }
    const kept = all.filter((t) => t.ts >= cutoff);
    expect(deleted).toBe(all.length - kept.length);
    expect(readAll()).toEqual(kept);
  });

  it('keeps the local receive time the feed stamped beside the exchange time', () => {
    const recorder = new Recorder(store);
    const batch = stream(100);
    for (const t of batch) recorder.recordTrade({ ...t, localTs: t.ts + 35 + (t.seq % 7) });
    recorder.recordTrade(trade({ ts: T0 + 999_999, seq: 1, id: 'x' }), T0 + 1_000_049);
    recorder.flush();
    const received: number[] = [];
    trades.forEachBlock(key, 0, Number.MAX_SAFE_INTEGER, (block, a, b) => {
      expect(block.hasReceiveTs).toBe(true);
      for (let i = a; i < b; i++) received.push((block.receiveTs[i] ?? 0) - (block.ts[i] ?? 0));
      return undefined;
    });
    expect(received).toEqual([...batch.map((t) => 35 + (t.seq % 7)), 50]);
  });
});
