import { describe, expect, it } from 'vitest';
import {
  EventBacktest,
  runCandleBacktest,
  runEventBacktest,
  type CandleSeries,
} from '../../../../shared/backtest/engine.js';
import { BookImbalance, bookImbalanceParams } from '../../../../shared/backtest/strategies/book-imbalance.js';
import type { MarketEvent } from '../../../../shared/domain/market.js';
import { featureCallback } from '../../../../shared/backtest/strategy.js';
import { DemoMarket } from '../../../../shared/market/demo-market.js';
import { config, scriptedBars, snapshot, submit, trade } from './builders.js';

function candles(
  barMs: number,
  rows: readonly (readonly [open: number, high: number, low: number, close: number])[],
): CandleSeries {
  return {
    length: rows.length,
    barMs,
    openTime: Float64Array.from(rows, (_, i) => i * barMs),
    open: Float64Array.from(rows, (r) => r[0]),
    high: Float64Array.from(rows, (r) => r[1]),
    low: Float64Array.from(rows, (r) => r[2]),
    close: Float64Array.from(rows, (r) => r[3]),
    volume: Float64Array.from(rows, () => 1),
  };
}

function demoEvents(minutes: number, seed: number): MarketEvent[] {
  const market = new DemoMarket({ seed, startTs: 0 });
  const out: MarketEvent[] = [];
  out.push({ kind: 'book_snapshot', ...market.snapshot() });
  market.advanceTo(minutes * 60_000, out);
  return out;
}

describe('backtest engine', () => {
  it('is deterministic: the same events and config give the same result, bit for bit', () => {
    const events = demoEvents(3, 11);
    const run = () =>
      runEventBacktest(
        config(new BookImbalance(bookImbalanceParams.parse({ minIntervalMs: 2000 })), {
          latency: { kind: 'empirical', samplesMs: [1, 3, 8, 20] },
          seed: 42,
        }),
        events,
      );
    const a = run();
    const b = run();
    expect(a.fills.length).toBeGreaterThan(10);
    expect(b).toEqual(a);
    expect(Buffer.from(b.curve.equity.buffer)).toEqual(Buffer.from(a.curve.equity.buffer));
  });

  it('delivers orders to the venue in time order, whatever their sampled delays', () => {
    const events: MarketEvent[] = [snapshot(0, 0, [[99, 1000]], [[100, 1000]])];
    for (let i = 1; i <= 200; i++) events.push(trade(i, i, 'buy', 100, 0.01));
    const result = runEventBacktest(
      config(
        {
          onEvent: (event, ctx) =>
            event.seq >= 1 && event.seq <= 150
              ? [submit({ clientId: ctx.nextClientId(), side: 'buy', type: 'limit', price: 90, quantity: 1 })]
              : null,
        },
        { latency: { kind: 'empirical', samplesMs: [0, 1, 7, 13, 40] }, seed: 3 },
      ),
      events,
    );
    const arrivals = result.orderEvents.filter((e) => e.kind === 'accepted').map((e) => e.ts);
    expect(arrivals.length).toBe(150);
    expect(arrivals).toEqual([...arrivals].sort((a, b) => a - b));
  });

  it('refuses events out of (ts, seq) order', () => {
    expect(() =>
      runEventBacktest(config({}), [trade(10, 5, 'buy', 100, 1), trade(10, 4, 'buy', 100, 1)]),
    ).toThrow(RangeError);
  });

  it('samples equity on a grid of market time, marked at the mid', () => {
    const result = runEventBacktest(
      config(
        {
          onEvent: (e) =>
            e.seq === 0 ? [submit({ clientId: 'b', side: 'buy', type: 'market', quantity: 1 })] : null,
        },
        {
          equityIntervalMs: 1000,
        },
      ),
      [snapshot(0, 0, [[99, 10]], [[100, 10]]), snapshot(2500, 1, [[109, 10]], [[110, 10]])],
    );
    // Bought 1 @ 100 (fee 0.1): cash 9,899.9. Mid 99.5 until 2500 (equity 9,999.4), then 109.5
    // (10,009.4).
    // Grid points 0, 1000, 2000 see the first book; the last point (2500) the second.
    expect(Array.from(result.curve.ts)).toEqual([0, 1000, 2000, 2500]);
    // The first point is taken before the first event: the initial cash, flat.
    expect(Array.from(result.curve.equity)).toEqual(
      [10000, 9999.4, 9999.4, 10009.4].map((x) => expect.closeTo(x, 9) as number),
    );
    expect(Array.from(result.curve.position)).toEqual([0, 1, 1, 1]);
  });
});

