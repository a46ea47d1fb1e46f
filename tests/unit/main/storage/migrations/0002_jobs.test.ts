import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, userVersion, type SqliteDatabase } from '../../../../../main/storage/database.js';
import { migration0001 } from '../../../../../main/storage/migrations/0001_initial.js';
import { migration0002 } from '../../../../../main/storage/migrations/0002_jobs.js';

describe('migration 0002_jobs', () => {
  let db: SqliteDatabase;

  beforeEach(() => {
    db = openDatabase(':memory:', { migrations: [migration0001, migration0002] });
  });

  afterEach(() => {
    db.close();
  });

  const insert = (state: string, result: string | null) =>
    db
      .prepare(
        `INSERT INTO jobs (id, kind, title, state, unit, result, started_at) VALUES (?, 'import', 't', ?, 'rows', ?, 1)`,
      )
      .run(`${state}-${String(result)}`, state, result);

  it('sets the schema version to 2 and creates a STRICT jobs table', () => {
    expect(userVersion(db)).toBe(2);
    const table = db.prepare("SELECT strict FROM pragma_table_list WHERE name = 'jobs'").get() as {
      strict: number;
    };
    expect(table.strict).toBe(1);
  });

  it('accepts the four job states and refuses any other', () => {
    for (const state of ['running', 'done', 'failed', 'cancelled']) insert(state, null);
    expect(() => insert('paused', null)).toThrow(/CHECK constraint failed/);
  });

  it('refuses a result that is not JSON', () => {
    insert('done', '{"rows": 3}');
    expect(() => insert('done', '{rows: 3')).toThrow(/CHECK constraint failed/);
  });
});
