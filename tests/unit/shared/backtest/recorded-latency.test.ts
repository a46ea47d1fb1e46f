import { describe, expect, it } from 'vitest';
import { createLatency } from '../../../../shared/backtest/costs.js';
import {
  FeedDelaySample,
  NoRecordedDelaysError,
  recordedLatency,
} from '../../../../shared/backtest/recorded-latency.js';
import type { MarketEvent } from '../../../../shared/domain/market.js';
import { createRng } from '../../../../shared/market/rng.js';

const T0 = Date.UTC(2026, 0, 5);

/** A sample fed `delays` (ms) as trades received that long after their exchange time. */
function sampleOf(delays: readonly number[], seed: number, capacity?: number): FeedDelaySample {
  const sample = new FeedDelaySample(createRng(seed), capacity);
  delays.forEach((delay, i) => {
    sample.add(T0 + i + delay, T0 + i);
  });
  return sample;
}

describe('recorded latency', () => {
  it('keeps every delay, in order, while they fit, and clamps a skewed clock to zero', () => {
    const sample = sampleOf([12, 40, -3, 7, 250], 1);
    expect(sample.samples()).toEqual([12, 40, 0, 7, 250]);
    expect(sample.seen).toBe(5);
  });

  it('skips events without a receive time and reads it from trades and book messages alike', () => {
    const sample = new FeedDelaySample(createRng(1));
    const events: MarketEvent[] = [
      {
        kind: 'trade',
        instrument: 'x',
        ts: T0,
        seq: 1,
        id: '1',
        price: 1,
        amount: 1,
        side: 'buy',
        localTs: T0 + 30,
      },
      { kind: 'trade', instrument: 'x', ts: T0, seq: 2, id: '2', price: 1, amount: 1, side: 'buy' },
      {
        kind: 'book_delta',
        instrument: 'x',
        ts: T0 + 5,
        seq: 3,
        side: 'bid',
        price: 1,
        size: 2,
        localTs: T0 + 9,
      },
      { kind: 'book_snapshot', instrument: 'x', ts: T0 + 8, seq: 4, bids: [], asks: [], localTs: T0 + 19 },
    ];
    for (const event of events) sample.addEvent(event);
    sample.add(Number.NaN, T0);
    expect(sample.samples()).toEqual([30, 4, 11]);
    expect(sample.seen).toBe(3);
  });

  it('keeps a bounded, seeded, uniform sample of a long range', () => {
    // 100,000 delays: 0..99 ms, each 1,000 times, in rising runs (the worst order for a
    // sample that kept only the first or the last delays).
    const delays = Array.from({ length: 100_000 }, (_, i) => Math.floor(i / 1000));
    const a = sampleOf(delays, 7, 2000).samples();
    expect(a).toHaveLength(2000);
    expect(sampleOf(delays, 7, 2000).samples()).toEqual(a);
    expect(sampleOf(delays, 8, 2000).samples()).not.toEqual(a);
    const recorded = new Set(delays);
    expect(a.every((delay) => recorded.has(delay))).toBe(true);
    // Uniform: each tenth of the range (10 ms of delay) holds about a tenth of the sample;
    // 200 expected per tenth, binomial sd ~13, so 4 sd is +-54.
    for (let tenth = 0; tenth < 10; tenth++) {
      const inTenth = a.filter((d) => d >= tenth * 10 && d < tenth * 10 + 10).length;
      expect(Math.abs(inTenth - 200)).toBeLessThan(54);
    }
  });

  it('gives the engine an empirical model that draws only recorded delays, the same way for the same seed', () => {
    const config = recordedLatency(sampleOf([15, 15, 90, 30], 3), 'X 2026-01-05');
    expect(config).toEqual({ kind: 'empirical', samplesMs: [15, 15, 90, 30] });
    const draw = (seed: number): number[] => {
      const model = createLatency(config, createRng(seed));
      return Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? model.submitDelay() : model.cancelDelay()));
    };
    const draws = draw(5);
    expect(new Set(draws)).toEqual(new Set([15, 90, 30]));
    expect(draw(5)).toEqual(draws);
    // 15 is half the recorded delays, so about half the draws.
    expect(Math.abs(draws.filter((d) => d === 15).length - 100)).toBeLessThan(30);
  });

  it('refuses a range with no receive times, naming it and the way out', () => {
    expect(() => recordedLatency(sampleOf([], 1), 'demo:DEMO/USD 2026-01-05')).toThrow(NoRecordedDelaysError);
    expect(() => recordedLatency(sampleOf([], 1), 'demo:DEMO/USD 2026-01-05')).toThrow(
      /demo:DEMO\/USD 2026-01-05 has no recorded receive times.*given latency/,
    );
    expect(() => new FeedDelaySample(createRng(1), 0)).toThrow(/capacity 0/);
  });
});
