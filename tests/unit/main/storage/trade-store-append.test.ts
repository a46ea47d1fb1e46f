import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TradeColumns } from '../../../../main/history/trade-batch.js';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import { MarketStore } from '../../../../main/storage/market-store.js';
import { CHUNK_MAX_TRADES, TradeStore } from '../../../../main/storage/trade-store.js';
import { createRng } from '../../../../shared/market/rng.js';
import { instrument } from '../../../fixtures/market-data.js';
import { TEST_INSTRUMENT } from '../../../fixtures/trades.js';

const T0 = 1_767_571_200_000;

/** n trades after `start`, several per ms, numeric ids counting up from `firstId`, as columns. */
function columns(n: number, start: number, firstId: number, seed = 1): TradeColumns {
  const random = createRng(seed);
  const rows = new TradeColumns();
  let ts = start;
  let price = 100;
  for (let i = 0; i < n; i++) {
    ts += random.next() < 0.6 ? 0 : 1 + Math.floor(random.next() * 40);
    price = Math.max(0.01, Math.round((price + (random.next() - 0.5) * 0.2) * 100) / 100);
    rows.push(
      ts,
      firstId + i,
      firstId + i,
      price,
      Math.round(random.next() * 1e6) / 1e3 + 0.001,
      random.next() < 0.5 ? 1 : -1,
    );
  }
  return rows;
}

const run = (rows: TradeColumns) => ({ ...viewOf(rows), receiveTs: null });
function viewOf(rows: TradeColumns) {
  return { ts: rows.ts, seq: rows.seq, id: rows.id, price: rows.price, amount: rows.amount, side: rows.side };
}

describe('TradeStore.append', () => {
  let db: SqliteDatabase;
  let trades: TradeStore;
  let key: number;

  beforeEach(() => {
    db = openDatabase(':memory:');
    const store = new MarketStore(db);
    store.upsertInstrument(instrument());
    trades = store.trades;
    key = store.instrumentKey(TEST_INSTRUMENT) ?? -1;
  });

  afterEach(() => {
    db.close();
  });

  const readAll = (): {
    ts: number[];
    seq: number[];
    id: (string | null)[];
    price: number[];
    side: number[];
  } => {
    const out = {
      ts: [] as number[],
      seq: [] as number[],
      id: [] as (string | null)[],
      price: [] as number[],
      side: [] as number[],
    };
    trades.forEachBlock(key, 0, Number.MAX_SAFE_INTEGER, (block, a, b) => {
      for (let i = a; i < b; i++) {
        out.ts.push(block.ts[i] ?? 0);
        out.seq.push(block.seq[i] ?? 0);
        out.id.push(block.idAt(i));
        out.price.push(block.price[i] ?? 0);
        out.side.push(block.side[i] ?? 0);
      }
      return true;
    });
    return out;
  };
  const chunkCounts = (): number[] =>
    db
      .prepare<[number], number>(
        'SELECT count FROM trade_chunks WHERE instrument = ? ORDER BY first_ts, first_seq',
      )
      .pluck()
      .all(key);

  it('stores batches after the stored range exactly, as whole chunks with no merge', () => {
    const first = columns(10_000, T0, 1000, 1);
    const second = columns(9_000, (first.ts[first.length - 1] ?? 0) + 1, 11_000, 2);
    expect(db.transaction(() => trades.append(key, run(first))).immediate()).toBe(10_000);
    expect(db.transaction(() => trades.append(key, run(second))).immediate()).toBe(9_000);
    const back = readAll();
    expect(back.ts).toEqual([...first.ts, ...second.ts]);
    expect(back.seq).toEqual([...first.seq, ...second.seq]);
    expect(back.id).toEqual([...first.id, ...second.id].map(String));
    expect(back.price).toEqual([...first.price, ...second.price]);
    expect(back.side).toEqual([...first.side, ...second.side]);
    // Whole chunks straight from the columns, each call's last one short (nothing merged).
    const full = CHUNK_MAX_TRADES;
    expect(chunkCounts()).toEqual([full, full, 10_000 - 2 * full, full, full, 9_000 - 2 * full]);
  });

  it('declines what could hold a duplicate or needs a merge, storing nothing', () => {
    const stored = columns(5000, T0, 1000);
    db.transaction(() => trades.append(key, run(stored))).immediate();
    const last = stored.ts[stored.length - 1] ?? 0;
    // At the last stored ms: an overlap in time, which needs the merge of insert.
    expect(trades.append(key, run(columns(10, last, 9000)))).toBeNull();
    // Later, but with ids inside the stored ids' range: possibly a resend.
    expect(trades.append(key, run(columns(10, last + 1, 5000)))).toBeNull();
    // Ids that do not rise, and text ids.
    const falling = columns(3, last + 1, 9000);
    falling.id.reverse();
    expect(trades.append(key, run(falling))).toBeNull();
    const text = columns(3, last + 1, 9000);
    text.id[1] = 'a-1';
    expect(trades.append(key, run(text))).toBeNull();
    expect(trades.count(key)).toBe(5000);
  });
});