describe('features', () => {
  it('hands the strategy the feature row of the event it is looking at, computed after the event and before the strategy', () => {
    const seen: [number, number][] = [];
    let engineBook: EventBacktest['book'] | null = null;
    const engine = new EventBacktest(
      config(
        {
          onEvent: (_event, ctx) => {
            seen.push([ctx.features?.[0] ?? Number.NaN, ctx.book?.mid() ?? Number.NaN]);
            return null;
          },
        },
        {
          features: featureCallback(
            (_event, book) => Float64Array.of(book?.mid() ?? Number.NaN),
            () => engineBook,
          ),
        },
      ),
    );
    engineBook = engine.book;
    engine.run([snapshot(0, 0, [[99, 1]], [[101, 1]]), snapshot(1, 1, [[100, 1]], [[104, 1]])]);
    // Mids (99 + 101) / 2 = 100 and (100 + 104) / 2 = 102: the row always matches the book.
    expect(seen).toEqual([
      [100, 100],
      [102, 102],
    ]);
  });
});

describe('candle mode and event mode agree', () => {
  /**
   * Four one-second bars made of trades; the book's touch is where the next bar opens, so a
   * market order at a bar close fills at the next open in both modes.
   *   bar 0: buy 100, sell 99                       O 100 H 100 L 99  C 99
   *   bar 1: buy 100 | book moves to 104/105 | buy 105  O 100 H 105 L 100 C 105
   *   bar 2: sell 104, buy 105                      O 104 H 105 L 104 C 105
   *   bar 3: sell 104, buy 105                      O 104 H 105 L 104 C 105
   * The strategy buys 1 at the close of bar 0 and sells it at the close of bar 2.
   */
  const events: MarketEvent[] = [
    snapshot(0, 0, [[99, 10]], [[100, 10]]),
    trade(100, 1, 'buy', 100, 1),
    trade(500, 2, 'sell', 99, 1),
    trade(1000, 3, 'buy', 100, 1),
    snapshot(1500, 4, [[104, 10]], [[105, 10]]),
    trade(1600, 5, 'buy', 105, 1),
    trade(2100, 6, 'sell', 104, 1),
    trade(2500, 7, 'buy', 105, 1),
    trade(3000, 8, 'sell', 104, 1),
    trade(3100, 9, 'buy', 105, 1),
  ];
  const bars = candles(1000, [
    [100, 100, 99, 99],
    [100, 105, 100, 105],
    [104, 105, 104, 105],
    [104, 105, 104, 105],
  ]);
  const script = () =>
    scriptedBars({
      0: [submit({ clientId: 'in', side: 'buy', type: 'market', quantity: 1 })],
      2: [submit({ clientId: 'out', side: 'sell', type: 'market', quantity: 1 })],
    });

  it('fills the same orders at the same prices and times, with the same PnL', () => {
    const eventRun = runEventBacktest(config(script(), { barMs: 1000 }), events);
    const candleRun = runCandleBacktest(config(script()), bars);
    const fills = (r: typeof eventRun) =>
      r.fills.map((f) => [f.clientId, f.ts, f.side, f.price, f.quantity, f.fee]);
    // Buy 1 @ 100 at 1000 (fee 0.1), sell 1 @ 104 at 3000 (fee 0.104).
    expect(fills(eventRun)).toEqual([
      ['in', 1000, 'buy', 100, 1, expect.closeTo(0.1, 15)],
      ['out', 3000, 'sell', 104, 1, expect.closeTo(0.104, 15)],
    ]);
    expect(fills(candleRun)).toEqual(fills(eventRun));
    // Realised 104 - 100 = 4; cash 10,000 - 100.1 + 103.896 = 10,003.796 in both.
    for (const run of [eventRun, candleRun]) {
      expect(run.realizedPnl).toBe(4);
      expect(run.cash).toBeCloseTo(10003.796, 9);
      expect(run.trips.map((t) => [t.entryTs, t.exitTs, t.netPnl])).toEqual([
        [1000, 3000, expect.closeTo(3.796, 12)],
      ]);
    }
  });
});

