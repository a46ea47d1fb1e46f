import { describe, expect, it } from 'vitest';
import { closingOrder, flattenPositions } from '../../../../main/trading/panic-flatten.js';
import type { OrderOutcome, VenueOrder } from '../../../../main/trading/venue.js';

describe('panic flatten', () => {
  it('closes a long with a sell and a short with a buy, whole size, reduce-only at market', () => {
    expect(closingOrder({ instrument: 'x', quantity: 2.5 })).toEqual({
      side: 'sell',
      type: 'market',
      quantity: 2.5,
      timeInForce: 'ioc',
      postOnly: false,
      reduceOnly: true,
    });
    expect(closingOrder({ instrument: 'x', quantity: -0.3 })).toMatchObject({ side: 'buy', quantity: 0.3 });
  });

  it("reports and audits the gate's refusal and a venue error beside the orders that left", async () => {
    const sent: { instrument: string; order: VenueOrder }[] = [];
    const audit: { ts: number; kind: string; payload: unknown }[] = [];
    const answers: Record<string, () => Promise<OrderOutcome>> = {
      'demo:A': () => Promise.resolve({ ok: true, clientId: 'c-1' }),
      'demo:B': () =>
        Promise.resolve({ ok: false, limit: 'max_order_quantity', reason: 'order quantity 6 over 5' }),
      'demo:C': () => Promise.reject(new Error('exchange unreachable')),
    };
    const result = await flattenPositions(
      [
        { instrument: 'demo:A', quantity: 1 },
        { instrument: 'demo:B', quantity: -6 },
        { instrument: 'demo:C', quantity: 2 },
        { instrument: 'demo:flat', quantity: 0 },
      ],
      {
        venue: 'paper',
        why: 'panic button (flatten)',
        clock: () => 42,
        record: (ts, kind, payload) => audit.push({ ts, kind, payload }),
        place: (instrument, order) => {
          sent.push({ instrument, order });
          const answer = answers[instrument];
          if (answer === undefined) throw new Error(`unexpected ${instrument}`);
          return answer();
        },
      },
    );
    expect(sent.map((s) => [s.instrument, s.order.side, s.order.quantity])).toEqual([
      ['demo:A', 'sell', 1],
      ['demo:B', 'buy', 6],
      ['demo:C', 'sell', 2],
    ]);
    expect(result).toEqual([
      { ok: true, venue: 'paper', instrument: 'demo:A', side: 'sell', quantity: 1, clientId: 'c-1' },
      {
        ok: false,
        venue: 'paper',
        instrument: 'demo:B',
        side: 'buy',
        quantity: 6,
        limit: 'max_order_quantity',
        reason: 'order quantity 6 over 5',
      },
      {
        ok: false,
        venue: 'paper',
        instrument: 'demo:C',
        side: 'sell',
        quantity: 2,
        limit: 'error',
        reason: 'exchange unreachable',
      },
    ]);
    expect(audit).toEqual(
      result.map((r) => ({
        ts: 42,
        kind: 'decision',
        payload: { action: 'flatten', why: 'panic button (flatten)', ...r },
      })),
    );
  });
});
