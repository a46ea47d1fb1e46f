import type { Exchange, Trade as CcxtTrade } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { SymbolFeed } from '../../../../main/exchange/symbol-feed.js';
import type { MarketEvent } from '../../../../shared/domain/market.js';
import { instrument } from '../../../fixtures/market-data.js';
import { until } from '../../../fixtures/until.js';

/** Just enough of a ccxt pro exchange: two batches of trades, then quiet; a book that never changes. */
function fakeExchange(batches: readonly Partial<CcxtTrade>[][], onBatch: (index: number) => void): Exchange {
  let next = 0;
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const fake = {
    has: { watchTrades: true, watchOrderBook: true, fetchOHLCV: false, watchOHLCV: false },
    watchTrades: async () => {
      await pause(3);
      const batch = batches[next];
      if (batch === undefined) {
        await pause(20);
        return [];
      }
      onBatch(next);
      next++;
      return batch;
    },
    watchOrderBook: async () => {
      await pause(20);
      return { timestamp: 1_000, bids: [[99, 1]], asks: [[100, 1]] };
    },
  };
  return fake as unknown as Exchange;
}

describe('symbol feed, trades', () => {
  it('stamps each live trade with the time its message arrived, beside the exchange time', async () => {
    const market = instrument();
    let now = 50_000;
    const trade = (id: number, timestamp: number): Partial<CcxtTrade> => ({
      id: String(id),
      timestamp,
      price: 100,
      amount: 1,
      side: 'buy',
    });
    // The first message arrives at 50_040, the second at 50_300 (the clock moves as they come).
    const arrivals = [50_040, 50_300];
    const exchange = fakeExchange([[trade(1, 50_000), trade(2, 50_010)], [trade(3, 50_250)]], (index) => {
      now = arrivals[index] ?? now;
    });
    const delivered: MarketEvent[] = [];
    const feed = new SymbolFeed({
      exchange,
      exchangeId: 'demo',
      instrument: market,
      consecutiveTradeIds: false,
      deliver: (events) => {
        delivered.push(...events);
        return { refusedBooks: new Set<string>() };
      },
      recordGap: () => undefined,
      candleAt: () => null,
      clock: () => now,
      random: () => 0.5,
      log: () => undefined,
    });
    feed.start();
    await until(
      () => delivered.filter((e) => e.kind === 'trade').length,
      (count) => count >= 3,
    );
    await feed.stop();
    const trades = delivered.flatMap((e) => (e.kind === 'trade' ? [[e.id, e.ts, e.localTs]] : []));
    expect(trades).toEqual([
      ['1', 50_000, 50_040],
      ['2', 50_010, 50_040],
      ['3', 50_250, 50_300],
    ]);
  });
});
