import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  applyMigrations,
  openDatabase,
  userVersion,
  type SqliteDatabase,
} from '../../../../../main/storage/database.js';
import { GapLedger } from '../../../../../main/storage/gap-ledger.js';
import { MarketStore } from '../../../../../main/storage/market-store.js';
import { MIGRATIONS } from '../../../../../main/storage/migrations/index.js';

describe('migration 0013_idempotent_runs', () => {
  let db: SqliteDatabase;

  beforeEach(() => {
    db = openDatabase(':memory:', { migrations: MIGRATIONS.slice(0, 12) });
    db.prepare(
      `INSERT INTO instruments (key, id, exchange, symbol, base, quote, tick_size, lot_size)
       VALUES (1, 'demo:DEMO/USD', 'demo', 'DEMO/USD', 'DEMO', 'USD', 0.01, 0.001)`,
    ).run();
  });

  afterEach(() => {
    db.close();
  });

  const signal = (ts: number, source: string, direction: string, strength: number) =>
    db
      .prepare(
        `INSERT INTO signals (instrument, ts, source, direction, strength, price) VALUES (1, ?, ?, ?, ?, 100)`,
      )
      .run(ts, source, direction, strength);
  const gap = (kind: string, from: number, to: number, reason: string) =>
    db
      .prepare(
        `INSERT INTO gap_ledger (instrument, kind, from_ts, to_ts, reason, recorded_at)
         VALUES ('demo:DEMO/USD', ?, ?, ?, ?, 1)`,
      )
      .run(kind, from, to, reason);

  const signals = () =>
    db.prepare('SELECT id, ts, source, direction, strength FROM signals ORDER BY id').all();

  it('keeps the first of each duplicated signal and gap, and nothing else changes', () => {
    // Three runs over the same range wrote the same two signals three times.
    for (let run = 0; run < 3; run++) {
      signal(1_000, 'imbalance', 'long', 0.5 + run / 10);
      signal(2_000, 'imbalance', 'short', -0.5);
    }
    signal(1_000, 'ml:7', 'flat', 0);
    gap('trades', 10, 20, 'first run');
    gap('trades', 10, 20, 'second run');
    gap('book', 10, 20, 'book resync');

    applyMigrations(db, MIGRATIONS);

    expect(userVersion(db)).toBe(MIGRATIONS.length);
    expect(signals()).toEqual([
      { id: 1, ts: 1_000, source: 'imbalance', direction: 'long', strength: 0.5 },
      { id: 2, ts: 2_000, source: 'imbalance', direction: 'short', strength: -0.5 },
      { id: 7, ts: 1_000, source: 'ml:7', direction: 'flat', strength: 0 },
    ]);
    expect(db.prepare('SELECT kind, reason FROM gap_ledger ORDER BY id').all()).toEqual([
      { kind: 'trades', reason: 'first run' },
      { kind: 'book', reason: 'book resync' },
    ]);
  });

  it('refuses a duplicate afterwards, and the writers skip it instead of failing', () => {
    applyMigrations(db, MIGRATIONS);
    signal(1_000, 'imbalance', 'long', 0.5);
    expect(() => signal(1_000, 'imbalance', 'short', -0.5)).toThrow(/UNIQUE constraint failed/);

    const store = new MarketStore(db);
    const again = {
      instrument: 'demo:DEMO/USD',
      ts: 1_000,
      source: 'imbalance',
      direction: 'long',
      strength: 0.9,
      price: 101,
    } as const;
    const next = { ...again, ts: 3_000 };
    expect(store.insertSignals([again, next])).toBe(1);
    expect(store.recentSignals('demo:DEMO/USD', 10).map((s) => [s.ts, s.strength])).toEqual([
      [1_000, 0.5],
      [3_000, 0.9],
    ]);

    const ledger = new GapLedger(db, () => 5);
    const first = ledger.record({
      instrument: 'demo:DEMO/USD',
      kind: 'trades',
      fromTs: 1,
      toTs: 2,
      reason: 'a',
    });
    const second = ledger.record({
      instrument: 'demo:DEMO/USD',
      kind: 'trades',
      fromTs: 1,
      toTs: 2,
      reason: 'b',
    });
    expect(second).toEqual(first);
    expect(ledger.list()).toHaveLength(1);
  });

  it('serves the time-ordered signal query from the unique index', () => {
    applyMigrations(db, MIGRATIONS);
    const plan = db
      .prepare('EXPLAIN QUERY PLAN SELECT ts FROM signals WHERE instrument = 1 ORDER BY ts DESC LIMIT 5')
      .all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toContain('signals_once');
  });
});
