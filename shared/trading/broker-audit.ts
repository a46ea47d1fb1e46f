import type { AuditChain, AuditEntry, AuditKind } from './audit-chain.js';
import type { BrokerEvent } from './paper-broker.js';

/**
 * What a broker event says in the audit log: its kind and a JSON payload. Numbers that are not
 * JSON (NaN: "no value", e.g. a market order's limit price) are written as null, and a fact
 * without a market time (an order refused before any data) takes the host's clock.
 */
export interface AuditRecord {
  readonly ts: number;
  readonly kind: AuditKind;
  readonly payload: unknown;
}

export function brokerAuditRecord(event: BrokerEvent, instrument: string, hostTs: number): AuditRecord {
  switch (event.kind) {
    case 'sent':
      return record(event.ts, hostTs, 'order', { instrument, action: 'sent', intent: event.intent });
    case 'refused':
      return record(event.ts, hostTs, 'refusal', { instrument, intent: event.intent, ...event.refusal });
    case 'order':
      return record(event.event.ts, hostTs, 'order', {
        instrument,
        action: event.event.kind,
        event: event.event,
      });
    case 'fill':
      return record(event.fill.ts, hostTs, 'fill', { instrument, ...event.fill });
    case 'tripped':
      return record(event.trip.ts, hostTs, 'arming', { instrument, action: 'tripped', ...event.trip });
    case 'armed':
      return record(event.ts, hostTs, 'arming', {
        instrument,
        action: event.armed ? 'armed' : 'disarmed',
        why: event.why,
      });
    case 'reset':
      return record(event.ts, hostTs, 'setting', {
        instrument,
        action: 'reset',
        initialCash: event.initialCash,
      });
    default:
      return event satisfies never;
  }
}

/** Appends a broker event to the chain. */
export function auditBrokerEvent(
  chain: AuditChain,
  event: BrokerEvent,
  instrument: string,
  hostTs: number,
): AuditEntry {
  const r = brokerAuditRecord(event, instrument, hostTs);
  return chain.append(r.ts, r.kind, r.payload);
}

function record(ts: number, hostTs: number, kind: AuditKind, payload: unknown): AuditRecord {
  return { ts: Number.isSafeInteger(ts) ? ts : hostTs, kind, payload: jsonSafe(payload) };
}

function jsonSafe(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = jsonSafe(v);
    return out;
  }
  return value;
}
