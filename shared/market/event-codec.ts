import type { BookDelta, BookSnapshot, Level, MarketEvent, Trade } from '../domain/market.js';

/**
 * Packs market events into one Float64Array so a batch crosses to a worker as a transferred
 * buffer instead of a structured clone of thousands of objects (STYLE.md, habit 6).
 * Each record is RECORD_WIDTH numbers: [kind, instrumentIndex, ts, seq, a, b, c].
 * A snapshot is a header record followed by one LEVEL record per level, bids first.
 * Trade ids travel beside the buffer as strings: they are not numbers on every exchange.
 */
export const RECORD_WIDTH = 7;

const TRADE = 0;
const DELTA = 1;
const SNAPSHOT = 2;
const LEVEL = 3;

export interface EncodedEvents {
  readonly buffer: ArrayBuffer;
  /** Number of events (not records) in the batch. */
  readonly count: number;
  readonly instruments: string[];
  readonly tradeIds: string[];
}

function recordCount(events: readonly MarketEvent[]): number {
  let records = 0;
  for (const event of events) {
    records += event.kind === 'book_snapshot' ? 1 + event.bids.length + event.asks.length : 1;
  }
  return records;
}

export function encodeEvents(events: readonly MarketEvent[]): EncodedEvents {
  const data = new Float64Array(recordCount(events) * RECORD_WIDTH);
  const instruments: string[] = [];
  const instrumentIndex = new Map<string, number>();
  const tradeIds: string[] = [];
  let at = 0;

  const put = (
    kind: number,
    instrument: number,
    ts: number,
    seq: number,
    a: number,
    b: number,
    c: number,
  ): void => {
    data[at] = kind;
    data[at + 1] = instrument;
    data[at + 2] = ts;
    data[at + 3] = seq;
    data[at + 4] = a;
    data[at + 5] = b;
    data[at + 6] = c;
    at += RECORD_WIDTH;
  };

  for (const event of events) {
    let index = instrumentIndex.get(event.instrument);
    if (index === undefined) {
      index = instruments.length;
      instruments.push(event.instrument);
      instrumentIndex.set(event.instrument, index);
    }
    switch (event.kind) {
      case 'trade':
        tradeIds.push(event.id);
        put(TRADE, index, event.ts, event.seq, event.price, event.amount, event.side === 'buy' ? 1 : -1);
        break;
      case 'book_delta':
        put(DELTA, index, event.ts, event.seq, event.price, event.size, event.side === 'bid' ? 1 : -1);
        break;
      case 'book_snapshot':
        put(SNAPSHOT, index, event.ts, event.seq, event.bids.length, event.asks.length, 0);
        for (const [price, size] of event.bids) put(LEVEL, index, event.ts, event.seq, price, size, 1);
        for (const [price, size] of event.asks) put(LEVEL, index, event.ts, event.seq, price, size, -1);
        break;
      default:
        event satisfies never;
    }
  }
  return { buffer: data.buffer, count: events.length, instruments, tradeIds };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Reads a batch event by event without building an object per event: trades and deltas come
 * back in one reused object per kind, rewritten by the next `next()` (a hot loop's decode
 * would otherwise allocate more than the features it feeds). Copy an event to keep it.
 * Snapshots are rare and come back as fresh objects. The constructor checks the whole layout
 * first and throws like `decodeEvents`, so a bad batch is refused before any event is read.
 */
export class EncodedEventReader {
  private readonly data: Float64Array;
  private readonly encoded: EncodedEvents;
  private at = 0;
  private tradeIndex = 0;
  private readonly trade: Mutable<Trade> & { kind: 'trade' };
  private readonly delta: Mutable<BookDelta> & { kind: 'book_delta' };

  constructor(encoded: EncodedEvents) {
    this.encoded = encoded;
    this.data = new Float64Array(encoded.buffer);
    const instrument = encoded.instruments[0] ?? '';
    this.trade = { kind: 'trade', instrument, ts: 0, seq: 0, id: '', price: 0, amount: 0, side: 'buy' };
    this.delta = { kind: 'book_delta', instrument, ts: 0, seq: 0, side: 'bid', price: 0, size: 0 };
    this.checkLayout();
  }

  /** The next event (reused, see the class comment), or null at the end of the batch. */
  next(): MarketEvent | null {
    const data = this.data;
    const at = this.at;
    if (at >= data.length) return null;
    const kind = data[at] ?? Number.NaN;
    const instrument = this.encoded.instruments[data[at + 1] ?? Number.NaN] ?? '';
    const ts = data[at + 2] ?? Number.NaN;
    const seq = data[at + 3] ?? Number.NaN;
    if (kind === TRADE) {
      const trade = this.trade;
      trade.instrument = instrument;
      trade.ts = ts;
      trade.seq = seq;
      trade.id = this.encoded.tradeIds[this.tradeIndex++] ?? '';
      trade.price = data[at + 4] ?? Number.NaN;
      trade.amount = data[at + 5] ?? Number.NaN;
      trade.side = (data[at + 6] ?? Number.NaN) > 0 ? 'buy' : 'sell';
      this.at = at + RECORD_WIDTH;
      return trade;
    }
    if (kind === DELTA) {
      const delta = this.delta;
      delta.instrument = instrument;
      delta.ts = ts;
      delta.seq = seq;
      delta.side = (data[at + 6] ?? Number.NaN) > 0 ? 'bid' : 'ask';
      delta.price = data[at + 4] ?? Number.NaN;
      delta.size = data[at + 5] ?? Number.NaN;
      this.at = at + RECORD_WIDTH;
      return delta;
    }
    if (kind === SNAPSHOT) {
      const bidCount = data[at + 4] ?? Number.NaN;
      const askCount = data[at + 5] ?? Number.NaN;
      let level = at + RECORD_WIDTH;
      const bids: Level[] = [];
      const asks: Level[] = [];
      for (let i = 0; i < bidCount + askCount; i++) {
        const entry: Level = [data[level + 4] ?? Number.NaN, data[level + 5] ?? Number.NaN];
        (i < bidCount ? bids : asks).push(entry);
        level += RECORD_WIDTH;
      }
      this.at = level;
      const snapshot: BookSnapshot & { kind: 'book_snapshot' } = {
        kind: 'book_snapshot',
        instrument,
        ts,
        seq,
        bids,
        asks,
      };
      return snapshot;
    }
    throw new Error(`event batch: unknown record kind ${kind} at record ${at / RECORD_WIDTH}`);
  }

  private checkLayout(): void {
    const data = this.data;
    const instruments = this.encoded.instruments.length;
    let events = 0;
    let at = 0;
    while (at < data.length) {
      const kind = data[at] ?? Number.NaN;
      const instrument = data[at + 1] ?? Number.NaN;
      if (!(Number.isInteger(instrument) && instrument >= 0 && instrument < instruments)) {
        throw new Error(`event batch: unknown instrument index ${instrument}`);
      }
      if (kind === TRADE || kind === DELTA) {
        at += RECORD_WIDTH;
      } else if (kind === SNAPSHOT) {
        const levels = (data[at + 4] ?? Number.NaN) + (data[at + 5] ?? Number.NaN);
        if (!(Number.isInteger(levels) && levels >= 0)) {
          throw new Error(`event batch: bad snapshot level counts at record ${at / RECORD_WIDTH}`);
        }
        at += RECORD_WIDTH * (1 + levels);
      } else {
        throw new Error(`event batch: unknown record kind ${kind} at record ${at / RECORD_WIDTH}`);
      }
      events++;
    }
    if (events !== this.encoded.count) {
      throw new Error(`event batch: decoded ${events} events, expected ${this.encoded.count}`);
    }
  }
}

/** Unpacks a batch; throws on a buffer that does not follow the layout (a programming error). */
export function decodeEvents(encoded: EncodedEvents): MarketEvent[] {
  const data = new Float64Array(encoded.buffer);
  const events: MarketEvent[] = [];
  let tradeIndex = 0;
  let at = 0;
  const field = (offset: number): number => data[at + offset] ?? Number.NaN;
  const instrumentAt = (): string => {
    const name = encoded.instruments[field(1)];
    if (name === undefined) throw new Error(`event batch: unknown instrument index ${field(1)}`);
    return name;
  };

  while (at < data.length) {
    const kind = field(0);
    const instrument = instrumentAt();
    const ts = field(2);
    const seq = field(3);
    if (kind === TRADE) {
      const id = encoded.tradeIds[tradeIndex++] ?? '';
      const side = field(6) > 0 ? 'buy' : 'sell';
      events.push({ kind: 'trade', instrument, ts, seq, id, price: field(4), amount: field(5), side });
      at += RECORD_WIDTH;
    } else if (kind === DELTA) {
      const side = field(6) > 0 ? 'bid' : 'ask';
      events.push({ kind: 'book_delta', instrument, ts, seq, side, price: field(4), size: field(5) });
      at += RECORD_WIDTH;
    } else if (kind === SNAPSHOT) {
      const bidCount = field(4);
      const askCount = field(5);
      at += RECORD_WIDTH;
      const bids: Level[] = [];
      const asks: Level[] = [];
      for (let i = 0; i < bidCount + askCount; i++) {
        const level: Level = [field(4), field(5)];
        (i < bidCount ? bids : asks).push(level);
        at += RECORD_WIDTH;
      }
      events.push({ kind: 'book_snapshot', instrument, ts, seq, bids, asks });
    } else {
      throw new Error(`event batch: unknown record kind ${kind} at record ${at / RECORD_WIDTH}`);
    }
  }
  if (events.length !== encoded.count) {
    throw new Error(`event batch: decoded ${events.length} events, expected ${encoded.count}`);
  }
  return events;
}
