import { describe, expect, it } from 'vitest';
import { commands, isCommandName, isTopicName, topics } from '../../../../shared/api/contract.js';
import { clientMessageSchema, hostMessageSchema } from '../../../../shared/api/protocol.js';

describe('api contract', () => {
  it('gives every command and topic a one-line summary', () => {
    for (const spec of [...Object.values(commands), ...Object.values(topics)]) {
      expect(spec.summary.length).toBeGreaterThan(10);
      expect(spec.summary).not.toContain('\n');
    }
  });

  it('knows its own names and nothing inherited', () => {
    expect(isCommandName('markets.book')).toBe(true);
    expect(isCommandName('toString')).toBe(false);
    expect(isTopicName('book')).toBe(true);
    expect(isTopicName('constructor')).toBe(false);
  });

  it('rejects book levels with non-finite or negative numbers', () => {
    const view = { instrument: 'x', ts: 1, bids: [[100, 1]], asks: [[101, 1]], mid: 100.5, spread: 1 };
    expect(topics.book.payload.safeParse(view).success).toBe(true);
    expect(topics.book.payload.safeParse({ ...view, bids: [[Number.NaN, 1]] }).success).toBe(false);
    expect(topics.book.payload.safeParse({ ...view, asks: [[101, -1]] }).success).toBe(false);
    expect(topics.book.payload.safeParse({ ...view, asks: [[Infinity, 1]] }).success).toBe(false);
  });

  it('bounds requests: depth, limits and timeframes', () => {
    const candles = commands['markets.candles'].request;
    expect(candles.safeParse({ instrument: 'x', timeframe: '1m', limit: 500 }).success).toBe(true);
    expect(candles.safeParse({ instrument: 'x', timeframe: '2m', limit: 500 }).success).toBe(false);
    expect(candles.safeParse({ instrument: 'x', timeframe: '1m', limit: 0 }).success).toBe(false);
    expect(commands['markets.book'].request.safeParse({ instrument: '', depth: 10 }).success).toBe(false);
  });

  it('parses the wire envelopes both ways', () => {
    expect(
      clientMessageSchema.safeParse({ type: 'call', id: 1, command: 'app.info', params: {} }).success,
    ).toBe(true);
    expect(clientMessageSchema.safeParse({ type: 'call', id: -1, command: 'app.info' }).success).toBe(false);
    expect(
      hostMessageSchema.safeParse({
        type: 'result',
        id: 1,
        ok: false,
        error: { kind: 'internal', message: 'x' },
      }).success,
    ).toBe(true);
    expect(
      hostMessageSchema.safeParse({ type: 'result', id: 1, ok: false, error: { kind: 'oops', message: 'x' } })
        .success,
    ).toBe(false);
  });
});
