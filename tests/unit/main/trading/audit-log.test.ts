import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, userVersion, type SqliteDatabase } from '../../../../main/storage/database.js';
import { MIGRATIONS } from '../../../../main/storage/migrations/index.js';
import { AUDIT_HEAD_SETTING, AuditLog } from '../../../../main/trading/audit-log.js';
import { GENESIS, hashEntry } from '../../../../shared/trading/audit-chain.js';

describe('audit log in SQLite (migration 0009)', () => {
  let db: SqliteDatabase;
  let settings: Map<string, unknown>;
  let log: AuditLog;

  beforeEach(() => {
    db = openDatabase(':memory:');
    settings = new Map();
    log = new AuditLog(db, { get: (k) => settings.get(k), set: (k, v) => settings.set(k, v) });
  });

  afterEach(() => {
    db.close();
  });

  it('migrates to version 9 with the trading tables STRICT', () => {
    const only = openDatabase(':memory:', { migrations: MIGRATIONS.slice(0, 9) });
    expect(userVersion(only)).toBe(9);
    const strict = only
      .prepare(
        "SELECT name FROM pragma_table_list WHERE strict = 1 AND (name LIKE 'trading_%' OR name LIKE 'paper_%' OR name LIKE 'live_%') ORDER BY name",
      )
      .pluck()
      .all();
    expect(strict).toEqual([
      'live_fills',
      'live_order_counters',
      'live_orders',
      'paper_account',
      'paper_fills',
      'paper_positions',
      'trading_audit',
    ]);
    only.close();
  });

  it('chains entries from GENESIS, stores the head in the settings and lists newest first', () => {
    const a = log.append(1_000, 'setting', { action: 'limits', after: { maxOrderQuantity: 2 } });
    const b = log.append(1_001, 'order', { action: 'sent', clientId: 'x-1' });
    expect(a.prevHash).toBe(GENESIS);
    expect(b.prevHash).toBe(a.hash);
    expect(b.hash).toBe(hashEntry(a.hash, b));
    expect(settings.get(AUDIT_HEAD_SETTING)).toEqual({ seq: 1, hash: b.hash });
    expect(log.list(10).map((e) => e.seq)).toEqual([1, 0]);
    expect(log.list(10, 'setting').map((e) => e.seq)).toEqual([0]);
    expect(log.verify()).toEqual({ ok: true, entries: 2, brokenAt: null, reason: null });
  });

  it('continues the chain of a reopened log', () => {
    const a = log.append(1_000, 'arming', { action: 'armed' });
    const reopened = new AuditLog(db, { get: (k) => settings.get(k), set: (k, v) => settings.set(k, v) });
    const b = reopened.append(1_002, 'arming', { action: 'disarmed' });
    expect(b).toMatchObject({ seq: 1, prevHash: a.hash });
    expect(reopened.verify().ok).toBe(true);
  });

  it('refuses UPDATE and DELETE in the database itself', () => {
    log.append(1_000, 'fill', { clientId: 'x-1', quantity: 1 });
    expect(() => db.prepare("UPDATE trading_audit SET payload = '{}'").run()).toThrow(
      'trading_audit is append-only',
    );
    expect(() => db.prepare('DELETE FROM trading_audit').run()).toThrow('trading_audit is append-only');
  });

  it('catches a cut-off tail against the head kept in the settings', () => {
    for (let i = 0; i < 3; i++) log.append(1_000 + i, 'order', { n: i });
    db.exec('DROP TRIGGER trading_audit_no_delete');
    db.prepare('DELETE FROM trading_audit WHERE seq = 2').run();
    expect(log.verify()).toEqual({
      ok: false,
      entries: 2,
      brokenAt: 2,
      reason: 'truncated: the chain ends at seq 1, the kept head is seq 2',
    });
  });

  it('catches an edited row and names it', () => {
    for (let i = 0; i < 3; i++) log.append(1_000 + i, 'order', { n: i });
    db.exec('DROP TRIGGER trading_audit_no_update');
    db.prepare(`UPDATE trading_audit SET payload = '{"n":7}' WHERE seq = 1`).run();
    expect(log.verify()).toMatchObject({
      ok: false,
      brokenAt: 1,
      reason: 'edited: the content of seq 1 does not match its hash',
    });
  });

  it('exports the whole log as CSV into the exports folder', () => {
    log.append(Date.UTC(2026, 0, 2), 'refusal', { limit: 'max_position', reason: 'a, "quoted" reason' });
    const dir = mkdtempSync(path.join(tmpdir(), 'tw-audit-'));
    try {
      const out = log.exportCsv(dir, Date.UTC(2026, 0, 2, 3, 4, 5, 6));
      expect(out.fileName).toBe('audit-2026-01-02T03-04-05-006Z.csv');
      expect(readFileSync(out.path, 'utf8')).toBe(out.content);
      const [header, row] = out.content.split('\r\n');
      expect(header).toBe('seq,ts,time,kind,payload,prevHash,hash');
      // JSON escapes the quote (\"), then CSV doubles every quote inside the quoted field.
      expect(row).toContain(
        `,2026-01-02T00:00:00.000Z,refusal,"{""limit"":""max_position"",""reason"":""a, \\""quoted\\"" reason""}",${'0'.repeat(64)},`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
