import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../../../shared/domain/market.js';
import { DemoMarket, type DemoMarketConfig } from '../../../../shared/market/demo-market.js';
import { OrderBook } from '../../../../shared/market/order-book.js';
import { MarketEventValidator } from '../../../../shared/market/validate.js';
import { utc } from '../../../fixtures/trades.js';

const START = utc('2026-01-05T00:00:00Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;

function market(overrides: Partial<DemoMarketConfig> = {}): DemoMarket {
  return new DemoMarket({ seed: 1, startTs: START, ...overrides });
}

/** Every event up to START + durationMs, asked for in slices of `sliceMs`. */
function generate(demo: DemoMarket, durationMs: number, sliceMs = 100): MarketEvent[] {
  const out: MarketEvent[] = [];
  for (let ts = START; ts < START + durationMs; ts += sliceMs) demo.advanceTo(ts, out);
  demo.advanceTo(START + durationMs, out);
  return out;
}

function apply(book: OrderBook, event: MarketEvent): void {
  if (event.kind === 'book_snapshot') book.applySnapshot(event);
  else if (event.kind === 'book_delta') book.applyDelta(event);
}

/** True when x is the exact double a venue would send for a multiple of 1/scale (e.g. 100.01). */
function onGrid(x: number, scale: number): boolean {
  return Math.round(x * scale) / scale === x;
}

/** (bid - ask) / (bid + ask) over the top 5 levels, written out from the definition. */
function topFiveImbalance(book: OrderBook): number {
  const bid = book.volume('bid', 5);
  const ask = book.volume('ask', 5);
  return (bid - ask) / (bid + ask);
}

/**
 * The slope of an OLS regression of the forward mid return over `horizonMs` on the top-5
 * imbalance now, both sampled every 250 ms at millisecond boundaries from the event stream.
 */
function forwardReturnSlope(
  config: Partial<DemoMarketConfig>,
  durationMs: number,
  horizonMs: number,
): number {
  const demo = market({ ...config, horizonMs });
  const book = new OrderBook();
  const out: MarketEvent[] = [];
  const stepMs = 250;
  const imbalances: number[] = [];
  const mids: number[] = [];
  for (let ts = START; ts <= START + durationMs + horizonMs; ts += stepMs) {
    out.length = 0;
    demo.advanceTo(ts, out);
    for (const event of out) apply(book, event);
    imbalances.push(topFiveImbalance(book));
    mids.push(book.mid() ?? Number.NaN);
  }
  const lag = horizonMs / stepMs;
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i + lag < mids.length; i++) {
    const x = imbalances[i] ?? Number.NaN;
    const y = (mids[i + lag] ?? Number.NaN) / (mids[i] ?? Number.NaN) - 1;
    n++;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  return (sxy - (sx * sy) / n) / (sxx - (sx * sx) / n);
}

describe('demo market', () => {
  it('opens with a snapshot of the demo instrument, 60 levels a side around 100', () => {
    const demo = market();
    expect(demo.instrument).toEqual({
      id: 'demo:DEMO/USD',
      exchange: 'demo',
      symbol: 'DEMO/USD',
      base: 'DEMO',
      quote: 'USD',
      tickSize: 0.01,
      lotSize: 0.01,
    });
    const out: MarketEvent[] = [];
    demo.advanceTo(START, out);
    const first = out[0];
    if (first?.kind !== 'book_snapshot') throw new Error('the first event must be a snapshot');
    expect(first).toMatchObject({ instrument: 'demo:DEMO/USD', ts: START, seq: 1 });
    expect(first.bids).toHaveLength(60);
    expect(first.asks).toHaveLength(60);
    expect(first.bids[0]?.[0]).toBe(99.99);
    expect(first.asks[0]?.[0]).toBe(100.01);
  });

  it('emits nothing before its start time', () => {
    const out: MarketEvent[] = [];
    market().advanceTo(START - 1, out);
    expect(out).toEqual([]);
  });

  it('replays the same stream from the same seed, however time is sliced', () => {
    const whole: MarketEvent[] = [];
    market().advanceTo(START + 2 * MINUTE, whole);
    expect(generate(market(), 2 * MINUTE, 7)).toEqual(whole);
    expect(generate(market(), 2 * MINUTE, 1000)).toEqual(whole);
    expect(whole.length).toBeGreaterThan(10_000);
  });

  it('gives a different seed a different stream', () => {
    const a = generate(market({ seed: 1 }), 10 * SECOND);
    const b = generate(market({ seed: 2 }), 10 * SECOND);
    expect(a.slice(1, 200)).not.toEqual(b.slice(1, 200));
  });

  it('keeps every invariant over 200k events, and the edge validator accepts them all', () => {
    const demo = market({ seed: 3 });
    const out: MarketEvent[] = [];
    const book = new OrderBook();
    const validator = new MarketEventValidator({ clock: () => Number.MAX_SAFE_INTEGER });
    const failures: string[] = [];
    const fail = (what: string, event: MarketEvent): void => {
      if (failures.length < 5) failures.push(`${what}: ${JSON.stringify(event).slice(0, 300)}`);
    };
    let lastSeq = 0;
    let lastTs = START;
    let events = 0;
    let trades = 0;
    let previous: MarketEvent | undefined;
    let pendingTrade: { side: 'bid' | 'ask'; price: number; restingAfter: number } | null = null;

    for (let ts = START; events < 200_000; ts += 100) {
      out.length = 0;
      demo.advanceTo(ts, out);
      for (const event of out) {
        events++;
        if (event.seq !== lastSeq + 1) fail('seq must go up by one', event);
        if (event.ts < lastTs || event.ts > ts)
          fail('ts must not go back nor past the requested time', event);
        lastSeq = event.seq;
        lastTs = event.ts;
        if (!validator.accept(event)) fail(`validator refused (${String(validator.lastRejection())})`, event);

        // A trade is followed by the delta of the level it traded against, smaller by its amount.
        if (pendingTrade !== null) {
          const delta = event.kind === 'book_delta' ? event : null;
          if (
            delta?.side !== pendingTrade.side ||
            delta.price !== pendingTrade.price ||
            Math.abs(delta.size - pendingTrade.restingAfter) > 1e-9
          ) {
            fail('a trade must be followed by the delta of the level it hit', event);
          }
          pendingTrade = null;
        }

        switch (event.kind) {
          case 'trade': {
            trades++;
            // A buy lifts the best ask, a sell hits the best bid.
            const side = event.side === 'buy' ? 'ask' : 'bid';
            const touch = side === 'ask' ? book.bestAsk() : book.bestBid();
            const resting = book.sizeAt(side, event.price);
            if (event.price !== touch) fail('a trade must print at the touch', event);
            if (!(event.amount > 0) || event.amount > resting + 1e-9)
              fail('a trade must fit the level', event);
            if (!onGrid(event.price, 100) || !onGrid(event.amount, 100)) fail('trade off the grid', event);
            if (previous?.kind === 'trade' && Number(event.id) !== Number(previous.id) + 1)
              fail('trade ids', event);
            pendingTrade = { side, price: event.price, restingAfter: resting - event.amount };
            break;
          }
          case 'book_delta':
            if (!(event.size >= 0) || !onGrid(event.price, 100) || !onGrid(event.size, 100))
              fail('bad delta', event);
            break;
          case 'book_snapshot':
            for (const [price, size] of [...event.bids, ...event.asks]) {
              if (!(size > 0) || !onGrid(price, 100) || !onGrid(size, 100)) fail('bad snapshot level', event);
            }
            break;
          default:
            event satisfies never;
        }
        apply(book, event);
        const bid = book.bestBid();
        const ask = book.bestAsk();
        if (bid === null || ask === null || !(bid < ask)) fail('best bid must stay below best ask', event);
        if (book.depth('bid') < 50 || book.depth('ask') < 50) fail('fewer than 50 levels a side', event);
        previous = event;
      }
    }
    expect(failures).toEqual([]);
    expect(validator.rejected()).toEqual({});
    expect(trades).toBeGreaterThan(5_000);
  });

  it('hands out a snapshot equal to the book its events built', () => {
    const demo = market({ seed: 4 });
    const book = new OrderBook();
    for (const event of generate(demo, 30 * SECOND)) apply(book, event);
    const snapshot = demo.snapshot();
    expect(book.top(1000)).toEqual({ bids: snapshot.bids, asks: snapshot.asks });
    expect(snapshot.bids.length).toBeGreaterThanOrEqual(60);
    expect(snapshot.asks.length).toBeGreaterThanOrEqual(60);
  });

  it('quotes a spread of 1 to 3 ticks, with bigger queues a few ticks behind the touch', () => {
    const demo = market({ seed: 5 });
    const book = new OrderBook();
    const out: MarketEvent[] = [];
    const spreads = new Map<number, number>();
    const meanSize = new Array<number>(8).fill(0);
    let samples = 0;
    for (let ts = START; ts <= START + 30 * MINUTE; ts += 100) {
      out.length = 0;
      demo.advanceTo(ts, out);
      for (const event of out) apply(book, event);
      const ticks = Math.round((book.spread() ?? 0) * 100);
      spreads.set(ticks, (spreads.get(ticks) ?? 0) + 1);
      for (let level = 0; level < 8; level++) {
        meanSize[level] = (meanSize[level] ?? 0) + (book.bidSize(level) + book.askSize(level)) / 2;
      }
      samples++;
    }
    expect([...spreads.keys()].sort()).toEqual([1, 2, 3]);
    expect((spreads.get(3) ?? 0) / samples).toBeLessThan(0.25);
    const touch = (meanSize[0] ?? 0) / samples;
    const fourBehind = (meanSize[4] ?? 0) / samples;
    expect(fourBehind).toBeGreaterThan(1.5 * touch);
  });

  it('produces a few hundred events per simulated second', () => {
    const events = generate(market({ seed: 6 }), 10 * MINUTE).length;
    const perSecond = events / 600;
    expect(perSecond).toBeGreaterThan(200);
    expect(perSecond).toBeLessThan(1000);
  });

  it('switches between a calm and a volatile regime, busier and noisier when volatile', () => {
    const demo = market({ seed: 7, regimes: { calmMeanMs: 30 * SECOND, volatileMeanMs: 30 * SECOND } });
    const book = new OrderBook();
    const out: MarketEvent[] = [];
    const seconds = { calm: 0, volatile: 0 };
    const events = { calm: 0, volatile: 0 };
    const squaredMoves = { calm: 0, volatile: 0 };
    let mid = 100;
    for (let ts = START; ts < START + 30 * MINUTE; ts += SECOND) {
      const regime = demo.regime();
      out.length = 0;
      demo.advanceTo(ts + SECOND - 1, out);
      for (const event of out) apply(book, event);
      const next = book.mid() ?? mid;
      // Attribute the second to the regime it started in; switches mid-second blur this a little.
      seconds[regime]++;
      events[regime] += out.length;
      squaredMoves[regime] += Math.log(next / mid) ** 2;
      mid = next;
    }
    expect(seconds.calm).toBeGreaterThan(300);
    expect(seconds.volatile).toBeGreaterThan(300);
    const rate = (regime: 'calm' | 'volatile'): number => events[regime] / seconds[regime];
    const volatility = (regime: 'calm' | 'volatile'): number =>
      Math.sqrt(squaredMoves[regime] / seconds[regime]);
    expect(rate('volatile')).toBeGreaterThan(1.5 * rate('calm'));
    expect(volatility('volatile')).toBeGreaterThan(1.8 * volatility('calm'));
    // The calm noise is 1 bp per sqrt(second) by default.
    expect(volatility('calm')).toBeGreaterThan(0.8e-4);
    expect(volatility('calm')).toBeLessThan(1.2e-4);
  });

  it('keeps prices on any decimal tick grid', () => {
    const demo = market({ seed: 8, tickSize: 0.25, startPrice: 500, noise: 1e-3 });
    expect(demo.instrument.tickSize).toBe(0.25);
    const prices = generate(demo, 2 * MINUTE).flatMap((event) =>
      event.kind === 'book_snapshot' ? event.bids.map(([price]) => price) : [event.price],
    );
    expect(new Set(prices).size).toBeGreaterThan(100);
    expect(prices.filter((price) => !onGrid(price, 4))).toEqual([]);
  });

  it('refuses a book thinner than 50 levels', () => {
    expect(() => market({ levels: 49 })).toThrow(RangeError);
  });

  describe('planted signal', () => {
    // beta = 1e-4: over the next second the mid returns 1e-4 per unit of top-5 imbalance on
    // average. Measured on two hours of market time. The slope is expected a little under beta
    // (the imbalance partly decays within the horizon, see DemoMarket) and within [0.8, 1.1] beta;
    // at beta = 0 it must stay within 0.1 beta of zero (seed to seed it spreads about 0.07 beta).
    const beta = 1e-4;
    const twoHours = 2 * 60 * MINUTE;

    it('shows up as a forward-return slope close to beta on the imbalance', { timeout: 60_000 }, () => {
      const slope = forwardReturnSlope({ seed: 11, beta }, twoHours, SECOND);
      expect(slope).toBeGreaterThan(0.8 * beta);
      expect(slope).toBeLessThan(1.1 * beta);
    });

    it('is absent at beta = 0: the imbalance predicts nothing', { timeout: 60_000 }, () => {
      const slope = forwardReturnSlope({ seed: 11, beta: 0 }, twoHours, SECOND);
      expect(Math.abs(slope)).toBeLessThan(0.1 * beta);
    });
  });
});
