import {
  isSameBookMessage,
  type BookDelta,
  type BookSnapshot,
  type MarketEvent,
  type Trade,
} from '../domain/market.js';
import { BookMessage } from './book-message.js';
import { OrderBook, type ReadonlyOrderBook } from './order-book.js';

/** Why an event was refused at the edge; counted per reason and shown in the status bar. */
export type RejectReason =
  /** Not a market event at all: unknown kind, missing or mistyped fields, fractional ts. */
  | 'malformed'
  | 'non_finite'
  | 'non_positive_price'
  /** A delta or snapshot level with size < 0. */
  | 'negative_size'
  /** A snapshot level with size 0: only a delta may say "this level is gone". */
  | 'empty_level'
  | 'non_positive_amount'
  /** The event (a whole book message) would leave the instrument's book with best bid >= best ask. */
  | 'crossed_book'
  | 'time_backwards'
  | 'time_future'
  | 'duplicate_trade';

export interface MarketEventValidatorOptions {
  /** Wall clock, ms UTC. */
  readonly clock: () => number;
  /**
   * How far ahead of the clock an event may be stamped. Exchange clocks and ours disagree by
   * a little; more than this means a unit error (s vs ms vs us) or a broken feed.
   */
  readonly futureToleranceMs?: number;
  /** Trade ids remembered per instrument for duplicate detection (replays after reconnects). */
  readonly tradeIdMemory?: number;
}

const DEFAULT_FUTURE_TOLERANCE_MS = 5_000;
const DEFAULT_TRADE_ID_MEMORY = 10_000;

/** The last N trade ids of one instrument: a ring buffer for age, a set for lookup. */
class RecentTradeIds {
  private readonly ids = new Set<string>();
  private readonly ring: string[] = [];
  private oldest = 0;

  constructor(private readonly capacity: number) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    if (this.ring.length < this.capacity) {
      this.ring.push(id);
    } else {
      const evicted = this.ring[this.oldest];
      if (evicted !== undefined) this.ids.delete(evicted);
      this.ring[this.oldest] = id;
      this.oldest = (this.oldest + 1) % this.capacity;
    }
    this.ids.add(id);
  }
}

