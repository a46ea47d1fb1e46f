import { describe, expect, it } from 'vitest';
import { runEventBacktest } from '../../../../shared/backtest/engine.js';
import type { OrderEvent } from '../../../../shared/backtest/orders.js';
import { config, delta, fixtureBook, scripted, submit, trade } from './builders.js';

/** Events of one order, without the fields a test does not check. */
function lifecycle(events: readonly OrderEvent[], clientId: string): string[] {
  return events.filter((e) => e.clientId === clientId).map((e) => `${e.kind}@${e.ts}`);
}

describe('fill model: market orders', () => {
  it('walks several levels of the book: exact fills, VWAP, slippage against the mid and the taker fee', () => {
    const result = runEventBacktest(
      config(scripted({ 0: [submit({ clientId: 'm1', side: 'buy', type: 'market', quantity: 3 })] })),
      [fixtureBook(0, 0)],
    );
    // Asks 100.5 x 1, 101 x 3: 1 @ 100.5 then 2 @ 101.
    expect(result.fills.map((f) => [f.price, f.quantity, f.liquidity])).toEqual([
      [100.5, 1, 'taker'],
      [101, 2, 'taker'],
    ]);
    // Notional 100.5 + 202 = 302.5; VWAP 302.5 / 3 = 100.8333...
    const notional = result.fills.reduce((sum, f) => sum + f.price * f.quantity, 0);
    expect(notional / 3).toBeCloseTo(100.833333333, 8);
    // Taker fee 10 bp of 302.5 = 0.3025; cash 10,000 - 302.5 - 0.3025 = 9,697.1975.
    expect(result.feesPaid).toBeCloseTo(0.3025, 12);
    expect(result.cash).toBeCloseTo(9697.1975, 9);
    // Slippage vs the mid at decision (100): 0.5 * 1 + 1 * 2 = 2.5, on the fills' decision mid.
    const slippage = result.fills.reduce((sum, f) => sum + (f.price - f.decisionMid) * f.quantity, 0);
    expect(slippage).toBeCloseTo(2.5, 12);
    expect(result.position).toBe(3);
    expect(result.avgEntryPrice).toBeCloseTo(100.833333333, 8);
    expect(result.orderEvents.map((e) => e.kind)).toEqual(['accepted', 'partially_filled', 'filled']);
  });

  it('does not take the same liquidity twice until the level is refreshed by a book update', () => {
    const result = runEventBacktest(
      config(
        scripted({
          0: [submit({ clientId: 'a', side: 'buy', type: 'market', quantity: 1 })],
          1: [submit({ clientId: 'b', side: 'buy', type: 'market', quantity: 1 })],
          2: [submit({ clientId: 'c', side: 'buy', type: 'market', quantity: 1 })],
        }),
      ),
      [fixtureBook(0, 0), trade(1, 1, 'sell', 99.5, 0.1), delta(2, 2, 'ask', 100.5, 1)],
    );
    // a takes the 1 @ 100.5; b finds 100.5 consumed by us and pays 101; the delta at 100.5
    // refreshes that level, so c gets 100.5 again.
    expect(result.fills.map((f) => [f.clientId, f.price])).toEqual([
      ['a', 100.5],
      ['b', 101],
      ['c', 100.5],
    ]);
  });

  it('expires the rest of a market order that exhausts the visible book', () => {
    const result = runEventBacktest(
      config(scripted({ 0: [submit({ clientId: 'big', side: 'sell', type: 'market', quantity: 10 })] })),
      [fixtureBook(0, 0)],
    );
    // Bids 99.5 x 2 and 99 x 5: 7 filled, 3 expire.
    expect(result.position).toBe(-7);
    expect(result.orderEvents.at(-1)).toEqual({
      kind: 'expired',
      ts: 0,
      clientId: 'big',
      reason: 'no_liquidity',
    });
  });
});