describe('candle mode input', () => {
  it('refuses bars out of time order', () => {
    const bars = candles(60_000, [
      [1, 1, 1, 1],
      [1, 1, 1, 1],
    ]);
    bars.openTime[1] = 0;
    expect(() => runCandleBacktest(config({}), bars)).toThrow(RangeError);
  });
});

describe('candle mode fill rules', () => {
  const bars = candles(60_000, [
    [100, 101, 99, 100],
    [100, 103, 98, 102], // the bar the orders arrive in
    [102, 104, 101, 103],
  ]);

  it('fills a resting limit only when the bar trades through it, at the limit, as maker', () => {
    const result = runCandleBacktest(
      config(
        scriptedBars({
          0: [
            submit({ clientId: 'touch', side: 'buy', type: 'limit', price: 98, quantity: 1 }),
            submit({ clientId: 'through', side: 'buy', type: 'limit', price: 99, quantity: 1 }),
          ],
        }),
      ),
      bars,
    );
    // Bar 1 low 98: 99 is traded through (fills at 99), 98 is only touched (no fill).
    expect(result.fills.map((f) => [f.clientId, f.ts, f.price, f.liquidity])).toEqual([
      ['through', 60_000, 99, 'maker'],
    ]);
  });

  it('fills a marketable limit at the open as taker and rejects it if post-only', () => {
    const result = runCandleBacktest(
      config(
        scriptedBars({
          0: [
            submit({ clientId: 'take', side: 'buy', type: 'limit', price: 101, quantity: 1 }),
            submit({ clientId: 'po', side: 'buy', type: 'limit', price: 101, quantity: 1, postOnly: true }),
          ],
        }),
      ),
      bars,
    );
    expect(result.fills.map((f) => [f.clientId, f.price, f.liquidity])).toEqual([['take', 100, 'taker']]);
    expect(result.orderEvents.find((e) => e.clientId === 'po')).toMatchObject({
      kind: 'rejected',
      reason: 'post_only_would_cross',
    });
  });

  it('triggers a stop when the bar reaches it and fills at the stop (or the open on a gap), with slippage', () => {
    const result = runCandleBacktest(
      config(
        scriptedBars({
          0: [
            submit({ clientId: 'up', side: 'buy', type: 'stop', stopPrice: 102.5, quantity: 1 }),
            submit({ clientId: 'gap', side: 'buy', type: 'stop', stopPrice: 99.5, quantity: 1 }),
          ],
        }),
        { slippageBps: 10 },
      ),
      bars,
    );
    // Bar 1 opens at 100, high 103: 'up' triggers at 102.5, 'gap' was below the open: fills at 100.
    // 10 bp worse for a buy: 102.5 * 1.001 = 102.6025, 100 * 1.001 = 100.1.
    expect(result.fills.map((f) => [f.clientId, f.price])).toEqual([
      ['up', expect.closeTo(102.6025, 10)],
      ['gap', expect.closeTo(100.1, 10)],
    ]);
  });

  it('fills market orders at the next close when configured to', () => {
    const result = runCandleBacktest(
      config(scriptedBars({ 0: [submit({ clientId: 'm', side: 'sell', type: 'market', quantity: 2 })] }), {
        candleFill: 'close',
      }),
      bars,
    );
    // Bar 1 closes at 102, at 60,000 + 60,000 ms.
    expect(result.fills.map((f) => [f.ts, f.price, f.quantity])).toEqual([[120_000, 102, 2]]);
    expect(result.position).toBe(-2);
  });
});
