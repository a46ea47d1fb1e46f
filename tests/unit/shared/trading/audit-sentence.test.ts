import { describe, expect, it } from 'vitest';
import {
  auditContext,
  auditSentence,
  auditVenue,
  inTimeOrder,
  type AuditLine,
} from '../../../../shared/trading/audit-sentence.js';

let seq = 0;
const line = (ts: number, kind: AuditLine['kind'], payload: unknown): AuditLine => ({
  seq: ++seq,
  ts,
  kind,
  payload,
});

// Payloads as the paper broker, the live broker and the service record them.
const sent = line(1_000, 'order', {
  venue: 'paper',
  instrument: 'demo:BTC/USDT',
  action: 'sent',
  intent: {
    kind: 'submit',
    order: { clientId: 'p-1', side: 'buy', type: 'limit', quantity: 0.5, price: 100.25, timeInForce: 'gtc' },
  },
});
const filledEvent = line(1_200, 'order', {
  venue: 'paper',
  instrument: 'demo:BTC/USDT',
  action: 'filled',
  event: { kind: 'filled', clientId: 'p-1', ts: 1_200 },
});
const fill = line(1_200, 'fill', {
  venue: 'paper',
  instrument: 'demo:BTC/USDT',
  ts: 1_200,
  clientId: 'p-1',
  side: 'buy',
  price: 100.25,
  quantity: 0.5,
  liquidity: 'maker',
  fee: 0.01,
});

describe('audit sentences', () => {
  it('says a paper fill as a trade, with the order type and how far it got', () => {
    const context = auditContext([sent, filledEvent, fill]);
    expect(auditSentence(fill, context)).toBe('Paper: bought 0.5 BTC/USDT at 100.25 (limit, filled, maker)');
    expect(auditSentence(sent, context)).toBe('Paper: sent buy 0.5 BTC/USDT at 100.25');
    expect(auditSentence(filledEvent, context)).toBe('Paper: order p-1 on BTC/USDT filled');
  });

  it("says a live venue's partial fill and an exchange rejection", () => {
    const partial = line(2_000, 'fill', {
      venue: 'binance',
      action: 'partially_filled',
      filled: 0.01,
      remaining: 0.02,
      exchange: 'binance',
      symbol: 'ETH/USDT',
      clientId: 'tw-1',
      side: 'sell',
      price: 2001.5,
      quantity: 0.01,
      fee: 0.02,
      liquidity: 'taker',
    });
    expect(auditSentence(partial)).toBe('Binance: sold 0.01 ETH/USDT at 2,001.5 (partially filled, taker)');
    const rejected = line(2_100, 'order', {
      venue: 'binance',
      exchange: 'binance',
      action: 'rejected',
      clientId: 'tw-2',
      symbol: 'ETH/USDT',
      reason: 'insufficient balance',
    });
    expect(auditSentence(rejected)).toBe('Binance: order tw-2 on ETH/USDT rejected: insufficient balance');
  });

  it('gives a refusal with the limit and its reason', () => {
    const refusal = line(3_000, 'refusal', {
      venue: 'paper',
      instrument: 'demo:DEMO/USD',
      intent: { kind: 'submit', order: { clientId: 'p-9', side: 'sell', type: 'market', quantity: 6 } },
      limit: 'max_order_quantity',
      value: 6,
      boundary: 5,
      reason: 'order quantity 6 over 5',
    });
    expect(auditSentence(refusal)).toBe(
      'Paper: refused sell 6 DEMO/USD market by max_order_quantity: order quantity 6 over 5',
    );
  });

  it('says arming, disarming, panic with and without flatten, breakers and flatten orders', () => {
    expect(
      auditSentence(
        line(1, 'arming', {
          venue: 'binance',
          exchange: 'binance',
          action: 'armed',
          why: 'armed by the user',
        }),
      ),
    ).toBe('Binance: armed (armed by the user)');
    expect(
      auditSentence(line(2, 'arming', { venue: 'paper', action: 'disarmed', why: 'disarmed by the user' })),
    ).toBe('Paper: disarmed (disarmed by the user)');
    expect(auditSentence(line(3, 'arming', { venue: 'workspace', action: 'panic', flatten: true }))).toBe(
      'All venues: PANIC: cancel every order, disarm, and flatten every position',
    );
    expect(auditSentence(line(3, 'arming', { venue: 'workspace', action: 'panic', flatten: false }))).toBe(
      'All venues: PANIC: cancel every order and disarm',
    );
    expect(
      auditSentence(
        line(4, 'arming', {
          venue: 'workspace',
          action: 'tripped',
          limit: 'max_daily_loss',
          reason: 'daily loss 600 over 500',
        }),
      ),
    ).toBe('All venues: breaker max_daily_loss tripped: daily loss 600 over 500');
    expect(
      auditSentence(
        line(5, 'decision', {
          venue: 'paper',
          action: 'flatten',
          ok: true,
          instrument: 'demo:DEMO/USD',
          side: 'sell',
          quantity: 1,
          clientId: 'c',
        }),
      ),
    ).toBe('Paper: flatten: sent sell 1 DEMO/USD at market');
    expect(
      auditSentence(
        line(6, 'decision', {
          venue: 'paper',
          action: 'flatten',
          ok: false,
          instrument: 'demo:DEMO/USD',
          side: 'buy',
          quantity: 6,
          limit: 'max_order_quantity',
          reason: 'order quantity 6 over 5',
        }),
      ),
    ).toBe('Paper: flatten refused: buy 6 DEMO/USD by max_order_quantity: order quantity 6 over 5');
    expect(
      auditSentence(
        line(7, 'decision', {
          venue: 'paper',
          action: 'strategy_started',
          kind: 'sma-cross',
          instrument: 'demo:DEMO/USD',
        }),
      ),
    ).toBe('Paper: sma-cross on DEMO/USD started');
    expect(auditSentence(line(8, 'setting', { venue: 'paper', action: 'reset', initialCash: 50_000 }))).toBe(
      'Paper: account reset to 50,000 cash',
    );
  });

  it('names the venue of an entry for the filter, and sorts newest first by market time', () => {
    expect(auditVenue({ venue: 'paper' })).toBe('paper');
    expect(auditVenue({ exchange: 'binance' })).toBe('binance');
    expect(auditVenue(null)).toBe('workspace');
    const a = { ...line(5_000, 'fill', {}), seq: 1 };
    const b = { ...line(4_000, 'fill', {}), seq: 2 };
    const c = { ...line(5_000, 'fill', {}), seq: 3 };
    expect(inTimeOrder([a, b, c]).map((e) => e.seq)).toEqual([3, 1, 2]);
  });
});