describe('fill model: limit orders in the queue', () => {
  it('fills a resting bid only after the queue ahead is consumed by trades and pro-rata cancels', () => {
    const result = runEventBacktest(
      config(
        scripted({ 0: [submit({ clientId: 'bid', side: 'buy', type: 'limit', price: 99.5, quantity: 1 })] }),
      ),
      [
        fixtureBook(0, 0), // we join behind 2 at 99.5: ahead 2
        trade(10, 1, 'sell', 99.5, 1), // eats 1 of the queue ahead: ahead 1
        delta(10, 2, 'bid', 99.5, 1), // the book shows that trade: not a cancel, ahead stays 1
        delta(20, 3, 'bid', 99.5, 3), // 2 join behind us: ahead 1, behind 2
        delta(30, 4, 'bid', 99.5, 1.5), // 1.5 cancelled pro rata: ahead 1 - 1.5 * 1/3 = 0.5
        trade(40, 5, 'sell', 99.5, 1), // 0.5 of the queue first, then 0.5 fills us
        delta(40, 6, 'bid', 99.5, 0.5),
        trade(50, 7, 'sell', 99.5, 2), // nothing ahead: our last 0.5 fills
        delta(50, 8, 'bid', 99.5, 0),
      ],
    );
    expect(result.fills.map((f) => [f.ts, f.price, f.quantity, f.liquidity])).toEqual([
      [40, 99.5, 0.5, 'maker'],
      [50, 99.5, 0.5, 'maker'],
    ]);
    // Maker fee 2 bp of 99.5 * 0.5 = 0.00995 per fill.
    expect(result.fills.map((f) => f.fee)).toEqual(
      [0.00995, 0.00995].map((x) => expect.closeTo(x, 12) as number),
    );
    expect(lifecycle(result.orderEvents, 'bid')).toEqual(['accepted@0', 'partially_filled@40', 'filled@50']);
  });

  it('fills completely at its own price when a trade prints through it', () => {
    const result = runEventBacktest(
      config(
        scripted({
          0: [submit({ clientId: 'bid', side: 'buy', type: 'limit', price: 99.5, quantity: 1.5 })],
        }),
      ),
      [fixtureBook(0, 0), trade(5, 1, 'sell', 99.5, 2), trade(6, 2, 'sell', 99, 0.1)],
    );
    // The first trade only eats the 2 ahead; the sell at 99 went through our 99.5: all 1.5 at 99.5.
    expect(result.fills.map((f) => [f.ts, f.price, f.quantity])).toEqual([[6, 99.5, 1.5]]);
  });

  it('takes liquidity for the marketable part of a limit order and rests the rest at its price', () => {
    const result = runEventBacktest(
      config(
        scripted({ 0: [submit({ clientId: 'x', side: 'buy', type: 'limit', price: 101, quantity: 5 })] }),
      ),
      [fixtureBook(0, 0), trade(5, 1, 'sell', 101, 0.5)],
    );
    // 1 @ 100.5 and 3 @ 101 as taker; 1 rests at 101 with nothing ahead (no bid there), then a
    // sell at 101 fills 0.5 of it as maker.
    expect(result.fills.map((f) => [f.price, f.quantity, f.liquidity])).toEqual([
      [100.5, 1, 'taker'],
      [101, 3, 'taker'],
      [101, 0.5, 'maker'],
    ]);
  });

  it('rejects a post-only order that would cross and rests one that would not', () => {
    const result = runEventBacktest(
      config(
        scripted({
          0: [
            submit({
              clientId: 'cross',
              side: 'buy',
              type: 'limit',
              price: 100.5,
              quantity: 1,
              postOnly: true,
            }),
            submit({ clientId: 'rest', side: 'buy', type: 'limit', price: 100, quantity: 1, postOnly: true }),
          ],
        }),
      ),
      [fixtureBook(0, 0)],
    );
    expect(result.orderEvents).toEqual([
      { kind: 'rejected', ts: 0, clientId: 'cross', reason: 'post_only_would_cross' },
      { kind: 'accepted', ts: 0, clientId: 'rest' },
    ]);
    expect(result.fills).toEqual([]);
  });

  it('lets an IOC limit take what it can and expires the rest', () => {
    const result = runEventBacktest(
      config(
        scripted({
          0: [
            submit({
              clientId: 'ioc',
              side: 'buy',
              type: 'limit',
              price: 100.5,
              quantity: 2,
              timeInForce: 'ioc',
            }),
          ],
        }),
      ),
      [fixtureBook(0, 0)],
    );
    expect(result.fills.map((f) => [f.price, f.quantity])).toEqual([[100.5, 1]]);
    expect(result.orderEvents.at(-1)).toEqual({
      kind: 'expired',
      ts: 0,
      clientId: 'ioc',
      reason: 'ioc_remainder',
    });
  });
});

