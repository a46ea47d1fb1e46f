import { describe, expect, it } from 'vitest';
import { liveAuditRecord } from '../../../../../main/trading/live/live-audit.js';
import { exchangeReason } from '../../../../../main/trading/live/ccxt-orders.js';

describe('live broker audit records', () => {
  it('file refusals, fills, arming and order steps under their audit kinds, NaN as null', () => {
    const refused = liveAuditRecord(
      {
        kind: 'refused',
        ts: 5,
        symbol: 'ETH/USDT',
        request: { side: 'buy', type: 'market', quantity: 1 },
        refusal: { ok: false, limit: 'disarmed', value: Number.NaN, boundary: 0, reason: 'disarmed: x' },
      },
      'binance',
    );
    expect(refused).toEqual({
      ts: 5,
      kind: 'refusal',
      payload: {
        exchange: 'binance',
        symbol: 'ETH/USDT',
        request: { side: 'buy', type: 'market', quantity: 1 },
        ok: false,
        limit: 'disarmed',
        value: null,
        boundary: 0,
        reason: 'disarmed: x',
      },
    });
    expect(liveAuditRecord({ kind: 'armed', ts: 1, armed: false, why: 'panic button' }, 'binance')).toEqual({
      ts: 1,
      kind: 'arming',
      payload: { exchange: 'binance', action: 'disarmed', why: 'panic button' },
    });
    expect(
      liveAuditRecord(
        {
          kind: 'rejected',
          ts: 2,
          symbol: 'ETH/USDT',
          clientId: 'tw-s1-1',
          reason: 'r',
          error: 'InvalidOrder',
        },
        'binance',
      ),
    ).toEqual({
      ts: 2,
      kind: 'order',
      payload: {
        exchange: 'binance',
        action: 'rejected',
        symbol: 'ETH/USDT',
        clientId: 'tw-s1-1',
        reason: 'r',
        error: 'InvalidOrder',
      },
    });
  });
});

describe('exchange reason', () => {
  it("keeps the exchange's message and code from a ccxt error", () => {
    expect(
      exchangeReason(
        new Error(
          'binance order amount should be evenly divisible by lot size {"code":-1013,"msg":"Filter failure: LOT_SIZE"}',
        ),
      ),
    ).toBe('Filter failure: LOT_SIZE (code -1013)');
    expect(exchangeReason(new Error('binance Account has insufficient balance for requested action.'))).toBe(
      'Account has insufficient balance for requested action.',
    );
  });
});
