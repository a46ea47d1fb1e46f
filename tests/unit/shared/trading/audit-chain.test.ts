import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  AuditChain,
  auditCsv,
  GENESIS,
  hashEntry,
  verifyChain,
  type AuditEntry,
} from '../../../../shared/trading/audit-chain.js';

function sampleChain(): AuditChain {
  const chain = new AuditChain();
  chain.append(1000, 'arming', { armed: true, exchange: 'paper' });
  chain.append(2000, 'signal', { instrument: 'demo:DEMO/USD', value: 0.42 });
  chain.append(2001, 'order', { clientId: 'obi-1', side: 'buy', quantity: 1 });
  chain.append(2050, 'fill', { clientId: 'obi-1', price: 100.5, quantity: 1, fee: 0.1005 });
  chain.append(3000, 'refusal', { limit: 'max_position', value: 2, boundary: 1 });
  return chain;
}

describe('audit chain', () => {
  it('hashes the previous hash and the canonical entry with SHA-256', () => {
    const chain = new AuditChain();
    const entry = chain.append(1000, 'setting', { b: 2, a: { d: 1, c: [3, 'x'] } });
    expect(entry.payload).toBe('{"a":{"c":[3,"x"],"d":1},"b":2}');
    const canonical =
      '{"kind":"setting","payload":"{\\"a\\":{\\"c\\":[3,\\"x\\"],\\"d\\":1},\\"b\\":2}","seq":0,"ts":1000}';
    const expected = createHash('sha256')
      .update(GENESIS + canonical)
      .digest('hex');
    expect(entry).toEqual({
      seq: 0,
      ts: 1000,
      kind: 'setting',
      payload: entry.payload,
      prevHash: GENESIS,
      hash: expected,
    });
    const next = chain.append(1001, 'decision', { go: true });
    expect(next.prevHash).toBe(expected);
    expect(next.hash).toBe(hashEntry(expected, next));
  });

  it('verifies an untouched chain and reports its head', () => {
    const chain = sampleChain();
    const entries = chain.entries();
    expect(verifyChain(entries, chain.head())).toEqual({
      ok: true,
      count: 5,
      head: { seq: 4, hash: entries[4]?.hash },
    });
    expect(verifyChain([])).toEqual({ ok: true, count: 0, head: { seq: -1, hash: GENESIS } });
  });

  it('detects an edited payload at its seq', () => {
    const entries = [...sampleChain().entries()];
    const fill = entries[3] as AuditEntry;
    entries[3] = { ...fill, payload: fill.payload.replace('100.5', '99.5') };
    expect(verifyChain(entries)).toMatchObject({ ok: false, seq: 3, why: 'edited' });
  });

  it('detects an entry edited and rehashed by the link to the next one', () => {
    const entries = [...sampleChain().entries()];
    const fill = entries[3] as AuditEntry;
    const payload = fill.payload.replace('100.5', '99.5');
    entries[3] = { ...fill, payload, hash: hashEntry(fill.prevHash, { ...fill, payload }) };
    expect(verifyChain(entries)).toMatchObject({ ok: false, seq: 4, why: 'broken_link' });
  });

  it('detects a deleted entry at the first seq after the gap', () => {
    const entries = [...sampleChain().entries()];
    entries.splice(2, 1);
    expect(verifyChain(entries)).toEqual({
      ok: false,
      seq: 3,
      why: 'deleted',
      detail: 'seq 2 to 2 are missing',
    });
  });

  it('detects reordered entries', () => {
    const entries = [...sampleChain().entries()];
    const [a, b] = [entries[1] as AuditEntry, entries[2] as AuditEntry];
    entries[1] = b;
    entries[2] = a;
    expect(verifyChain(entries)).toMatchObject({ ok: false, seq: 2, why: 'reordered' });
  });

  it('detects a bad genesis: the first entry removed, or a forged start', () => {
    const entries = [...sampleChain().entries()];
    expect(verifyChain(entries.slice(1))).toMatchObject({ ok: false, seq: 1, why: 'bad_genesis' });
    const first = entries[0] as AuditEntry;
    const forged = { ...first, prevHash: 'f'.repeat(64) };
    expect(
      verifyChain([{ ...forged, hash: hashEntry(forged.prevHash, forged) }, ...entries.slice(1)]),
    ).toMatchObject({
      ok: false,
      seq: 0,
      why: 'bad_genesis',
    });
  });

  it('detects a cut-off tail against the head kept elsewhere', () => {
    const chain = sampleChain();
    expect(verifyChain(chain.entries().slice(0, 4), chain.head())).toMatchObject({
      ok: false,
      seq: 4,
      why: 'truncated',
    });
  });

  it('refuses a payload that is not JSON data', () => {
    expect(() => new AuditChain().append(1, 'fill', { price: Number.NaN })).toThrow(
      'payload.price is NaN: not JSON',
    );
    expect(() => new AuditChain().append(1.5, 'fill', {})).toThrow(RangeError);
  });

  it('renders CSV with the payload quoted', () => {
    const chain = new AuditChain();
    const e = chain.append(0, 'refusal', { reason: 'max_position, "hard"' });
    expect(auditCsv(chain.entries())).toBe(
      'seq,ts,time,kind,payload,prevHash,hash\r\n' +
        `0,0,1970-01-01T00:00:00.000Z,refusal,"{""reason"":""max_position, \\""hard\\""""}",${GENESIS},${e.hash}\r\n`,
    );
  });
});
