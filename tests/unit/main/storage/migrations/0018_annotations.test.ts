import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, userVersion, type SqliteDatabase } from '../../../../../main/storage/database.js';
import { MIGRATIONS } from '../../../../../main/storage/migrations/index.js';
import { migration0018 } from '../../../../../main/storage/migrations/0018_annotations.js';

describe('migration 0018_annotations', () => {
  let db: SqliteDatabase;

  beforeEach(() => {
    db = openDatabase(':memory:', { migrations: MIGRATIONS.slice(0, MIGRATIONS.indexOf(migration0018) + 1) });
    db.prepare(
      `INSERT INTO instruments (id, exchange, symbol, base, quote, tick_size, lot_size)
       VALUES ('binance:BTC/USDT', 'binance', 'BTC/USDT', 'BTC', 'USDT', 0.01, 0.00001)`,
    ).run();
  });
  afterEach(() => {
    db.close();
  });

  const insert = (mark: {
    instrument?: number;
    kind?: unknown;
    from?: number;
    to?: number;
    label?: string;
    note?: string;
    context?: string;
  }) =>
    db
      .prepare(
        `INSERT INTO annotations (instrument, kind, from_ts, to_ts, label, note, created_at, context)
         VALUES (?, ?, ?, ?, ?, ?, 1, ?)`,
      )
      .run(
        mark.instrument ?? 1,
        mark.kind ?? 'range',
        mark.from ?? 1_000,
        mark.to ?? 2_000,
        mark.label ?? 'breakout',
        mark.note ?? '',
        mark.context ?? '{}',
      );

  it('creates a STRICT table at its version', () => {
    expect(userVersion(db)).toBe(migration0018.version);
    expect(
      db
        .prepare("SELECT name FROM pragma_table_list WHERE name = 'annotations' AND strict = 1")
        .pluck()
        .all(),
    ).toEqual(['annotations']);
  });

  it('keeps points at one time and ranges that end after they start', () => {
    insert({ kind: 'point', from: 5_000, to: 5_000 });
    insert({ kind: 'range', from: 5_000, to: 6_000 });
    expect(db.prepare('SELECT kind, from_ts, to_ts FROM annotations ORDER BY id').raw().all()).toEqual([
      ['point', 5_000, 5_000],
      ['range', 5_000, 6_000],
    ]);
    expect(() => insert({ kind: 'point', from: 5_000, to: 6_000 })).toThrow(/CHECK constraint failed/);
    expect(() => insert({ kind: 'range', from: 5_000, to: 5_000 })).toThrow(/CHECK constraint failed/);
    expect(() => insert({ kind: 'line' })).toThrow(/CHECK constraint failed/);
    expect(() => insert({ from: -1, to: 10 })).toThrow(/CHECK constraint failed/);
  });

  it('refuses empty or padded labels, invalid context JSON and unknown instruments', () => {
    expect(() => insert({ label: '' })).toThrow(/CHECK constraint failed/);
    expect(() => insert({ label: ' breakout' })).toThrow(/CHECK constraint failed/);
    expect(() => insert({ context: '{not json' })).toThrow(/CHECK constraint failed/);
    expect(() => insert({ instrument: 99 })).toThrow(/FOREIGN KEY constraint failed/);
  });

  it('deletes the marks of a deleted instrument', () => {
    insert({});
    db.prepare('DELETE FROM instruments WHERE key = 1').run();
    expect(db.prepare('SELECT count(*) FROM annotations').pluck().get()).toBe(0);
  });
});
