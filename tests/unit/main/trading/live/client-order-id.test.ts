import { describe, expect, it } from 'vitest';
import {
  CLIENT_ID_MAX_LENGTH,
  ClientOrderIds,
  formatClientId,
  parseClientId,
} from '../../../../../main/trading/live/client-order-id.js';
import { MemoryOrderStore } from '../../../../../main/trading/live/order-store.js';

describe('client order ids', () => {
  it('are <prefix>-<session>-<n>, counting from 1 per session', () => {
    const store = new MemoryOrderStore();
    const ids = new ClientOrderIds(store, 'tw', 's1');
    expect([ids.next(), ids.next(), ids.next()]).toEqual([
      { clientId: 'tw-s1-1', seq: 1 },
      { clientId: 'tw-s1-2', seq: 2 },
      { clientId: 'tw-s1-3', seq: 3 },
    ]);
    expect(new ClientOrderIds(store, 'tw', 's2').next().clientId).toBe('tw-s2-1');
  });

  it('continue after a restart over the same store instead of reusing a number', () => {
    const store = new MemoryOrderStore();
    new ClientOrderIds(store, 'tw', 's1').next();
    new ClientOrderIds(store, 'tw', 's1').next();
    // A new generator (a restarted broker) with the same session.
    expect(new ClientOrderIds(store, 'tw', 's1').next().clientId).toBe('tw-s1-3');
  });

  it('are the same for the same store history (deterministic)', () => {
    const run = () => {
      const ids = new ClientOrderIds(new MemoryOrderStore(), 'bot', 'day_7');
      return [ids.next().clientId, ids.next().clientId];
    };
    expect(run()).toEqual(run());
    expect(run()).toEqual(['bot-day_7-1', 'bot-day_7-2']);
  });

  it('refuse prefixes and sessions that would make an id unparseable or too long', () => {
    const store = new MemoryOrderStore();
    expect(() => new ClientOrderIds(store, 'a-b', 's1')).toThrow(/prefix/);
    expect(() => new ClientOrderIds(store, 'tw', '')).toThrow(/session/);
    expect(() => new ClientOrderIds(store, 'tw', 'x'.repeat(13))).toThrow(/session/);
    const longest = new ClientOrderIds({ nextSequence: () => 1e9 }, 'p'.repeat(12), 's'.repeat(12));
    expect(longest.next().clientId.length).toBeLessThanOrEqual(CLIENT_ID_MAX_LENGTH);
    const tooMany = new ClientOrderIds({ nextSequence: () => 1e10 }, 'p'.repeat(12), 's'.repeat(12));
    expect(() => tooMany.next()).toThrow(/longer than 36/);
  });

  it('refuse a sequence source that goes backwards to zero or below', () => {
    expect(() => new ClientOrderIds({ nextSequence: () => 0 }, 'tw', 's1').next()).toThrow(/sequence 0/);
  });

  it('parse back into prefix, session and number, and tell ours from manual orders', () => {
    expect(parseClientId(formatClientId('tw', 's1', 42))).toEqual({ prefix: 'tw', session: 's1', seq: 42 });
    expect(parseClientId('x-TKT5PX2Fabc')).toBeNull();
    expect(parseClientId('tw-s1-0')).toBeNull();
    const ids = new ClientOrderIds(new MemoryOrderStore(), 'tw', 's1');
    expect(ids.owns('tw-s9-3')).toBe(true);
    expect(ids.owns('manual-1')).toBe(false);
  });
});
