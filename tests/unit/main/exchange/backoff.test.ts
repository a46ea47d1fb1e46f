import { describe, expect, it } from 'vitest';
import { Backoff } from '../../../../main/exchange/backoff.js';

describe('backoff', () => {
  const policy = { baseMs: 100, capMs: 1_000, factor: 2 };

  it('doubles the ceiling per failure up to the cap, waiting between half and all of it', () => {
    // random() = 1 gives the ceiling itself, 0 gives half of it.
    const high = new Backoff(() => 1, policy);
    expect([1, 2, 3, 4, 5, 6].map(() => high.next())).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    const low = new Backoff(() => 0, policy);
    expect([1, 2, 3, 4, 5, 6].map(() => low.next())).toEqual([50, 100, 200, 400, 500, 500]);
  });

  it('puts the jitter in the upper half: 100 * 2^2 with random 0.25 waits 200 + 0.25 * 200', () => {
    const backoff = new Backoff(() => 0.25, policy);
    backoff.next();
    backoff.next();
    expect(backoff.next()).toBe(250);
  });

  it('starts from the base again after a success and counts attempts', () => {
    const backoff = new Backoff(() => 1, policy);
    backoff.next();
    backoff.next();
    expect(backoff.attempts).toBe(2);
    backoff.reset();
    expect(backoff.attempts).toBe(0);
    expect(backoff.next()).toBe(100);
  });
});
