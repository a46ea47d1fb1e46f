import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../../../shared/domain/market.js';
import { FeatureSetEngine } from '../../../../shared/features/engine.js';
import { bookSnapshot } from '../../../fixtures/market-data.js';
import { catalogueSet } from '../../../fixtures/feature-streams.js';
import { TEST_INSTRUMENT, trade } from '../../../fixtures/trades.js';

const tradeAt = (ts: number, price = 100, amount = 1): MarketEvent => ({
  kind: 'trade',
  ...trade({ ts, seq: ts, price, amount }),
});

describe('bad input gives a defined missing value', () => {
  it('has no value at all (NaN, not 0) for any catalogue feature before data', () => {
    for (const sampling of ['event', '1s'] as const) {
      const values = new FeatureSetEngine(catalogueSet(sampling)).current();
      expect([...values].filter((v) => !Number.isNaN(v))).toEqual([]);
    }
  });

  it('makes every column NaN in rows taken inside a data gap, then restarts the features', () => {
    const engine = new FeatureSetEngine(
      {
        name: 'gap',
        instrument: TEST_INSTRUMENT,
        sampling: '1s',
        features: [
          { kind: 'vwap', params: { windowMs: 60_000 } },
          { kind: 'spread', params: {} },
        ],
      },
      { maxGapMs: 5000 },
    );
    engine.onEvents([
      { kind: 'book_snapshot', ...bookSnapshot({ ts: 0 }) },
      tradeAt(100, 100),
      tradeAt(200, 102),
    ]);
    // Silence from 0.2 s to 20 s, then one trade at 110.
    engine.onEvent(tradeAt(20_000, 110));
    const { ts, values, count, width } = engine.drainRows();
    expect(count).toBe(20);
    const at = (t: number) => {
      const r = [...ts].indexOf(t);
      return [values[width * r], values[width * r + 1]];
    };
    // 5 s: within maxGapMs of the last event, still quiet market.
    expect(at(5000)).toEqual([101, 1]);
    // 6 s .. 20 s: the gap, data missing.
    for (let t = 6000; t <= 20_000; t += 1000) expect(at(t)).toEqual([Number.NaN, Number.NaN]);
    // After the gap the VWAP restarts from the trades after it: 110, not a blend with 101.
    expect(engine.current()[0]).toBe(110);
    expect(engine.stats().gaps).toBe(1);
  });

  it('propagates NaN from an upstream feature through rolling statistics', () => {
    const engine = new FeatureSetEngine({
      name: 'upstream',
      instrument: TEST_INSTRUMENT,
      sampling: 'event',
      features: [{ kind: 'rolling', params: { of: { kind: 'book_imbalance', params: {} }, window: 3 } }],
    });
    engine.onEvent({ kind: 'book_snapshot', ...bookSnapshot({ ts: 0, seq: 0 }) });
    engine.onEvent({
      kind: 'book_delta',
      instrument: TEST_INSTRUMENT,
      ts: 1,
      seq: 1,
      side: 'ask',
      price: 101,
      size: 2,
    });
    engine.onEvent({
      kind: 'book_delta',
      instrument: TEST_INSTRUMENT,
      ts: 2,
      seq: 2,
      side: 'ask',
      price: 100.5,
      size: 2,
    });
    expect(Number.isNaN(engine.current()[0])).toBe(false);
    // The ask side empties: imbalance is NaN, and so is every statistic of a window holding it.
    engine.onEvent({
      kind: 'book_delta',
      instrument: TEST_INSTRUMENT,
      ts: 3,
      seq: 3,
      side: 'ask',
      price: 100.5,
      size: 0,
    });
    engine.onEvent({
      kind: 'book_delta',
      instrument: TEST_INSTRUMENT,
      ts: 4,
      seq: 4,
      side: 'ask',
      price: 101,
      size: 0,
    });
    expect([...engine.current()].every(Number.isNaN)).toBe(true);
    // Three valid samples later the window is clean again.
    for (let i = 0; i < 3; i++) {
      engine.onEvent({
        kind: 'book_delta',
        instrument: TEST_INSTRUMENT,
        ts: 5 + i,
        seq: 5 + i,
        side: 'ask',
        price: 101,
        size: 1 + i,
      });
    }
    expect([...engine.current()].some(Number.isNaN)).toBe(false);
  });

  it('gives NaN for book features when a side of the book is missing', () => {
    const engine = new FeatureSetEngine(catalogueSet('event'));
    engine.onEvent({ kind: 'book_snapshot', ...bookSnapshot({ ts: 0, asks: [] }) });
    const book = engine.compiled.features.filter((f) => f.definition.family === 'book');
    let offset = 0;
    const values = engine.current();
    for (const feature of engine.compiled.features) {
      if (book.includes(feature)) {
        for (let i = 0; i < feature.outputs.length; i++) expect(values[offset + i], feature.label).toBeNaN();
      }
      offset += feature.outputs.length;
    }
  });

  it('refuses and counts NaN prices, negative sizes and events out of time order, without crashing', () => {
    const engine = new FeatureSetEngine(catalogueSet('event'));
    engine.onEvents([
      { kind: 'book_snapshot', ...bookSnapshot({ ts: 1000 }) },
      tradeAt(1100, 100, 1),
      tradeAt(1200, Number.NaN, 1),
      tradeAt(1300, 100, -1),
      tradeAt(1400, Number.POSITIVE_INFINITY, 1),
      {
        kind: 'book_delta',
        instrument: TEST_INSTRUMENT,
        ts: 1500,
        seq: 9,
        side: 'bid',
        price: 99,
        size: Number.NaN,
      },
      tradeAt(900, 100, 1),
    ]);
    expect(engine.stats()).toMatchObject({ events: 2, rejected: 5, rows: 2 });
    const vwap = engine.columns.indexOf('vwap(windowMs=60000).value');
    expect(engine.current()[vwap]).toBe(100);
  });

  it('survives a crossed book and keeps computing', () => {
    const engine = new FeatureSetEngine(catalogueSet('event'));
    engine.onEvent({ kind: 'book_snapshot', ...bookSnapshot({ ts: 0, bids: [[101, 1]], asks: [[100, 1]] }) });
    const spread = engine.columns.indexOf('spread().abs');
    expect(engine.current()[spread]).toBe(-1);
  });
});
