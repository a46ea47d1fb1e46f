import { describe, expect, it } from 'vitest';
import type { BookDelta, BookSnapshot, MarketEvent, Trade } from '../../../../shared/domain/market.js';
import { MarketEventValidator } from '../../../../shared/market/validate.js';
import { bookSnapshot } from '../../../fixtures/market-data.js';
import { TEST_INSTRUMENT, trade } from '../../../fixtures/trades.js';

const NOW = 1_000_000;

const tradeEvent = (overrides: Partial<Trade> = {}): MarketEvent => ({
  kind: 'trade',
  ...trade({ ts: NOW, ...overrides }),
});

const snapshotEvent = (overrides: Partial<BookSnapshot> = {}): MarketEvent => ({
  kind: 'book_snapshot',
  ...bookSnapshot({ ts: NOW, ...overrides }),
});

/** A delta on the fixture book (bids 99.5 / 99, asks 100.5 / 101). */
const deltaEvent = (overrides: Partial<BookDelta> = {}): MarketEvent => ({
  kind: 'book_delta',
  instrument: TEST_INSTRUMENT,
  ts: NOW,
  seq: 1,
  side: 'bid',
  price: 99,
  size: 1,
  ...overrides,
});

/** A validator whose clock reads NOW and which has seen the fixture book. */
function withBook(): MarketEventValidator {
  const validator = new MarketEventValidator({ clock: () => NOW });
  expect(validator.accept(snapshotEvent())).toBe(true);
  return validator;
}

/** Feeds a bad event, then a good one: the bad one is refused, the good one still goes through. */
function refusesThenKeepsGoing(
  validator: MarketEventValidator,
  bad: unknown,
  good: MarketEvent = deltaEvent(),
): void {
  expect(validator.accept(bad as MarketEvent)).toBe(false);
  expect(validator.accept(good)).toBe(true);
}

