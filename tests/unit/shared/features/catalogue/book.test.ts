import { describe, expect, it } from 'vitest';
import { bookSnapshot } from '../../../../fixtures/market-data.js';
import { probe } from '../../../../fixtures/feature-streams.js';

/** Bids 99.5 x 2, 99 x 5; asks 100.5 x 1, 101 x 3: mid 100, spread 1. */
function withFixtureBook(kind: string, params: Record<string, unknown> = {}) {
  const p = probe(kind, params);
  p.book.applySnapshot(bookSnapshot());
  return p;
}

describe('order-book features', () => {
  it('book_imbalance is (bid - ask) / (bid + ask) over the best N levels', () => {
    // Top 5: bids 2 + 5 = 7, asks 1 + 3 = 4 -> 3 / 11. Top 1: (2 - 1) / 3.
    expect(withFixtureBook('book_imbalance').value()).toBeCloseTo(3 / 11, 14);
    expect(withFixtureBook('book_imbalance', { levels: 1 }).value()).toBeCloseTo(1 / 3, 14);
  });

  it('book_pressure weights level i by 1/(i+1), or exp(-decay i)', () => {
    // Harmonic: B = 2 + 5/2 = 4.5, A = 1 + 3/2 = 2.5 -> ratio 1.8, imbalance 2 / 7.
    const harmonic = withFixtureBook('book_pressure').values();
    expect(harmonic.ratio).toBeCloseTo(1.8, 14);
    expect(harmonic.imbalance).toBeCloseTo(2 / 7, 14);
    // Exponential, decay 1: B = 2 + 5/e, A = 1 + 3/e.
    const exponential = withFixtureBook('book_pressure', { weighting: 'exponential', decay: 1 }).values();
    expect(exponential.ratio).toBeCloseTo((2 + 5 / Math.E) / (1 + 3 / Math.E), 14);
    // One level: the touch only, 2 / 1.
    expect(withFixtureBook('book_pressure', { levels: 1 }).value('ratio')).toBe(2);
  });

  it('spread is ask - bid, and in bps of the mid', () => {
    expect(withFixtureBook('spread').values()).toEqual({ abs: 1, bps: 100 });
  });

  it('microprice weights the touch prices by the opposite queue', () => {
    // (99.5 * 1 + 100.5 * 2) / (2 + 1)
    expect(withFixtureBook('microprice').value()).toBeCloseTo(300.5 / 3, 12);
  });

  it('depth_near_mid sums the size priced within X bps of the mid', () => {
    // 60 bps of 100 = [99.4, 100.6]: bid 99.5 x 2, ask 100.5 x 1.
    expect(withFixtureBook('depth_near_mid', { bps: 60 }).values()).toEqual({ bid: 2, ask: 1 });
    // 120 bps = [98.8, 101.2]: every level.
    expect(withFixtureBook('depth_near_mid', { bps: 120 }).values()).toEqual({ bid: 7, ask: 4 });
  });

  it('book_slope regresses cumulative size on distance from the mid in bps', () => {
    // Bids at 50 and 100 bps with cumulative 2, 7 -> 5 / 50; asks 1, 4 -> 3 / 50.
    const two = withFixtureBook('book_slope').values();
    expect(two.bid).toBeCloseTo(0.1, 14);
    expect(two.ask).toBeCloseTo(0.06, 14);
    // A third bid level 98 x 1 (200 bps): x = 50, 100, 200, y = 2, 7, 8:
    // Sxy = 416.67, Sxx = 11666.67 -> 1/28.
    const three = probe('book_slope');
    three.book.applySnapshot(
      bookSnapshot({
        bids: [
          [99.5, 2],
          [99, 5],
          [98, 1],
        ],
      }),
    );
    expect(three.value('bid')).toBeCloseTo(1 / 28, 12);
    // One level on a side is no slope.
    expect(withFixtureBook('book_slope', { levels: 1 }).value('bid')).toBeNaN();
  });

  it('every book feature is NaN, never 0, when a side of the book is empty', () => {
    for (const kind of [
      'book_imbalance',
      'book_pressure',
      'spread',
      'microprice',
      'depth_near_mid',
      'book_slope',
    ]) {
      const p = probe(kind);
      p.book.applySnapshot(bookSnapshot({ asks: [] }));
      for (const value of Object.values(p.values())) expect(value, kind).toBeNaN();
    }
  });

  describe('ofi', () => {
    it('sums the Cont-Kukanov-Stoikov touch changes over the window', () => {
      const p = probe('ofi', { windowMs: 1000 });
      const { feature, book } = p;
      book.applySnapshot(
        bookSnapshot({
          bids: [[99.5, 2]],
          asks: [
            [100.5, 1],
            [101, 3],
          ],
        }),
      );
      feature.onBook?.(book, 0);
      // The first update has no predecessor: missing, and the window is not yet whole.
      expect(p.value()).toBeNaN();
      feature.onTime?.(1500);
      expect(p.value()).toBe(0);

      // Same bid price, queue 2 -> 4: e = 4 - 2 = +2.
      book.set('bid', 99.5, 4);
      feature.onBook?.(book, 1600);
      expect(p.value()).toBe(2);
      // Bid improves to 99.6 x 1: e = +1 (the new queue; the old one is not subtracted).
      book.set('bid', 99.6, 1);
      feature.onBook?.(book, 1700);
      // The ask at 100.5 x 1 goes: best ask rises to 101, e = +1 (the old ask queue left).
      book.set('ask', 100.5, 0);
      feature.onBook?.(book, 1800);
      expect(p.value()).toBe(4);
      // A change away from the touch changes nothing.
      book.set('bid', 99, 10);
      feature.onBook?.(book, 1850);
      expect(p.value()).toBe(4);
      // The +2 at 1600 leaves the window (t - 1000, t] at t = 2600.
      feature.onTime?.(2600);
      expect(p.value()).toBe(2);
      feature.onTime?.(2800);
      expect(p.value()).toBe(0);
    });

    it('is NaN while an update with an empty side is in the window', () => {
      const p = probe('ofi', { windowMs: 1000 });
      const { feature, book } = p;
      book.applySnapshot(bookSnapshot());
      feature.onBook?.(book, 0);
      feature.onTime?.(1001);
      expect(p.value()).toBe(0);
      book.applySnapshot(bookSnapshot({ bids: [] }));
      feature.onBook?.(book, 1100);
      book.applySnapshot(bookSnapshot());
      feature.onBook?.(book, 1200);
      expect(p.value()).toBeNaN();
      feature.onTime?.(2201);
      expect(p.value()).toBe(0);
    });
  });
});
