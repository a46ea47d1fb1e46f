import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../../../shared/domain/market.js';
import { decodeEvents, encodeEvents, RECORD_WIDTH } from '../../../../shared/market/event-codec.js';

const batch: MarketEvent[] = [
  {
    kind: 'book_snapshot',
    instrument: 'demo:DEMO/USD',
    ts: 1000,
    seq: 1,
    bids: [
      [99.99, 3],
      [99.98, 1.5],
    ],
    asks: [[100.01, 2]],
  },
  {
    kind: 'trade',
    instrument: 'demo:DEMO/USD',
    ts: 1001,
    seq: 2,
    id: 'T-77',
    price: 100.01,
    amount: 0.5,
    side: 'buy',
  },
  {
    kind: 'book_delta',
    instrument: 'demo:DEMO/USD',
    ts: 1001,
    seq: 3,
    side: 'ask',
    price: 100.01,
    size: 1.5,
  },
  {
    kind: 'trade',
    instrument: 'binance:BTC/USDT',
    ts: 1002,
    seq: 1,
    id: '9007199254740993',
    price: 64000.5,
    amount: 0.01,
    side: 'sell',
  },
];

describe('event codec', () => {
  it('round-trips a mixed batch exactly, trade ids as strings', () => {
    expect(decodeEvents(encodeEvents(batch))).toEqual(batch);
  });

  it('packs a snapshot as a header plus one record per level', () => {
    const encoded = encodeEvents(batch);
    // 1 header + 3 levels + 3 single-record events
    expect(encoded.buffer.byteLength).toBe(7 * RECORD_WIDTH * 8);
    expect(encoded.instruments).toEqual(['demo:DEMO/USD', 'binance:BTC/USDT']);
    expect(encoded.count).toBe(4);
  });

  it('refuses a buffer whose layout is broken', () => {
    const encoded = encodeEvents(batch);
    new Float64Array(encoded.buffer)[0] = 42;
    expect(() => decodeEvents(encoded)).toThrow('unknown record kind 42 at record 0');
  });
});
