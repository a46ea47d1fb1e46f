import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../../../shared/domain/market.js';
import {
  decodeEvents,
  EncodedEventReader,
  encodeEvents,
  RECORD_WIDTH,
} from '../../../../shared/market/event-codec.js';

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

  it('reads a batch event by event into reused objects, the same events decodeEvents gives', () => {
    const reader = new EncodedEventReader(encodeEvents([...batch, ...batch]));
    const read: MarketEvent[] = [];
    const seen = new Set<MarketEvent>();
    for (let event = reader.next(); event !== null; event = reader.next()) {
      seen.add(event);
      read.push(event.kind === 'book_snapshot' ? event : { ...event });
    }
    expect(read).toEqual([...batch, ...batch]);
    // One object per trade, one per delta, a fresh one per snapshot.
    expect(seen.size).toBe(4);
    expect(reader.next()).toBeNull();
  });

  it('refuses a broken batch before handing out any event', () => {
    const badKind = encodeEvents(batch);
    new Float64Array(badKind.buffer)[RECORD_WIDTH * 4] = 42;
    expect(() => new EncodedEventReader(badKind)).toThrow('unknown record kind 42 at record 4');
    const badInstrument = encodeEvents(batch);
    new Float64Array(badInstrument.buffer)[RECORD_WIDTH * 5 + 1] = 7;
    expect(() => new EncodedEventReader(badInstrument)).toThrow('unknown instrument index 7');
    expect(() => new EncodedEventReader({ ...encodeEvents(batch), count: 5 })).toThrow(
      'decoded 4 events, expected 5',
    );
  });
});