describe('market event validator', () => {
  it('accepts a sound stream and builds the book from it', () => {
    const validator = withBook();
    expect(validator.accept(deltaEvent({ side: 'bid', price: 99.75, size: 4 }))).toBe(true);
    expect(validator.accept(tradeEvent({ id: 'T1', price: 100.5, amount: 1 }))).toBe(true);
    expect(validator.accept(deltaEvent({ side: 'ask', price: 100.5, size: 0 }))).toBe(true);
    expect(validator.rejected()).toEqual({});
    expect(validator.accepted()).toBe(4);
    expect(validator.bookOf(TEST_INSTRUMENT)?.top(2)).toEqual({
      bids: [
        [99.75, 4],
        [99.5, 2],
      ],
      asks: [[101, 3]],
    });
  });

  it('refuses NaN and Infinity wherever they hide', () => {
    const validator = withBook();
    refusesThenKeepsGoing(validator, tradeEvent({ price: Number.NaN }));
    refusesThenKeepsGoing(validator, deltaEvent({ size: Number.POSITIVE_INFINITY }));
    refusesThenKeepsGoing(validator, snapshotEvent({ bids: [[Number.NaN, 1]] }));
    refusesThenKeepsGoing(validator, deltaEvent({ ts: Number.NaN }));
    expect(validator.rejected()).toEqual({ non_finite: 4 });
    expect(validator.lastRejection()).toBe('non_finite');
  });

  it('refuses prices at or below zero', () => {
    const validator = withBook();
    refusesThenKeepsGoing(validator, tradeEvent({ price: 0 }));
    refusesThenKeepsGoing(validator, deltaEvent({ price: -99 }));
    refusesThenKeepsGoing(validator, snapshotEvent({ asks: [[0, 1]] }));
    expect(validator.rejected()).toEqual({ non_positive_price: 3 });
  });

  it('refuses negative sizes, and size 0 in a snapshot, but takes size 0 in a delta', () => {
    const validator = withBook();
    refusesThenKeepsGoing(validator, deltaEvent({ size: -1 }));
    refusesThenKeepsGoing(validator, snapshotEvent({ bids: [[99, -2]] }));
    refusesThenKeepsGoing(validator, snapshotEvent({ bids: [[99, 0]] }));
    expect(validator.accept(deltaEvent({ side: 'bid', price: 99, size: 0 }))).toBe(true);
    expect(validator.rejected()).toEqual({ negative_size: 2, empty_level: 1 });
  });

  it('refuses trades of no amount', () => {
    const validator = withBook();
    refusesThenKeepsGoing(validator, tradeEvent({ id: 'a', amount: 0 }));
    refusesThenKeepsGoing(validator, tradeEvent({ id: 'b', amount: -0.5 }));
    expect(validator.rejected()).toEqual({ non_positive_amount: 2 });
  });

  it('refuses a delta that would cross the book, and a crossed snapshot, and keeps the book sound', () => {
    const validator = withBook();
    refusesThenKeepsGoing(validator, deltaEvent({ side: 'bid', price: 100.5, size: 1 })); // bid at the ask
    refusesThenKeepsGoing(validator, deltaEvent({ side: 'ask', price: 99.5, size: 1 })); // ask at the bid
    refusesThenKeepsGoing(
      validator,
      snapshotEvent({
        bids: [[101, 1]],
        asks: [[100, 1]],
      }),
    );
    expect(validator.rejected()).toEqual({ crossed_book: 3 });
    const book = validator.bookOf(TEST_INSTRUMENT);
    expect([book?.bestBid(), book?.bestAsk(), book?.isCrossed()]).toEqual([99.5, 100.5, false]);
  });

  it('lets a delta through once the level in its way is gone', () => {
    const validator = withBook();
    expect(validator.accept(deltaEvent({ side: 'ask', price: 100.5, size: 0 }))).toBe(true);
    expect(validator.accept(deltaEvent({ side: 'bid', price: 100.5, size: 1 }))).toBe(true);
  });

  it('refuses time going backwards, per instrument', () => {
    const validator = withBook();
    refusesThenKeepsGoing(validator, deltaEvent({ ts: NOW - 1 }));
    // Another instrument has its own clock.
    expect(validator.accept(tradeEvent({ instrument: 'demo:OTHER/USD', ts: NOW - 500 }))).toBe(true);
    // Equal timestamps are fine: order within a millisecond is by seq.
    expect(validator.accept(deltaEvent({ ts: NOW }))).toBe(true);
    expect(validator.rejected()).toEqual({ time_backwards: 1 });
  });

  it('keeps separate clocks for trades and book updates, which arrive on separate sockets', () => {
    const validator = withBook();
    // A trade stamped before the book's last update is fine; a trade before the last trade is not.
    expect(validator.accept(tradeEvent({ id: 't1', ts: NOW - 100 }))).toBe(true);
    expect(validator.accept(tradeEvent({ id: 't2', ts: NOW - 101 }))).toBe(false);
    expect(validator.rejected()).toEqual({ time_backwards: 1 });
  });

  it('refuses events stamped beyond the tolerance into the future', () => {
    const validator = new MarketEventValidator({ clock: () => NOW, futureToleranceMs: 2_000 });
    expect(validator.accept(tradeEvent({ id: '1', ts: NOW + 2_001 }))).toBe(false);
    expect(validator.accept(tradeEvent({ id: '2', ts: NOW + 2_000 }))).toBe(true);
    expect(validator.rejected()).toEqual({ time_future: 1 });
  });

  it('refuses a trade id it has seen, remembering only the last N per instrument', () => {
    const validator = new MarketEventValidator({ clock: () => NOW, tradeIdMemory: 2 });
    expect(validator.accept(tradeEvent({ id: 'a' }))).toBe(true);
    expect(validator.accept(tradeEvent({ id: 'a' }))).toBe(false);
    expect(validator.accept(tradeEvent({ id: 'a', instrument: 'demo:OTHER/USD' }))).toBe(true);
    expect(validator.accept(tradeEvent({ id: 'b' }))).toBe(true);
    expect(validator.accept(tradeEvent({ id: 'c' }))).toBe(true); // 'a' is forgotten now
    expect(validator.accept(tradeEvent({ id: 'b' }))).toBe(false);
    expect(validator.accept(tradeEvent({ id: 'a' }))).toBe(true);
    expect(validator.rejected()).toEqual({ duplicate_trade: 2 });
  });

  it('refuses malformed input without throwing', () => {
    const validator = withBook();
    const garbage: unknown[] = [
      null,
      undefined,
      42,
      'trade',
      {},
      { ...deltaEvent(), kind: 'order' },
      { ...deltaEvent(), instrument: '' },
      { ...deltaEvent(), side: 'middle' },
      { ...deltaEvent(), price: '99' },
      { ...snapshotEvent(), bids: 'none' },
      { ...snapshotEvent(), asks: [[100.5]] },
      { ...tradeEvent(), id: 7 },
      deltaEvent({ ts: NOW + 0.5 }),
    ];
    for (const bad of garbage) refusesThenKeepsGoing(validator, bad);
    expect(validator.rejected()).toEqual({ malformed: garbage.length });
  });

  it('counts every reason separately over a mixed stream', () => {
    const validator = withBook();
    const stream: MarketEvent[] = [
      deltaEvent({ price: Number.NaN }),
      deltaEvent({ size: -1 }),
      tradeEvent({ id: 'x' }),
      tradeEvent({ id: 'x' }),
      deltaEvent({ ts: NOW - 10 }),
      deltaEvent({ side: 'ask', price: 99, size: 1 }),
      deltaEvent({ price: 99.25, size: 3 }),
    ];
    const accepted = stream.filter((event) => validator.accept(event));
    expect(accepted).toHaveLength(2);
    expect(validator.rejected()).toEqual({
      non_finite: 1,
      negative_size: 1,
      duplicate_trade: 1,
      time_backwards: 1,
      crossed_book: 1,
    });
  });
});

