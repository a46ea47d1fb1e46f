import type { Exchange } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { SymbolFeed, type DeliveryReport } from '../../../../main/exchange/symbol-feed.js';
import type { Gap } from '../../../../main/storage/gap-ledger.js';
import type { MarketEvent } from '../../../../shared/domain/market.js';
import { MarketEventValidator } from '../../../../shared/market/validate.js';
import { instrument } from '../../../fixtures/market-data.js';
import { until } from '../../../fixtures/until.js';

type Side = [number, number][];

/** Just enough of a ccxt pro exchange: order books in turn, and trades that never come. */
function fakeExchange(books: readonly { bids: Side; asks: Side; timestamp: number }[]): Exchange {
  let next = 0;
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const fake = {
    has: { watchTrades: true, watchOrderBook: true, fetchOHLCV: false, watchOHLCV: false },
    watchTrades: async () => {
      await pause(5);
      return [];
    },
    watchOrderBook: async () => {
      await pause(2);
      const book = books[Math.min(next, books.length - 1)];
      next++;
      return book;
    },
  };
  return fake as unknown as Exchange;
}

describe('symbol feed, book messages', () => {
  it('sends each update as one message, and after a refused one resnapshots the book and ledgers the gap', async () => {
    const market = instrument();
    // The exchange's books: a sound start, one update the pipeline will refuse, then sound again.
    const exchange = fakeExchange([
      { timestamp: 1_000, bids: [[99, 1]], asks: [[100, 1]] },
      // The bid at 100 comes with the ask leaving 100: one message, accepted whole.
      {
        timestamp: 1_100,
        bids: [
          [100, 2],
          [99, 1],
        ],
        asks: [[101, 1]],
      },
      {
        timestamp: 1_200,
        bids: [
          [100, 2],
          [99, 1],
        ],
        asks: [
          [100.5, 1],
          [101, 1],
        ],
      },
      {
        timestamp: 1_300,
        bids: [
          [100, 3],
          [99, 1],
        ],
        asks: [
          [100.5, 1],
          [101, 1],
        ],
      },
    ]);
    const validator = new MarketEventValidator({ clock: () => 10_000 });
    const delivered: MarketEvent[][] = [];
    const gaps: Gap[] = [];
    let refuseNext = 2; // the third delivery (the 1_200 update) is refused, as if it were crossed
    const feed = new SymbolFeed({
      exchange,
      exchangeId: 'demo',
      instrument: market,
      consecutiveTradeIds: false,
      deliver: (events): DeliveryReport => {
        delivered.push(events);
        const refused = refuseNext-- === 0 ? events : [];
        const accepted = refused.length === 0 ? validator.acceptBatch(events) : [];
        return {
          refusedBooks: new Set(refused.length > 0 || accepted.length < events.length ? [market.id] : []),
        };
      },
      recordGap: (gap) => gaps.push(gap),
      candleAt: () => null,
      clock: () => 10_000,
      random: () => 0.5,
      log: () => undefined,
    });
    feed.start();
    await until(
      () => delivered.length,
      (count) => count >= 4,
    );
    await feed.stop();

    const [snapshot, update, refused, resnapshot] = delivered;
    expect(snapshot?.map((e) => e.kind)).toEqual(['book_snapshot']);
    // One message: every delta of the update shares seq 2 and the receive time.
    expect(update?.map((e) => `${e.kind} ${e.seq} ${e.kind === 'trade' ? '' : String(e.localTs)}`)).toEqual(
      Array<string>(3).fill('book_delta 2 10000'),
    );
    expect(refused?.every((e) => e.kind === 'book_delta' && e.seq === 3)).toBe(true);
    expect(resnapshot?.map((e) => e.kind)).toEqual(['book_snapshot']);
    expect(feed.status().refusedBookMessages).toBe(1);
    expect(gaps).toEqual([expect.objectContaining({ kind: 'book', fromTs: 1_100, toTs: 1_300 })]);
    expect(gaps[0]?.reason).toContain('failed validation');
  });
});
