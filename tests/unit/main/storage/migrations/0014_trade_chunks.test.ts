import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  applyMigrations,
  openDatabase,
  userVersion,
  type SqliteDatabase,
} from '../../../../../main/storage/database.js';
import { MarketStore } from '../../../../../main/storage/market-store.js';
import { MIGRATIONS } from '../../../../../main/storage/migrations/index.js';
import { CHUNK_MAX_TRADES } from '../../../../../main/storage/trade-store.js';
import type { Trade } from '../../../../../shared/domain/market.js';
import { createRng } from '../../../../../shared/market/rng.js';

/** The schema just before this migration. */
const BEFORE = MIGRATIONS.findIndex((migration) => migration.name === 'trade_chunks');

interface OldRow {
  instrument: number;
  ts: number;
  seq: number;
  trade_id: string | null;
  price: number;
  amount: number;
  side: number;
}

describe('migration 0014_trade_chunks', () => {
  let db: SqliteDatabase;

  beforeEach(() => {
    db = openDatabase(':memory:', { migrations: MIGRATIONS.slice(0, BEFORE) });
    const instrument = db.prepare(
      `INSERT INTO instruments (key, id, exchange, symbol, base, quote, tick_size, lot_size)
       VALUES (?, ?, 'demo', ?, 'X', 'Y', 0.01, 0.001)`,
    );
    instrument.run(1, 'demo:A/USD', 'A/USD');
    instrument.run(2, 'demo:B/USD', 'B/USD');
    instrument.run(3, 'demo:EMPTY/USD', 'EMPTY/USD');
  });

  afterEach(() => {
    db.close();
  });

  /** Old-layout rows: many per ms, numeric, text and missing ids, prices off the tick grid. */
  function seedOldRows(n: number): OldRow[] {
    const random = createRng(5);
    const insert = db.prepare(
      'INSERT INTO trades (instrument, ts, seq, trade_id, price, amount, side) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const rows: OldRow[] = [];
    let ts = 1_600_000_000_000;
    db.exec('BEGIN');
    for (let i = 0; i < n; i++) {
      // Hour-long silences too, so chunks close on their time span as well as their count.
      ts += random.next() < 0.5 ? 0 : random.next() < 0.999 ? 3 : 4_000_000;
      const kind = random.next();
      const row: OldRow = {
        instrument: i % 3 === 0 ? 2 : 1,
        ts,
        seq: i,
        trade_id: kind < 0.8 ? String(9_000_000_000 + i) : kind < 0.9 ? null : `t-${i}`,
        price: kind < 0.95 ? Math.round((100 + random.next()) * 100) / 100 : 100 + random.next() / 3,
        amount: Math.round(random.next() * 1e5) / 1e3 + 0.001,
        side: random.next() < 0.5 ? 1 : -1,
      };
      insert.run(row.instrument, row.ts, row.seq, row.trade_id, row.price, row.amount, row.side);
      rows.push(row);
    }
    db.exec('COMMIT');
    return rows;
  }

  function asTrade(id: string, row: OldRow): Trade {
    return {
      instrument: id,
      ts: row.ts,
      seq: row.seq,
      id: row.trade_id ?? '',
      price: row.price,
      amount: row.amount,
      side: row.side === 1 ? 'buy' : 'sell',
    };
  }

  it('moves every trade into chunks and reads back identical trades', () => {
    const rows = seedOldRows(CHUNK_MAX_TRADES + 1777);
    applyMigrations(db, MIGRATIONS);
    expect(userVersion(db)).toBe(MIGRATIONS.length);
    const store = new MarketStore(db);
    for (const [key, id] of [
      [1, 'demo:A/USD'],
      [2, 'demo:B/USD'],
    ] as const) {
      const expected = rows.filter((row) => row.instrument === key).map((row) => asTrade(id, row));
      expect(store.countTrades(id)).toBe(expected.length);
      expect(store.recentTrades(id, expected.length)).toEqual(expected);
    }
    expect(store.countTrades('demo:EMPTY/USD')).toBe(0);
    const chunks = db
      .prepare<[], { count: number; span: number }>(
        'SELECT count, last_ts - first_ts AS span FROM trade_chunks',
      )
      .all();
    expect(chunks.every((chunk) => chunk.count <= CHUNK_MAX_TRADES && chunk.span < 3_600_000)).toBe(true);
    expect(chunks.reduce((sum, chunk) => sum + chunk.count, 0)).toBe(rows.length);
  });

  it('drops the old table and its index, leaving a STRICT chunk table', () => {
    applyMigrations(db, MIGRATIONS);
    const names = db
      .prepare<[], string>("SELECT name FROM sqlite_schema WHERE name LIKE 'trade%' ORDER BY name")
      .pluck()
      .all();
    expect(names).toEqual(['trade_chunks', 'trade_chunks_by_max_id']);
    const strict = db
      .prepare<[], number>("SELECT strict FROM pragma_table_list WHERE name = 'trade_chunks'")
      .pluck()
      .get();
    expect(strict).toBe(1);
  });

  it('still refuses a resent trade after the move, by its id', () => {
    const rows = seedOldRows(500);
    applyMigrations(db, MIGRATIONS);
    const store = new MarketStore(db);
    const old = rows.find(
      (row) => row.instrument === 1 && row.trade_id !== null && /^\d+$/.test(row.trade_id),
    );
    if (old === undefined) throw new Error('the seed has a numeric id on instrument 1');
    expect(store.insertTrades([{ ...asTrade('demo:A/USD', old), seq: 1_000_000 }])).toBe(0);
  });
});