interface InstrumentState {
  readonly book: OrderBook;
  readonly tradeIds: RecentTradeIds;
  /**
   * Time is checked per stream: an exchange sends trades and book updates on separate
   * sockets, so a trade may arrive after a book update stamped a little later. Each stream
   * must not go back in time; the two need not interleave in time order.
   */
  lastTradeTs: number;
  lastBookTs: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function areLevels(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  const levels: readonly unknown[] = value;
  for (const level of levels) {
    if (!Array.isArray(level)) return false;
    const pair: readonly unknown[] = level;
    if (pair.length < 2 || typeof pair[0] !== 'number' || typeof pair[1] !== 'number') return false;
  }
  return true;
}

/** Structure only: the static type says MarketEvent, but the edge is where untyped data arrives. */
function isWellFormed(raw: unknown): boolean {
  if (!isRecord(raw)) return false;
  if (typeof raw.instrument !== 'string' || raw.instrument.length === 0) return false;
  if (typeof raw.ts !== 'number' || typeof raw.seq !== 'number') return false;
  switch (raw.kind) {
    case 'trade':
      return (
        typeof raw.id === 'string' &&
        typeof raw.price === 'number' &&
        typeof raw.amount === 'number' &&
        (raw.side === 'buy' || raw.side === 'sell')
      );
    case 'book_delta':
      return (
        typeof raw.price === 'number' &&
        typeof raw.size === 'number' &&
        (raw.side === 'bid' || raw.side === 'ask')
      );
    case 'book_snapshot':
      return areLevels(raw.bids) && areLevels(raw.asks);
    default:
      return false;
  }
}

function checkTrade(trade: Trade): RejectReason | null {
  if (!Number.isFinite(trade.price) || !Number.isFinite(trade.amount)) return 'non_finite';
  if (trade.price <= 0) return 'non_positive_price';
  if (trade.amount <= 0) return 'non_positive_amount';
  return null;
}

function checkDelta(delta: BookDelta): RejectReason | null {
  if (!Number.isFinite(delta.price) || !Number.isFinite(delta.size)) return 'non_finite';
  if (delta.price <= 0) return 'non_positive_price';
  if (delta.size < 0) return 'negative_size';
  return null;
}

/** Level values, then whether the snapshot is crossed in itself (reported after the time checks). */
function checkSnapshot(snapshot: BookSnapshot): RejectReason | 'crossed' | null {
  let bestBid = Number.NEGATIVE_INFINITY;
  let bestAsk = Number.POSITIVE_INFINITY;
  for (const [price, size] of snapshot.bids) {
    if (!Number.isFinite(price) || !Number.isFinite(size)) return 'non_finite';
    if (price <= 0) return 'non_positive_price';
    if (size < 0) return 'negative_size';
    if (size === 0) return 'empty_level';
    if (price > bestBid) bestBid = price;
  }
  for (const [price, size] of snapshot.asks) {
    if (!Number.isFinite(price) || !Number.isFinite(size)) return 'non_finite';
    if (price <= 0) return 'non_positive_price';
    if (size < 0) return 'negative_size';
    if (size === 0) return 'empty_level';
    if (price < bestAsk) bestAsk = price;
  }
  return bestBid >= bestAsk ? 'crossed' : null;
}

/** Called for each event of a refused book message (or each refused event), with the reason. */
export type RefusalListener = (event: MarketEvent, reason: RejectReason) => void;

/**
 * The edge check every incoming market event passes before anything records or computes on
 * it ("corrupt data is worse than no data"). A refused event is counted under one reason and
 * dropped; the validator never throws on bad input and keeps going. It keeps its own book per
 * instrument, because whether a delta crosses the book depends on the book.
 *
 * A book message is the unit: a snapshot, or the run of deltas sharing (instrument, ts, seq)
 * (see BookDelta). Its levels are all applied before the book is checked, and a message that
 * is bad anywhere (a non-finite level, time going back, crossed once every level is in) is
 * refused whole and counted once under its reason. Checking level by level would refuse real
 * messages whose levels are listed bids first: Bybit's orderbook.500 puts a new bid at a price
 * that the same message's later ask levels vacate.
 */
export class MarketEventValidator {
  private readonly clock: () => number;
  private readonly futureToleranceMs: number;
  private readonly tradeIdMemory: number;
  private readonly instruments = new Map<string, InstrumentState>();
  private readonly counts: Partial<Record<RejectReason, number>> = {};
  private lastReason: RejectReason | null = null;
  private acceptedCount = 0;
  /** Applies a message's levels and backs a refused one out; reused across messages. */
  private readonly message = new BookMessage();

  constructor(options: MarketEventValidatorOptions) {
    this.clock = options.clock;
    this.futureToleranceMs = options.futureToleranceMs ?? DEFAULT_FUTURE_TOLERANCE_MS;
    this.tradeIdMemory = Math.max(1, Math.floor(options.tradeIdMemory ?? DEFAULT_TRADE_ID_MEMORY));
  }

  /**
   * Checks a batch in (ts, seq) order and returns the events accepted, in order; the deltas of
   * one book message are accepted or refused together (`onRefused` hears each of them). A
   * message never spans two batches: a source hands over whole messages.
   */
  acceptBatch(events: readonly MarketEvent[], onRefused?: RefusalListener): MarketEvent[] {
    const accepted: MarketEvent[] = [];
    let i = 0;
    while (i < events.length) {
      const first = events[i];
      if (first === undefined) break;
      let end = i + 1;
      if (first.kind === 'book_delta') {
        while (end < events.length && isSameBookMessage(first, events[end] ?? first)) end++;
      }
      const ok = first.kind === 'book_delta' ? this.acceptMessage(events, i, end) : this.accept(first);
      for (let k = i; k < end; k++) {
        const event = events[k];
        if (event === undefined) continue;
        if (ok) accepted.push(event);
        else onRefused?.(event, this.lastReason ?? 'malformed');
      }
      i = end;
    }
    return accepted;
  }

