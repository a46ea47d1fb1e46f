import { canonicalJson } from '../features/feature-set.js';
import { sha256Hex } from '../features/sha256.js';

/**
 * The audit log of trading: every signal, decision, order, fill, refusal, arming and setting
 * change, append-only and hash-chained, so an edit, a deletion or a reordering after the fact
 * is detected by `verifyChain`.
 *
 * Format of one entry: `{ seq, ts, kind, payload, prevHash, hash }`.
 * - `seq` counts from 0 without gaps; `ts` is the time of the fact (ms UTC), given by the caller.
 * - `payload` is canonical JSON text (keys sorted at every depth, the feature sets' canonical
 *   form): stored as the exact bytes that were hashed, so storage cannot reformat it.
 * - `hash = SHA-256(prevHash + canonicalJson({ seq, ts, kind, payload }))` in lowercase hex;
 *   the first entry's `prevHash` is GENESIS (64 zeros).
 *
 * A chain cannot prove its own last entries were not cut off: keep the head (`seq`, `hash`)
 * somewhere else (the settings file, the window) and pass it to `verifyChain` to catch that.
 */

export const AUDIT_KINDS = ['signal', 'decision', 'order', 'fill', 'refusal', 'arming', 'setting'] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

export const GENESIS = '0'.repeat(64);

export interface AuditEntry {
  readonly seq: number;
  readonly ts: number;
  readonly kind: AuditKind;
  /** Canonical JSON text. */
  readonly payload: string;
  readonly prevHash: string;
  readonly hash: string;
}

export function hashEntry(
  prevHash: string,
  entry: Pick<AuditEntry, 'seq' | 'ts' | 'kind' | 'payload'>,
): string {
  return sha256Hex(
    prevHash + canonicalJson({ seq: entry.seq, ts: entry.ts, kind: entry.kind, payload: entry.payload }),
  );
}

/** The next entry after `prev` (null: the first entry of a chain). */
export function chainEntry(
  prev: AuditEntry | null,
  ts: number,
  kind: AuditKind,
  payload: unknown,
): AuditEntry {
  if (!Number.isSafeInteger(ts)) throw new RangeError(`audit ts must be integer ms, got ${ts}`);
  if (!AUDIT_KINDS.includes(kind)) throw new RangeError(`unknown audit kind ${kind}`);
  assertJson(payload, 'payload');
  const seq = prev === null ? 0 : prev.seq + 1;
  const prevHash = prev === null ? GENESIS : prev.hash;
  const text = canonicalJson(payload);
  return {
    seq,
    ts,
    kind,
    payload: text,
    prevHash,
    hash: hashEntry(prevHash, { seq, ts, kind, payload: text }),
  };
}

/** An append-only chain in memory; a host persists each entry as it is appended. */
export class AuditChain {
  private readonly list: AuditEntry[] = [];

  /** Continues a stored chain (verify it first). */
  constructor(existing: readonly AuditEntry[] = []) {
    this.list.push(...existing);
  }

  append(ts: number, kind: AuditKind, payload: unknown): AuditEntry {
    const entry = chainEntry(this.list[this.list.length - 1] ?? null, ts, kind, payload);
    this.list.push(entry);
    return entry;
  }

  entries(): readonly AuditEntry[] {
    return this.list;
  }

  /** Where the chain ends: keep it outside the log to detect a cut-off tail. */
  head(): { readonly seq: number; readonly hash: string } {
    const last = this.list[this.list.length - 1];
    return last === undefined ? { seq: -1, hash: GENESIS } : { seq: last.seq, hash: last.hash };
  }
}

export type ChainBreak =
  /** The first entry is not seq 0 or does not start from GENESIS. */
  | 'bad_genesis'
  /** The entry's content no longer matches its hash. */
  | 'edited'
  /** One or more entries before this one are missing. */
  | 'deleted'
  /** Entries are out of seq order. */
  | 'reordered'
  /** The entry is consistent but does not follow the previous one: it or its predecessor was rewritten and rehashed. */
  | 'broken_link'
  /** The chain ends before the head kept elsewhere (or the head's hash differs). */
  | 'truncated';

export type ChainVerdict =
  | {
      readonly ok: true;
      readonly count: number;
      readonly head: { readonly seq: number; readonly hash: string };
    }
  | { readonly ok: false; readonly seq: number; readonly why: ChainBreak; readonly detail: string };

/** Walks the chain from its start; reports the first broken seq and why. */
export function verifyChain(
  entries: readonly AuditEntry[],
  head?: { readonly seq: number; readonly hash: string },
): ChainVerdict {
  let prev: AuditEntry | null = null;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (entry === undefined) break;
    if (prev === null) {
      if (entry.seq !== 0 || entry.prevHash !== GENESIS)
        return broken(
          entry.seq,
          'bad_genesis',
          `the chain starts at seq ${entry.seq} with prevHash ${short(entry.prevHash)}`,
        );
    } else {
      const expected = prev.seq + 1;
      if (entry.seq !== expected) {
        const later = entries.slice(i + 1).some((e) => e.seq === expected);
        if (entry.seq < expected || later)
          return broken(entry.seq, 'reordered', `seq ${entry.seq} comes after seq ${prev.seq}`);
        return broken(entry.seq, 'deleted', `seq ${expected} to ${entry.seq - 1} are missing`);
      }
    }
    if (hashEntry(entry.prevHash, entry) !== entry.hash)
      return broken(entry.seq, 'edited', `the content of seq ${entry.seq} does not match its hash`);
    if (prev !== null && entry.prevHash !== prev.hash)
      return broken(entry.seq, 'broken_link', `seq ${entry.seq} does not chain to seq ${prev.seq}`);
    prev = entry;
  }
  const last = prev === null ? { seq: -1, hash: GENESIS } : { seq: prev.seq, hash: prev.hash };
  if (head !== undefined && (head.seq !== last.seq || head.hash !== last.hash))
    return broken(
      last.seq + 1,
      'truncated',
      `the chain ends at seq ${last.seq}, the kept head is seq ${head.seq}`,
    );
  return { ok: true, count: entries.length, head: last };
}

/** CSV with a header; the payload and any text field are quoted as RFC 4180 asks. */
export function auditCsv(entries: readonly AuditEntry[]): string {
  const lines = ['seq,ts,time,kind,payload,prevHash,hash'];
  for (const e of entries)
    lines.push(
      [
        String(e.seq),
        String(e.ts),
        new Date(e.ts).toISOString(),
        e.kind,
        csvField(e.payload),
        e.prevHash,
        e.hash,
      ].join(','),
    );
  return `${lines.join('\r\n')}\r\n`;
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function broken(seq: number, why: ChainBreak, detail: string): ChainVerdict {
  return { ok: false, seq, why, detail };
}

function short(hash: string): string {
  return hash.length > 12 ? `${hash.slice(0, 12)}...` : hash;
}

/** Only JSON data is hashed: NaN, Infinity and undefined would not survive a round trip. */
function assertJson(value: unknown, path: string): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`${path} is ${value}: not JSON`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      assertJson(v, `${path}[${i}]`);
    });
    return;
  }
  if (typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) assertJson(v, `${path}.${key}`);
    return;
  }
  throw new RangeError(`${path} is ${typeof value}: not JSON`);
}