describe('fill model: stops', () => {
  it('triggers a buy stop on a trade at its price, then fills it as a market order against the book', () => {
    const result = runEventBacktest(
      config(
        scripted({
          0: [submit({ clientId: 'stop', side: 'buy', type: 'stop', stopPrice: 101, quantity: 2 })],
        }),
      ),
      [
        fixtureBook(0, 0),
        trade(10, 1, 'buy', 100.5, 1), // below the stop: nothing
        delta(10, 2, 'ask', 100.5, 0),
        trade(20, 3, 'buy', 101, 1), // at the stop: triggers; the book still shows 101 x 3
        delta(20, 4, 'ask', 101, 2),
      ],
    );
    expect(lifecycle(result.orderEvents, 'stop')).toEqual(['accepted@0', 'triggered@20', 'filled@20']);
    expect(result.fills.map((f) => [f.price, f.quantity, f.liquidity])).toEqual([[101, 2, 'taker']]);
  });

  it('turns a triggered stop-limit into a limit order that takes up to its price and rests the rest', () => {
    const result = runEventBacktest(
      config(
        scripted({
          0: [
            submit({
              clientId: 'sl',
              side: 'sell',
              type: 'stop_limit',
              stopPrice: 99.5,
              price: 99.5,
              quantity: 3,
            }),
          ],
        }),
      ),
      [fixtureBook(0, 0), trade(10, 1, 'sell', 99.5, 0.5)],
    );
    // Triggered at 99.5; bids 99.5 x 2 are within the limit: 2 filled, 1 rests as an ask at 99.5.
    expect(result.fills.map((f) => [f.price, f.quantity])).toEqual([[99.5, 2]]);
    expect(lifecycle(result.orderEvents, 'sl')).toEqual([
      'accepted@0',
      'triggered@10',
      'partially_filled@10',
    ]);
  });
});

describe('fill model: latency', () => {
  const events = [
    fixtureBook(0, 0),
    delta(20, 1, 'ask', 100.5, 0), // someone else lifts 100.5 twenty ms later
    trade(100, 2, 'sell', 99.5, 0.1),
  ];
  const order = submit({
    clientId: 'ioc',
    side: 'buy',
    type: 'limit',
    price: 100.5,
    quantity: 1,
    timeInForce: 'ioc',
  });

  it('fills at the price it saw when the order arrives at once', () => {
    const result = runEventBacktest(config(scripted({ 0: [order] })), events);
    expect(result.fills.map((f) => [f.ts, f.price])).toEqual([[0, 100.5]]);
  });

  it('misses that price when the order arrives 50 ms later, after the level is gone', () => {
    const result = runEventBacktest(
      config(scripted({ 0: [order] }), { latency: { kind: 'constant', submitMs: 50, cancelMs: 50 } }),
      events,
    );
    expect(result.fills).toEqual([]);
    expect(lifecycle(result.orderEvents, 'ioc')).toEqual(['accepted@50', 'expired@50']);
  });

  it('draws delays from measured samples with the run seed, the same for the same seed', () => {
    const run = (seed: number) =>
      runEventBacktest(
        config(scripted({ 0: [submit({ clientId: 'm', side: 'buy', type: 'market', quantity: 1 })] }), {
          latency: { kind: 'empirical', samplesMs: [5, 60] },
          seed,
        }),
        events,
      );
    const arrivals = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => run(seed).orderEvents[0]?.ts);
    // Each arrival is one of the samples, and the same seed gives the same one.
    for (const ts of arrivals) expect([5, 60]).toContain(ts);
    expect(arrivals).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => run(seed).orderEvents[0]?.ts));
    // Arriving at 5 ms it gets 100.5, at 60 ms the level is gone and it pays 101.
    for (const seed of [1, 2, 3, 4]) {
      const result = run(seed);
      expect(result.fills[0]?.price).toBe(result.fills[0]?.ts === 5 ? 100.5 : 101);
    }
  });
});

