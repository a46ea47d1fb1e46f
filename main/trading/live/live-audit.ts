import type { AuditChain, AuditEntry, AuditKind } from '../../../shared/trading/audit-chain.js';
import type { AuditRecord } from '../../../shared/trading/broker-audit.js';
import type { LiveBrokerEvent } from './live-events.js';

/**
 * A live broker event as an audit entry, in the paper broker's shape (shared/trading/
 * broker-audit.ts): arming -> `arming`, refusals -> `refusal`, fills -> `fill`, every other
 * step of an order's life (sent, accepted, rejected with the exchange's reason, in doubt,
 * reconciled, cancelled, expired) -> `order`. Payloads name the exchange; NaN is written as
 * null (JSON has no NaN).
 */
export function liveAuditRecord(event: LiveBrokerEvent, exchange: string): AuditRecord {
  switch (event.kind) {
    case 'armed':
      return record(event.ts, 'arming', {
        exchange,
        action: event.armed ? 'armed' : 'disarmed',
        why: event.why,
      });
    case 'tripped':
      return record(event.trip.ts, 'arming', { exchange, action: 'tripped', ...event.trip });
    case 'refused':
      return record(event.ts, 'refusal', {
        exchange,
        symbol: event.symbol,
        request: event.request,
        ...event.refusal,
      });
    case 'partially_filled':
    case 'filled':
      return record(event.ts, 'fill', {
        action: event.kind,
        filled: event.filled,
        remaining: event.remaining,
        ...event.fill,
      });
    case 'sent':
    case 'accepted':
    case 'cancelled':
    case 'expired':
    case 'rejected':
    case 'in_doubt':
    case 'reconciled': {
      const { kind, ts, ...rest } = event;
      return record(ts, 'order', { exchange, action: kind, ...rest });
    }
    default:
      return event satisfies never;
  }
}

/** Appends a live broker event to the chain. */
export function auditLiveEvent(chain: AuditChain, event: LiveBrokerEvent, exchange: string): AuditEntry {
  const r = liveAuditRecord(event, exchange);
  return chain.append(r.ts, r.kind, r.payload);
}

function record(ts: number, kind: AuditKind, payload: unknown): AuditRecord {
  return { ts: Math.round(ts), kind, payload: jsonSafe(payload) };
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
