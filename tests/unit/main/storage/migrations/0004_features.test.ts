import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, userVersion, type SqliteDatabase } from '../../../../../main/storage/database.js';
import { migration0001 } from '../../../../../main/storage/migrations/0001_initial.js';
import { migration0002 } from '../../../../../main/storage/migrations/0002_jobs.js';
import { migration0003 } from '../../../../../main/storage/migrations/0003_gap_ledger.js';
import { migration0004 } from '../../../../../main/storage/migrations/0004_features.js';

describe('migration 0004_features', () => {
  let db: SqliteDatabase;

  beforeEach(() => {
    db = openDatabase(':memory:', {
      migrations: [migration0001, migration0002, migration0003, migration0004],
    });
  });

  afterEach(() => {
    db.close();
  });

  const insertMatrix = (from: number, to: number) =>
    db
      .prepare(
        `INSERT INTO feature_matrices (set_hash, instrument, from_ts, to_ts, columns, rows, events, built_at)
         VALUES ('h', 'demo:X', ?, ?, '["a"]', 0, 0, 1) RETURNING id`,
      )
      .get(from, to) as { id: number };

  it('sets the schema version to 4 with STRICT tables', () => {
    expect(userVersion(db)).toBe(4);
    const strict = db
      .prepare("SELECT name FROM pragma_table_list WHERE name LIKE 'feature_%' AND strict = 1 ORDER BY name")
      .pluck()
      .all();
    expect(strict).toEqual([
      'feature_matrices',
      'feature_matrix_chunks',
      'feature_normalizations',
      'feature_sets',
    ]);
  });

  it('keeps one cached matrix per (set hash, instrument, range) and refuses an empty range', () => {
    insertMatrix(0, 10);
    expect(() => insertMatrix(0, 10)).toThrow(/UNIQUE/);
    expect(() => insertMatrix(10, 10)).toThrow(/CHECK/);
  });

  it('drops the chunks of a deleted matrix', () => {
    const { id } = insertMatrix(0, 10);
    db.prepare(
      `INSERT INTO feature_matrix_chunks (matrix, chunk, rows, ts, vals) VALUES (?, 0, 0, x'', x'')`,
    ).run(id);
    db.prepare('DELETE FROM feature_matrices WHERE id = ?').run(id);
    expect(db.prepare('SELECT count(*) FROM feature_matrix_chunks').pluck().get()).toBe(0);
  });

  it('refuses a set spec that is not JSON', () => {
    const insert = db.prepare(
      `INSERT INTO feature_sets (id, name, instrument, hash, spec, created_at) VALUES (?, 'n', 'i', 'h', ?, 1)`,
    );
    insert.run('a', '{"features": []}');
    expect(() => insert.run('b', '{features')).toThrow(/CHECK/);
  });
});
