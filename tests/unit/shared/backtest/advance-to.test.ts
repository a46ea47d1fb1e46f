import { describe, expect, it } from 'vitest';
import { EventBacktest, runEventBacktest } from '../../../../shared/backtest/engine.js';
import { BookImbalance, bookImbalanceParams } from '../../../../shared/backtest/strategies/book-imbalance.js';
import type { MarketEvent } from '../../../../shared/domain/market.js';
import { DemoMarket } from '../../../../shared/market/demo-market.js';
import { config, delta, fixtureBook, scripted, submit } from './builders.js';

describe('event backtest driven incrementally', () => {
  it('delivers an order whose latency elapsed when the clock advances, with no event', () => {
    const engine = new EventBacktest(
      config(scripted({ 0: [submit({ clientId: 'b', side: 'buy', type: 'market', quantity: 2 })] }), {
        latency: { kind: 'constant', submitMs: 50, cancelMs: 0 },
      }),
    );
    engine.onEvent(fixtureBook(0, 0));
    engine.advanceTo(49);
    expect(engine.result().fills).toEqual([]);
    engine.advanceTo(50);
    // Walks the fixture asks: 1 at 100.5 and 1 at 101, taker 10 bp.
    expect(engine.result().fills.map((f) => [f.ts, f.price, f.quantity, f.fee])).toEqual([
      [50, 100.5, 1, 0.1005],
      [50, 101, 1, 0.101],
    ]);
    expect(engine.position).toBe(2);
    expect(engine.ts).toBe(50);
  });

  it('refuses an event older than the time it was advanced to, and accepts one at that time', () => {
    const engine = new EventBacktest(config({}));
    engine.onEvent(fixtureBook(0, 0));
    engine.advanceTo(100);
    expect(() => {
      engine.onEvent(delta(99, 1, 'bid', 99, 1));
    }).toThrow(RangeError);
    expect(() => {
      engine.onEvent(delta(100, 1, 'bid', 99, 1));
    }).not.toThrow();
    expect(() => {
      engine.advanceTo(99);
    }).toThrow(RangeError);
  });

  it('gives the batch result bit for bit when advanced to every event time before it', () => {
    const market = new DemoMarket({ seed: 21, startTs: 0 });
    const events: MarketEvent[] = [];
    market.advanceTo(60_000, events);
    const make = () =>
      config(new BookImbalance(bookImbalanceParams.parse({ minIntervalMs: 500 })), {
        latency: { kind: 'empirical', samplesMs: [1, 4, 12] },
        seed: 5,
      });
    const batch = runEventBacktest(make(), events);
    const engine = new EventBacktest(make());
    for (const event of events) {
      engine.advanceTo(event.ts);
      engine.onEvent(event);
    }
    const stepped = engine.finish();
    expect(batch.fills.length).toBeGreaterThan(5);
    expect(stepped).toEqual(batch);
    expect(Buffer.from(stepped.curve.equity.buffer)).toEqual(Buffer.from(batch.curve.equity.buffer));
  });
});