describe('market event validator, book messages', () => {
  /** The deltas of one message: they share (ts, seq). */
  const message = (seq: number, levels: readonly [BookDelta['side'], number, number][]): MarketEvent[] =>
    levels.map(([side, price, size]) => deltaEvent({ seq, side, price, size }));

  it('accepts a bid at a price that is an ask until a later level of the same message removes that ask', () => {
    const validator = withBook();
    const accepted = validator.acceptBatch(
      message(2, [
        ['bid', 100.5, 4],
        ['ask', 100.5, 0],
      ]),
    );
    expect(accepted).toHaveLength(2);
    expect(validator.rejected()).toEqual({});
    expect(validator.bookOf(TEST_INSTRUMENT)?.top(2)).toEqual({
      bids: [
        [100.5, 4],
        [99.5, 2],
      ],
      asks: [[101, 3]],
    });
  });

  it('refuses a message crossed once all its levels are in, counts it once and leaves the book as it was', () => {
    const validator = withBook();
    const refused: string[] = [];
    const accepted = validator.acceptBatch(
      [
        // Sound levels, then an ask under the best bid: the whole message goes.
        ...message(2, [
          ['bid', 99.5, 7],
          ['bid', 99.5, 8],
          ['ask', 101, 0],
          ['ask', 99, 1],
        ]),
        ...message(3, [['bid', 99.75, 1]]),
      ],
      (event, reason) => refused.push(`${event.kind} ${reason}`),
    );
    expect(accepted).toEqual(message(3, [['bid', 99.75, 1]]));
    expect(refused).toEqual(Array<string>(4).fill('book_delta crossed_book'));
    expect(validator.rejected()).toEqual({ crossed_book: 1 });
    expect(validator.bookOf(TEST_INSTRUMENT)?.top(3)).toEqual({
      bids: [
        [99.75, 1],
        [99.5, 2],
        [99, 5],
      ],
      asks: [
        [100.5, 1],
        [101, 3],
      ],
    });
  });

  it('refuses a whole message for one non-finite level and checks time once per message', () => {
    const validator = withBook();
    expect(
      validator.acceptMessage(
        message(2, [
          ['bid', 99.75, 1],
          ['ask', Number.NaN, 1],
        ]),
      ),
    ).toBe(false);
    expect(
      validator.acceptMessage(
        message(3, [
          ['bid', 99.75, 1],
          ['ask', 100.25, 1],
        ]),
      ),
    ).toBe(true);
    const late = [
      deltaEvent({ ts: NOW - 1, seq: 4 }),
      deltaEvent({ ts: NOW - 1, seq: 4, side: 'ask', price: 102 }),
    ];
    expect(validator.acceptMessage(late)).toBe(false);
    expect(validator.rejected()).toEqual({ non_finite: 1, time_backwards: 1 });
    expect(validator.bookOf(TEST_INSTRUMENT)?.top(1)).toEqual({ bids: [[99.75, 1]], asks: [[100.25, 1]] });
  });

  it('refuses as malformed a run of deltas that do not share (instrument, ts, seq)', () => {
    const validator = withBook();
    expect(validator.acceptMessage([deltaEvent({ seq: 2 }), deltaEvent({ seq: 3 })])).toBe(false);
    expect(validator.rejected()).toEqual({ malformed: 1 });
    // acceptBatch groups by (instrument, ts, seq) itself: the same two are two messages there.
    expect(validator.acceptBatch([deltaEvent({ seq: 2 }), deltaEvent({ seq: 3 })])).toHaveLength(2);
  });
});