  /**
   * Checks the deltas events[from, to) as ONE book message (they must share instrument, ts and
   * seq): every level is applied, then the book is checked. A refused message is counted once
   * and leaves the book exactly as it was.
   */
  acceptMessage(events: readonly MarketEvent[], from = 0, to = events.length): boolean {
    const first = events[from];
    if (first === undefined || to <= from) return true;
    for (let k = from; k < to; k++) {
      const event = events[k];
      if (event === undefined || (k > from && !isSameBookMessage(first, event)))
        return this.refuse('malformed');
      const reason = this.check(event);
      if (reason !== null) return this.refuse(reason);
      if (event.kind !== 'book_delta') return this.refuse('malformed');
    }
    const state = this.stateOf(first.instrument);
    const message = this.message;
    message.begin(state.book);
    for (let k = from; k < to; k++) {
      const delta = events[k] as BookDelta;
      message.set(delta.side, delta.price, delta.size);
    }
    if (!message.commit()) return this.refuse('crossed_book');
    state.lastBookTs = first.ts;
    this.acceptedCount += to - from;
    return true;
  }

  /**
   * True when the event is sound; it is then applied to the validator's book of its instrument.
   * A delta on its own is a book message of one level.
   */
  accept(event: MarketEvent): boolean {
    if (isRecord(event) && event.kind === 'book_delta') return this.acceptMessage([event]);
    const reason = this.check(event);
    if (reason !== null) return this.refuse(reason);
    const state = this.stateOf(event.instrument);
    switch (event.kind) {
      case 'trade':
        state.lastTradeTs = event.ts;
        if (event.id !== '') state.tradeIds.add(event.id);
        break;
      case 'book_delta':
        // Taken by acceptMessage above; here only for the exhaustive switch.
        return this.acceptMessage([event]);
      case 'book_snapshot':
        state.lastBookTs = event.ts;
        state.book.applySnapshot(event);
        break;
      default:
        event satisfies never;
    }
    this.acceptedCount++;
    return true;
  }

  /** Refused events so far, per reason (reasons never seen are absent). */
  rejected(): Record<string, number> {
    return { ...this.counts };
  }

  /** Why the most recent refusal happened, for a log line. */
  lastRejection(): RejectReason | null {
    return this.lastReason;
  }

  accepted(): number {
    return this.acceptedCount;
  }

  /** The book as the accepted events built it, or null for an instrument never seen. */
  bookOf(instrument: string): ReadonlyOrderBook | null {
    return this.instruments.get(instrument)?.book ?? null;
  }

  private refuse(reason: RejectReason): false {
    this.counts[reason] = (this.counts[reason] ?? 0) + 1;
    this.lastReason = reason;
    return false;
  }

  /** One event's own soundness and time; a delta's effect on the book is checked per message. */
  private check(event: MarketEvent): RejectReason | null {
    if (!isWellFormed(event)) return 'malformed';
    if (!Number.isFinite(event.ts) || !Number.isFinite(event.seq)) return 'non_finite';
    if (!Number.isInteger(event.ts)) return 'malformed';

    let crossedSnapshot = false;
    switch (event.kind) {
      case 'trade': {
        const reason = checkTrade(event);
        if (reason !== null) return reason;
        break;
      }
      case 'book_delta': {
        const reason = checkDelta(event);
        if (reason !== null) return reason;
        break;
      }
      case 'book_snapshot': {
        const reason = checkSnapshot(event);
        if (reason === 'crossed') crossedSnapshot = true;
        else if (reason !== null) return reason;
        break;
      }
      default:
        event satisfies never;
    }

    const state = this.instruments.get(event.instrument);
    if (state !== undefined && event.ts < (event.kind === 'trade' ? state.lastTradeTs : state.lastBookTs))
      return 'time_backwards';
    if (event.ts > this.clock() + this.futureToleranceMs) return 'time_future';

    if (crossedSnapshot) return 'crossed_book';
    if (state === undefined) return null;
    if (event.kind === 'trade' && event.id !== '' && state.tradeIds.has(event.id)) return 'duplicate_trade';
    return null;
  }

  private stateOf(instrument: string): InstrumentState {
    let state = this.instruments.get(instrument);
    if (state === undefined) {
      state = {
        book: new OrderBook(),
        tradeIds: new RecentTradeIds(this.tradeIdMemory),
        lastTradeTs: Number.NEGATIVE_INFINITY,
        lastBookTs: Number.NEGATIVE_INFINITY,
      };
      this.instruments.set(instrument, state);
    }
    return state;
  }
}