describe('orders: reduce-only, cancel and replace', () => {
  it('clips a reduce-only order to the position and rejects one that would grow it', () => {
    const result = runEventBacktest(
      config(
        scripted({
          0: [submit({ clientId: 'open', side: 'buy', type: 'market', quantity: 1 })],
          1: [submit({ clientId: 'close', side: 'sell', type: 'market', quantity: 5, reduceOnly: true })],
          2: [submit({ clientId: 'grow', side: 'sell', type: 'market', quantity: 1, reduceOnly: true })],
        }),
      ),
      [fixtureBook(0, 0), delta(1, 1, 'ask', 100.5, 1), delta(2, 2, 'ask', 100.5, 1)],
    );
    // Long 1 @ 100.5; the reduce-only sell of 5 is clipped to 1 and sells 1 @ 99.5; flat, so the
    // next reduce-only sell would open a short: rejected.
    expect(result.fills.map((f) => [f.clientId, f.side, f.price, f.quantity])).toEqual([
      ['open', 'buy', 100.5, 1],
      ['close', 'sell', 99.5, 1],
    ]);
    expect(result.position).toBe(0);
    expect(lifecycle(result.orderEvents, 'close')).toEqual(['accepted@1', 'filled@1']);
    expect(result.orderEvents.at(-1)).toEqual({
      kind: 'rejected',
      ts: 2,
      clientId: 'grow',
      reason: 'reduce_only_would_increase',
    });
  });

  it('cancels a resting order after the cancel latency, unless it filled in the meantime', () => {
    const result = runEventBacktest(
      config(
        scripted({
          0: [
            submit({ clientId: 'keep', side: 'buy', type: 'limit', price: 99, quantity: 1 }),
            submit({ clientId: 'gone', side: 'buy', type: 'limit', price: 98, quantity: 1 }),
          ],
          1: [
            { kind: 'cancel', clientId: 'keep' },
            { kind: 'cancel', clientId: 'gone' },
          ],
        }),
        { latency: { kind: 'constant', submitMs: 0, cancelMs: 10 } },
      ),
      [
        fixtureBook(0, 0),
        trade(100, 1, 'sell', 99.5, 0.1),
        trade(105, 2, 'sell', 98.5, 0.1),
        trade(200, 3, 'buy', 100.5, 0.1),
      ],
    );
    // The cancels leave at 100 and arrive at 110; at 105 a sell at 98.5 went through 99 and
    // filled 'keep', so only 'gone' is cancelled.
    expect(lifecycle(result.orderEvents, 'keep')).toEqual(['accepted@0', 'filled@105']);
    expect(lifecycle(result.orderEvents, 'gone')).toEqual(['accepted@0', 'cancelled@110']);
  });

  it('sends a re-priced order to the back of the new level and keeps priority on a size cut', () => {
    const result = runEventBacktest(
      config(
        scripted({
          0: [submit({ clientId: 'q', side: 'buy', type: 'limit', price: 99, quantity: 2 })],
          1: [{ kind: 'replace', clientId: 'q', quantity: 1 }],
          2: [{ kind: 'replace', clientId: 'q', price: 99.5 }],
        }),
      ),
      [
        fixtureBook(0, 0), // at 99: 5 ahead
        trade(1, 1, 'sell', 99.5, 0.5), // then the size is cut to 1: still 5 ahead at 99
        trade(2, 2, 'sell', 99.5, 0.5), // then re-priced to 99.5: back of its queue, 2 visible ahead
        trade(3, 3, 'sell', 99.5, 2.5), // eats the 2 ahead, 0.5 fills us
      ],
    );
    expect(result.orderEvents.filter((e) => e.kind === 'replaced')).toEqual([
      { kind: 'replaced', ts: 1, clientId: 'q', price: 99, quantity: 1 },
      { kind: 'replaced', ts: 2, clientId: 'q', price: 99.5, quantity: 1 },
    ]);
    expect(result.fills.map((f) => [f.ts, f.price, f.quantity])).toEqual([[3, 99.5, 0.5]]);
  });

  it('loses queue priority when a replace makes the order bigger', () => {
    const result = runEventBacktest(
      config(
        scripted({
          0: [submit({ clientId: 'q', side: 'buy', type: 'limit', price: 99.5, quantity: 1 })],
          2: [{ kind: 'replace', clientId: 'q', quantity: 2 }],
        }),
      ),
      [
        fixtureBook(0, 0), // 2 ahead of us at 99.5
        trade(1, 1, 'sell', 99.5, 2), // eats those 2: we are first in line...
        delta(1, 2, 'bid', 99.5, 3), // ...3 join behind us, then we grow to 2 and rejoin behind them
        trade(2, 3, 'sell', 99.5, 3.5), // eats the 3 ahead, 0.5 fills us
      ],
    );
    expect(result.fills.map((f) => [f.ts, f.quantity])).toEqual([[2, 0.5]]);
  });

  it('expires a good-till order at its time', () => {
    const result = runEventBacktest(
      config(
        scripted({
          0: [
            submit({ clientId: 'gtt', side: 'buy', type: 'limit', price: 99, quantity: 1, goodTillTs: 50 }),
          ],
        }),
      ),
      [fixtureBook(0, 0), trade(100, 1, 'sell', 99.5, 0.1)],
    );
    expect(lifecycle(result.orderEvents, 'gtt')).toEqual(['accepted@0', 'expired@50']);
  });

  it('rejects invalid and duplicate orders before they leave', () => {
    const result = runEventBacktest(
      config(
        scripted({
          0: [
            submit({ clientId: 'a', side: 'buy', type: 'limit', quantity: 1 }),
            submit({ clientId: 'b', side: 'buy', type: 'market', quantity: -1 }),
            submit({ clientId: 'c', side: 'buy', type: 'limit', price: 90, quantity: 1 }),
            submit({ clientId: 'c', side: 'buy', type: 'limit', price: 90, quantity: 1 }),
          ],
        }),
      ),
      [fixtureBook(0, 0)],
    );
    expect(
      result.orderEvents.filter((e) => e.kind === 'rejected').map((e) => [e.clientId, e.reason]),
    ).toEqual([
      ['a', 'missing_price'],
      ['b', 'invalid_quantity'],
      ['c', 'duplicate_client_id'],
    ]);
  });
});
