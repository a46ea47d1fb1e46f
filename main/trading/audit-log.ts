import path from 'node:path';
import { z } from 'zod';
import {
  auditCsv,
  chainEntry,
  verifyChain,
  type AuditEntry,
  type AuditKind,
} from '../../shared/trading/audit-chain.js';
import type { SqliteDatabase } from '../storage/database.js';
import { ensureOwnerDir, writeOwnerFile } from '../storage/owner-only.js';

/**
 * The trading audit log in the workspace database: every entry is chained to the one before
 * (shared/trading/audit-chain.ts) and inserted, never updated or deleted (the table's triggers
 * refuse both). The chain head is kept in the settings as well: a chain alone cannot prove its
 * tail was not cut off, the head can.
 */

export const AUDIT_HEAD_SETTING = 'trading.audit.head';
const headSchema = z.object({ seq: z.number().int(), hash: z.string() });
type Head = z.infer<typeof headSchema>;

export interface AuditSettings {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

interface AuditRecord {
  seq: number;
  ts: number;
  kind: AuditKind;
  payload: string;
  prev_hash: string;
  hash: string;
}

function entryOf(r: AuditRecord): AuditEntry {
  return { seq: r.seq, ts: r.ts, kind: r.kind, payload: r.payload, prevHash: r.prev_hash, hash: r.hash };
}

export interface AuditVerdict {
  readonly ok: boolean;
  readonly entries: number;
  readonly brokenAt: number | null;
  readonly reason: string | null;
}

export class AuditLog {
  private last: AuditEntry | null;
  private readonly sql;

  constructor(
    db: SqliteDatabase,
    private readonly settings: AuditSettings,
  ) {
    this.sql = {
      insert: db.prepare(
        'INSERT INTO trading_audit (seq, ts, kind, payload, prev_hash, hash) VALUES (@seq, @ts, @kind, @payload, @prevHash, @hash)',
      ),
      last: db.prepare<[], AuditRecord>('SELECT * FROM trading_audit ORDER BY seq DESC LIMIT 1'),
      all: db.prepare<[], AuditRecord>('SELECT * FROM trading_audit ORDER BY seq'),
      newest: db.prepare<[number], AuditRecord>('SELECT * FROM trading_audit ORDER BY seq DESC LIMIT ?'),
      newestOfKind: db.prepare<[string, number], AuditRecord>(
        'SELECT * FROM trading_audit WHERE kind = ? ORDER BY seq DESC LIMIT ?',
      ),
    };
    const last = this.sql.last.get();
    this.last = last === undefined ? null : entryOf(last);
    this.transaction = db.transaction((entry: AuditEntry) => {
      this.sql.insert.run(entry);
      this.settings.set(AUDIT_HEAD_SETTING, { seq: entry.seq, hash: entry.hash });
    });
  }

  private readonly transaction: (entry: AuditEntry) => void;

  /** Appends one fact; the row and the head move together or not at all. */
  append(ts: number, kind: AuditKind, payload: unknown): AuditEntry {
    const entry = chainEntry(this.last, ts, kind, payload);
    this.transaction(entry);
    this.last = entry;
    return entry;
  }

  /** Newest first. */
  list(limit: number, kind?: AuditKind): AuditEntry[] {
    const rows = kind === undefined ? this.sql.newest.all(limit) : this.sql.newestOfKind.all(kind, limit);
    return rows.map(entryOf);
  }

  head(): Head | undefined {
    const value = this.settings.get(AUDIT_HEAD_SETTING);
    return value === undefined ? undefined : headSchema.parse(value);
  }

  /** Re-hashes the whole chain from the table against the head kept in the settings. */
  verify(): AuditVerdict {
    const entries = this.sql.all.all().map(entryOf);
    const verdict = verifyChain(entries, this.head() ?? { seq: -1, hash: '0'.repeat(64) });
    if (verdict.ok) return { ok: true, entries: verdict.count, brokenAt: null, reason: null };
    return {
      ok: false,
      entries: entries.length,
      brokenAt: Math.max(0, verdict.seq),
      reason: `${verdict.why}: ${verdict.detail}`,
    };
  }

  /** The whole log as CSV in `<exportsDir>/audit-<ts>.csv`. */
  exportCsv(exportsDir: string, now: number): { fileName: string; path: string; content: string } {
    const content = auditCsv(this.sql.all.all().map(entryOf));
    const fileName = `audit-${new Date(now).toISOString().replace(/[:.]/g, '-')}.csv`;
    ensureOwnerDir(exportsDir);
    const file = path.join(exportsDir, fileName);
    writeOwnerFile(file, content);
    return { fileName, path: file, content };
  }
}
