/**
 * Market data as the product sees it, whatever the source (demo market, exchange, replay).
 * Timestamps are integer milliseconds UTC; within one instrument events are ordered by (ts, seq).
 */

/** Taker side of a trade: 'buy' means a market buy lifted the ask. */
export type TakerSide = 'buy' | 'sell';

/** Side of the book a level rests on. */
export type BookSide = 'bid' | 'ask';

/** One price level: [price, size]. Tuples keep book payloads compact on the wire. */
export type Level = readonly [price: number, size: number];

export interface Instrument {
  /** Unique id, `<exchange>:<symbol>`, e.g. `demo:DEMO/USD`. */
  readonly id: string;
  readonly exchange: string;
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  readonly tickSize: number;
  readonly lotSize: number;
}

export interface Trade {
  readonly instrument: string;
  readonly ts: number;
  readonly seq: number;
  readonly id: string;
  readonly price: number;
  readonly amount: number;
  readonly side: TakerSide;
  /**
   * When this machine received it (ms UTC), beside the exchange's `ts`; absent when unknown
   * (a backfill, a file without one). `localTs - ts` is the feed's delay, which a replay keeps.
   */
  readonly localTs?: number;
}

/** A full replacement of one instrument's book: bids best (highest) first, asks best (lowest) first. */
export interface BookSnapshot {
  readonly instrument: string;
  readonly ts: number;
  readonly seq: number;
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
  /** When this machine received it (ms UTC), beside the exchange's `ts`; absent when unknown. */
  readonly localTs?: number;
}

/**
 * The new total size resting at one price; size 0 removes the level.
 *
 * One exchange message (an update batch) often changes several levels. Its deltas share
 * (instrument, ts, seq) and arrive one after another: they are one unit, validated once all
 * of them are applied and accepted or refused whole (a bid may take a price that is still an
 * ask until a later level of the same message removes that ask). A delta with a (ts, seq) of
 * its own is a message of one level.
 */
export interface BookDelta {
  readonly instrument: string;
  readonly ts: number;
  readonly seq: number;
  readonly side: BookSide;
  readonly price: number;
  readonly size: number;
  /** When this machine received the message (ms UTC), beside the exchange's `ts`; absent when unknown. */
  readonly localTs?: number;
}

/** Everything a market source emits, in (ts, seq) order. */
export type MarketEvent =
  | ({ readonly kind: 'trade' } & Trade)
  | ({ readonly kind: 'book_snapshot' } & BookSnapshot)
  | ({ readonly kind: 'book_delta' } & BookDelta);

export type MarketEventKind = MarketEvent['kind'];

/** True when `next` continues the book message `first` began: deltas of one instrument, ts and seq. */
export function isSameBookMessage(first: MarketEvent, next: MarketEvent): boolean {
  return (
    first.kind === 'book_delta' &&
    next.kind === 'book_delta' &&
    next.instrument === first.instrument &&
    next.ts === first.ts &&
    next.seq === first.seq
  );
}
