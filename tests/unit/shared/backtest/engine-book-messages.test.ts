import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventBacktest } from '../../../../shared/backtest/engine.js';
import type { Strategy } from '../../../../shared/backtest/strategy.js';
import { messageEvents, PlainBook, readBookCsv, sampleBook } from '../../../fixtures/book-files.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'backtest-book-messages-'));
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const INSTRUMENT = 'bybit:XRP/USDT';
const sample = sampleBook('book_bybit_xrpusdt_ob500.csv', tmp);
const messages = readBookCsv(sample.file);

describe(`event backtest on ${sample.label}`, () => {
  it('replays multi-level messages as units: the strategy sees each whole message once, never a crossed book', () => {
    const exact = new PlainBook();
    const expectedTops = messages.map((message) => {
      exact.apply(message);
      const { bids, asks } = exact.top();
      return [bids[0]?.[0], asks[0]?.[0]];
    });
    const seen: (number | undefined)[][] = [];
    let crossed = 0;
    const watcher: Strategy = {
      onEvent(_event, ctx) {
        const book = ctx.book;
        if (book === null) return null;
        if (book.isCrossed()) crossed++;
        seen.push([book.bidPrice(0), book.askPrice(0)]);
        return null;
      },
    };
    const engine = new EventBacktest({ strategy: watcher, initialCash: 1_000, fees: { maker: 0, taker: 0 } });
    const events = messages.flatMap((message) => messageEvents(INSTRUMENT, message));
    // Not vacuous: most messages change several levels under one (ts, seq).
    expect(events.length).toBeGreaterThan(messages.length * 2);
    engine.run(events);
    expect(crossed).toBe(0);
    expect(seen).toEqual(expectedTops);
  });
});
