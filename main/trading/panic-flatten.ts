import type { FlattenOrder } from '../../shared/api/domains/trading.js';
import type { AuditKind } from '../../shared/trading/audit-chain.js';
import { messageOf, type OrderOutcome, type VenueOrder } from './venue.js';

/**
 * The panic's second choice: after every order is cancelled, each position is closed with a
 * reduce-only market order that goes through the venue's own path, so the risk gate still has
 * the last word. Each order is audited with what became of it; a refusal is returned and
 * audited, never dropped, so the trader learns which position is still open and why.
 */

export interface HeldPosition {
  readonly instrument: string;
  /** Base units: positive long, negative short. */
  readonly quantity: number;
}

export interface FlattenContext {
  readonly venue: string;
  readonly why: string;
  readonly record: (ts: number, kind: AuditKind, payload: unknown) => void;
  readonly clock: () => number;
  /** Sends one closing order the venue's way (gate included). */
  readonly place: (instrument: string, order: VenueOrder) => Promise<OrderOutcome>;
}

/** The market order that closes a position: the opposite side, its whole size, reduce-only. */
export function closingOrder(position: HeldPosition): VenueOrder {
  return {
    side: position.quantity > 0 ? 'sell' : 'buy',
    type: 'market',
    quantity: Math.abs(position.quantity),
    timeInForce: 'ioc',
    postOnly: false,
    reduceOnly: true,
  };
}

/** Sends a closing order for each open position, one after the other; audits each outcome. */
export async function flattenPositions(
  positions: readonly HeldPosition[],
  context: FlattenContext,
): Promise<FlattenOrder[]> {
  const out: FlattenOrder[] = [];
  for (const position of positions) {
    if (!Number.isFinite(position.quantity) || position.quantity === 0) continue;
    const order = closingOrder(position);
    let outcome: OrderOutcome;
    try {
      outcome = await context.place(position.instrument, order);
    } catch (error) {
      outcome = { ok: false, limit: 'error', reason: messageOf(error) };
    }
    const head = {
      venue: context.venue,
      instrument: position.instrument,
      side: order.side,
      quantity: order.quantity,
    };
    const result: FlattenOrder = outcome.ok
      ? { ok: true, ...head, clientId: outcome.clientId }
      : { ok: false, ...head, limit: outcome.limit, reason: outcome.reason };
    context.record(context.clock(), 'decision', { action: 'flatten', why: context.why, ...result });
    out.push(result);
  }
  return out;
}
