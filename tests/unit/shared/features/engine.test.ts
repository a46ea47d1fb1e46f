import { describe, expect, it } from 'vitest';
import type { MarketEvent, Trade } from '../../../../shared/domain/market.js';
import { FeatureSetEngine } from '../../../../shared/features/engine.js';
import type { FeatureSet, Sampling } from '../../../../shared/features/feature-set.js';
import { bookSnapshot } from '../../../fixtures/market-data.js';
import { TEST_INSTRUMENT, trade } from '../../../fixtures/trades.js';

const tradeAt = (ts: number, price: number, amount = 1, overrides: Partial<Trade> = {}): MarketEvent => ({
  kind: 'trade',
  ...trade({ ts, seq: ts, price, amount, ...overrides }),
});

function set(sampling: Sampling): FeatureSet {
  return {
    name: 'engine test',
    instrument: TEST_INSTRUMENT,
    sampling,
    features: [
      { kind: 'spread', params: {} },
      { kind: 'vwap', params: { windowMs: 60_000 } },
      { kind: 'bar_return', params: { timeframe: '1s' } },
    ],
  };
}

/** Book 99.5 / 100.5 at 1.000 s, trades at 1.2 s (100), 1.5 s (101), 2.1 s (102 x 2), 3.05 s (103). */
const stream: MarketEvent[] = [
  { kind: 'book_snapshot', ...bookSnapshot({ ts: 1000, seq: 1 }) },
  tradeAt(1200, 100),
  { kind: 'trade', ...trade({ instrument: 'demo:OTHER/USD', ts: 1300, price: 5 }) },
  tradeAt(1500, 101),
  tradeAt(2100, 102, 2),
  tradeAt(3050, 103),
];

function rows(engine: FeatureSetEngine): number[][] {
  const { ts, values, count, width } = engine.drainRows();
  return Array.from({ length: count }, (_, r) => [ts[r] ?? 0, ...values.slice(r * width, (r + 1) * width)]);
}

describe('feature set engine', () => {
  it('names its columns and carries the set hash', () => {
    const engine = new FeatureSetEngine(set('event'));
    expect(engine.columns).toEqual([
      'spread().abs',
      'spread().bps',
      'vwap(windowMs=60000).value',
      'bar_return(timeframe=1s).simple',
      'bar_return(timeframe=1s).log',
    ]);
    expect(engine.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(engine.instruments).toEqual([TEST_INSTRUMENT]);
  });

  it('takes a row per event of its instrument, after the event, with bars closed on time', () => {
    const engine = new FeatureSetEngine(set('event'));
    engine.onEvents(stream);
    const nan = Number.NaN;
    const r = rows(engine);
    expect(r.map((row) => row[0])).toEqual([1000, 1200, 1500, 2100, 3050]);
    expect(r[0]).toEqual([1000, 1, 100, nan, nan, nan]);
    expect(r[1]).toEqual([1200, 1, 100, 100, nan, nan]);
    expect(r[2]).toEqual([1500, 1, 100, 100.5, nan, nan]);
    // The bar [1 s, 2 s) closed at 2 s, before the 2.1 s trade: the first bar has no return.
    expect(r[3]?.[4]).toBeNaN();
    expect(r[3]?.[3]).toBeCloseTo((100 + 101 + 204) / 4, 12);
    // At 3.05 s the bar [2 s, 3 s) (close 102) has closed: 102 / 101 - 1.
    expect(r[4]?.[5]).toBeCloseTo(Math.log(102 / 101), 14);
    expect(engine.stats()).toMatchObject({ events: 5, ignored: 1, rejected: 0, rows: 5 });
  });

  it('stamps a time-sampled row at each boundary with what came strictly before it', () => {
    const engine = new FeatureSetEngine(set('1s'));
    engine.onEvents(stream);
    // The clock promises nothing before 4 s is to come: the row at 4 s is due.
    engine.advanceTo(4000);
    const r = rows(engine);
    expect(r.map((row) => row[0])).toEqual([2000, 3000, 4000]);
    // 2 s: trades at 1.2 and 1.5 s; the 2.1 s trade is not in it.
    expect(r[0]?.[3]).toBeCloseTo(100.5, 12);
    expect(r[1]?.[3]).toBeCloseTo(405 / 4, 12);
    expect(r[1]?.[4]).toBeCloseTo(102 / 101 - 1, 14);
    // 4 s: the 3.05 s trade, and its bar [3 s, 4 s) closed exactly at 4 s.
    expect(r[2]?.[3]).toBeCloseTo(508 / 5, 12);
    expect(r[2]?.[4]).toBeCloseTo(103 / 102 - 1, 14);
    expect(engine.current()).toEqual(new Float64Array(r[2]?.slice(1) ?? []));
  });

  it('drops the first bar when the stream starts in the middle of it', () => {
    const engine = new FeatureSetEngine(set('event'));
    // Starts at 1.5 s: the bar [1 s, 2 s) may have had earlier trades.
    engine.onEvents([tradeAt(1500, 100), tradeAt(2500, 110), tradeAt(3500, 121), tradeAt(4500, 133.1)]);
    const r = rows(engine);
    // 3.5 s: the first whole bar [2 s, 3 s) closed, nothing to return against yet.
    expect(r[2]?.[4]).toBeNaN();
    expect(r[3]?.[4]).toBeCloseTo(121 / 110 - 1, 14);
  });

  it('routes the reference instrument bars to cross-asset features', () => {
    const engine = new FeatureSetEngine({
      name: 'pair',
      instrument: TEST_INSTRUMENT,
      sampling: '1s',
      features: [{ kind: 'cross_asset', params: { reference: 'demo:REF/USD', timeframe: '1s', period: 3 } }],
    });
    expect(engine.instruments).toEqual([TEST_INSTRUMENT, 'demo:REF/USD']);
    const refClose = [10, 11, 10, 12];
    const events: MarketEvent[] = [];
    refClose.forEach((close, i) => {
      events.push(tradeAt(1000 * (i + 1), close * close, 1, { seq: 2 * i }));
      events.push({
        kind: 'trade',
        ...trade({ instrument: 'demo:REF/USD', ts: 1000 * (i + 1), seq: 2 * i + 1, price: close }),
      });
    });
    engine.onEvents(events);
    engine.advanceTo(5000);
    expect(engine.current()[1]).toBeCloseTo(2, 12);
  });
});
