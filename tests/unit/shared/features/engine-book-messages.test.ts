import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../../../shared/domain/market.js';
import { FeatureSetEngine } from '../../../../shared/features/engine.js';
import { OrderBook } from '../../../../shared/market/order-book.js';
import { messageEvents, PlainBook, readBookCsv, sampleBook } from '../../../fixtures/book-files.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'engine-book-messages-'));
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const INSTRUMENT = 'bybit:XRP/USDT';
const sample = sampleBook('book_bybit_xrpusdt_ob500.csv', tmp);
const messages = readBookCsv(sample.file);

function bookSet(): FeatureSetEngine {
  return new FeatureSetEngine(
    {
      name: 'book',
      instrument: INSTRUMENT,
      sampling: 'event',
      features: [
        { kind: 'spread' },
        { kind: 'book_imbalance', params: { levels: 5 } },
        { kind: 'microprice' },
      ],
    },
    { collectRows: true },
  );
}

describe(`feature engine on ${sample.label}`, () => {
  it('has messages that cross the book when their levels are applied one by one', () => {
    // The premise: applied level by level, some messages pass through a crossed book.
    const book = new OrderBook();
    let transientlyCrossed = 0;
    for (const message of messages) {
      let crossed = false;
      for (const event of messageEvents(INSTRUMENT, message)) {
        if (event.kind === 'book_snapshot') book.applySnapshot(event);
        else if (event.kind === 'book_delta') book.applyDelta(event);
        if (book.isCrossed()) crossed = true;
      }
      if (crossed) transientlyCrossed++;
    }
    expect(transientlyCrossed).toBeGreaterThan(0);
  });

  it('lets no feature see a crossed book: one row per message, on the exchange book, spread always positive', () => {
    const engine = bookSet();
    const exact = new PlainBook();
    let spreads = 0;
    for (const message of messages) {
      exact.apply(message);
      for (const event of messageEvents(INSTRUMENT, message)) engine.onEvent(event);
      const rows = engine.drainRows();
      // The row after the whole message, none in the middle of it.
      expect(rows.count).toBe(1);
      const spread = rows.values[0] ?? Number.NaN;
      expect(spread).toBeGreaterThan(0);
      spreads++;
      const book = engine.orderBook();
      expect(book?.isCrossed()).toBe(false);
      const { bids, asks } = exact.top();
      expect(book?.bidPrice(0)).toBe(bids[0]?.[0]);
      expect(book?.askPrice(0)).toBe(asks[0]?.[0]);
      expect(spread).toBeCloseTo((asks[0]?.[0] ?? Number.NaN) - (bids[0]?.[0] ?? Number.NaN), 12);
    }
    expect(spreads).toBe(messages.length);
    expect(engine.stats().rejected).toBe(0);
  });

  it('gives the same rows fed in one stream as message by message', () => {
    const stream = bookSet();
    stream.onEvents(messages.flatMap((message) => messageEvents(INSTRUMENT, message)));
    const streamed = stream.drainRows();
    const stepped = bookSet();
    const values: number[] = [];
    for (const message of messages) {
      stepped.onEvents(messageEvents(INSTRUMENT, message));
      values.push(...stepped.drainRows().values);
    }
    expect(streamed.count).toBe(messages.length);
    expect([...streamed.values]).toEqual(values);
  });

  it('backs out a message that leaves the book crossed once whole, and counts its deltas as rejected', () => {
    const engine = bookSet();
    const snapshot: MarketEvent = {
      kind: 'book_snapshot',
      instrument: INSTRUMENT,
      ts: 1_000,
      seq: 1,
      bids: [[0.5, 10]],
      asks: [[0.6, 10]],
    };
    const delta = (side: 'bid' | 'ask', price: number, size: number): MarketEvent => ({
      kind: 'book_delta',
      instrument: INSTRUMENT,
      ts: 2_000,
      seq: 2,
      side,
      price,
      size,
    });
    engine.onEvent(snapshot);
    // A bid at 0.6 while the ask at 0.6 stays: crossed after the whole message.
    engine.onEvent(delta('bid', 0.55, 3));
    engine.onEvent(delta('bid', 0.6, 1));
    const rows = engine.drainRows();
    expect(rows.count).toBe(1);
    expect(engine.stats().rejected).toBe(2);
    expect(engine.orderBook()?.top(5)).toEqual({ bids: [[0.5, 10]], asks: [[0.6, 10]] });
  });
});
