import type { Candle } from '../domain/candle.js';
import type { MarketEvent } from '../domain/market.js';
import { TIMEFRAME_MS } from '../domain/timeframes.js';
import { BookMessage } from '../market/book-message.js';
import { OrderBook, type ReadonlyOrderBook } from '../market/order-book.js';
import { BarSeries } from './bar-series.js';
import type { IncrementalFeature } from './feature.js';
import { SAMPLING_MS, compileFeatureSet, type CompiledFeatureSet, type FeatureSet } from './feature-set.js';
import { createFeature, type ResolvedFeature } from './resolve.js';

/**
 * THE feature engine: one instance computes one feature set for one instrument (plus the
 * reference instruments its cross-asset features name), and the same class runs live in the
 * feature worker, in replay, in backtests and when building training matrices.
 *
 * Feed it MarketEvents in (ts, seq) order with `onEvent`; in live, also call `advanceTo(now)`
 * whenever the clock moves so time-sampled rows come out without waiting for the next event.
 * Events of instruments the set does not consume are ignored.
 *
 * WHEN A ROW IS TAKEN, AND FROM WHAT
 * - `sampling: 'event'`: one row per event of the set's instrument, stamped with its ts,
 *   after the event has been applied (the row includes it).
 * - time sampling (1s, 1m, 5m, 30m): one row per period boundary B (epoch-aligned) the
 *   clock passes, stamped B, holding the state after every event with ts < B and none with
 *   ts >= B: it is taken when the first event at or after B arrives, before that event is
 *   applied, or when `advanceTo(t >= B)` promises no more events before t. Bars ending at B
 *   are closed (and seen by the features) before the row at B. Rows start at the first
 *   boundary after the first event.
 *
 * Bars close on time: the bar [open, open + tf) closes at the first moment the clock reaches
 * its end. Only bars with trades exist; the first bar after the stream starts (or resumes
 * after a gap) is dropped when it may lack trades from before the start.
 *
 * GAPS: an instrument that has had no event for more than `maxGapMs` is in a gap. Rows taken
 * in the gap are NaN in the columns of every feature that consumes it (its data is missing,
 * not quiet), the bar open when the gap was declared is dropped, and when the instrument's
 * events resume those features restart from scratch (warming up again, NaN until their
 * windows refill): nothing bridges a hole in the data.
 *
 * BOOK MESSAGES: the deltas of one exchange message (one instrument, ts and seq) are applied
 * as one unit (BookMessage, as the edge validator does): features see the book, and an
 * event-sampled row is taken, only once the whole message is in, and a message that leaves
 * the book crossed is backed out and its deltas counted as rejected. A message ends at the
 * next event that is not part of it, or at `advanceTo`, `current`, `drainRows` or `onCandle`
 * (a source hands over whole messages, so a batch never ends inside one).
 *
 * BATCH == LIVE, EXACTLY: features change state only on events, bars and clock moves, and
 * their `onTime` is idempotent, so the state after an event does not depend on how often the
 * clock ticked before it, and rows do not depend on how the stream was chunked.
 */

export interface FeatureSetEngineOptions {
  /** Called for every row. The row buffer is reused: copy it to keep it. */
  readonly onRow?: (ts: number, row: Float64Array) => void;
  /** Keep rows for `drainRows()`; defaults to true when there is no `onRow`. */
  readonly collectRows?: boolean;
  /** Silence longer than this on an instrument is a data gap (default 60 s). */
  readonly maxGapMs?: number;
}

/**
 * Rows taken since the last drain: `values` is row-major, `width` columns per row. The arrays
 * are exactly `count` rows long but may be views on longer buffers (mind it when sending
 * `.buffer`: read only `count` rows of it).
 */
export interface FeatureRows {
  readonly ts: Float64Array;
  readonly values: Float64Array;
  readonly count: number;
  readonly width: number;
}

export interface FeatureEngineStats {
  /** Events applied. */
  readonly events: number;
  /** Events of instruments the set does not consume. */
  readonly ignored: number;
  /** Events refused: out of (ts) order, or a non-finite or non-positive price or size. */
  readonly rejected: number;
  /** Data gaps declared (an instrument resumed after more than maxGapMs of silence). */
  readonly gaps: number;
  readonly rows: number;
}

export const DEFAULT_MAX_GAP_MS = 60_000;

/** Rows the row buffers hold before they first grow. */
const INITIAL_ROWS = 256;

/** One feature of the set inside the engine; `feature` is replaced when a gap resets it. */
interface Slot {
  readonly resolved: ResolvedFeature;
  readonly offset: number;
  readonly width: number;
  /** Indexes of the instruments it consumes. */
  readonly instruments: readonly number[];
  feature: IncrementalFeature;
}

interface BarRoute {
  readonly series: BarSeries;
  readonly listeners: Slot[];
}

interface InstrumentState {
  readonly id: string;
  readonly book: OrderBook;
  /** Bar series it needs, shortest timeframe first. */
  readonly bars: BarRoute[];
  readonly bookListeners: Slot[];
  readonly tradeListeners: Slot[];
  /** Slots reset when this instrument resumes after a gap. */
  readonly consumers: Slot[];
  /** ts of its last event, NaN before the first. */
  lastTs: number;
}

function isCompiled(set: FeatureSet | CompiledFeatureSet): set is CompiledFeatureSet {
  return 'hash' in set && 'columns' in set;
}

function validEvent(event: MarketEvent): boolean {
  if (!Number.isFinite(event.ts)) return false;
  switch (event.kind) {
    case 'trade':
      return (
        event.price > 0 && event.amount > 0 && Number.isFinite(event.price) && Number.isFinite(event.amount)
      );
    case 'book_delta':
      return (
        event.price > 0 && event.size >= 0 && Number.isFinite(event.price) && Number.isFinite(event.size)
      );
    case 'book_snapshot':
      return true;
    default:
      return event satisfies never;
  }
}

function validBar(bar: Candle): boolean {
  return (
    bar.low > 0 &&
    bar.low <= bar.high &&
    bar.open > 0 &&
    bar.close > 0 &&
    bar.volume >= 0 &&
    Number.isFinite(bar.high) &&
    Number.isFinite(bar.open) &&
    Number.isFinite(bar.close) &&
    Number.isFinite(bar.volume) &&
    Number.isFinite(bar.openTime)
  );
}

export class FeatureSetEngine {
  readonly compiled: CompiledFeatureSet;
  readonly columns: readonly string[];
  /** Columns per row. */
  readonly width: number;
  /** The set's stable hash, for lineage and caches. */
  readonly hash: string;
  /** The set's instrument first, then the reference instruments. */
  readonly instruments: readonly string[];

  private readonly maxGapMs: number;
  private readonly periodMs: number;
  private readonly onRow: ((ts: number, row: Float64Array) => void) | null;
  private readonly collect: boolean;
  private readonly slots: Slot[];
  private readonly timeListeners: Slot[];
  private readonly states: InstrumentState[];
  private readonly indexOf = new Map<string, number>();
  /** The instrument of the previous event and its index (-1: not consumed). */
  private lastInstrument: string | null = null;
  private lastIndex = -1;
  private readonly row: Float64Array;
  private readonly gapFlags: Uint8Array;
  /** The book message being applied: its instrument's index (-1: none), ts, seq and deltas. */
  private readonly message = new BookMessage();
  private messageIndex = -1;
  private messageTs = Number.NaN;
  private messageSeq = Number.NaN;
  private messageDeltas = 0;

  private started = false;
  private clock = Number.NEGATIVE_INFINITY;
  private lastEventTs = Number.NEGATIVE_INFINITY;
  private nextBoundary = Number.POSITIVE_INFINITY;
  /** A lower bound of the next bar close or row boundary: most events are before it. */
  private nextMoment = Number.NEGATIVE_INFINITY;

  private rowTs = new Float64Array(INITIAL_ROWS);
  private rowValues: Float64Array;
  private rowCount = 0;

  private events = 0;
  private ignored = 0;
  private rejected = 0;
  private gaps = 0;
  private rows = 0;

  constructor(set: FeatureSet | CompiledFeatureSet, options: FeatureSetEngineOptions = {}) {
    this.compiled = isCompiled(set) ? set : compileFeatureSet(set);
    this.columns = this.compiled.columns;
    this.width = this.columns.length;
    this.hash = this.compiled.hash;
    this.maxGapMs = options.maxGapMs ?? DEFAULT_MAX_GAP_MS;
    if (!(this.maxGapMs > 0)) throw new RangeError(`maxGapMs must be positive, got ${this.maxGapMs}`);
    const sampling = this.compiled.set.sampling;
    this.periodMs = sampling === 'event' ? 0 : SAMPLING_MS[sampling];
    this.onRow = options.onRow ?? null;
    this.collect = options.collectRows ?? options.onRow === undefined;
    this.row = new Float64Array(this.width);
    this.rowValues = new Float64Array(INITIAL_ROWS * Math.max(1, this.width));

    // The set's instrument, then references sorted: bars closing at the same moment are
    // delivered in this order, so a wrapper knows which bar completes a moment (resolve.ts).
    const references = new Set(this.compiled.features.flatMap((feature) => feature.references));
    references.delete(this.compiled.set.instrument);
    const instruments = [this.compiled.set.instrument, ...[...references].sort()];
    this.instruments = instruments;
    this.gapFlags = new Uint8Array(instruments.length);
    this.states = instruments.map((id, index) => {
      this.indexOf.set(id, index);
      return {
        id,
        book: new OrderBook(),
        bars: [],
        bookListeners: [],
        tradeListeners: [],
        consumers: [],
        lastTs: Number.NaN,
      };
    });
    const main = this.states[0] as InstrumentState;

    this.slots = [];
    let offset = 0;
    for (const resolved of this.compiled.features) {
      const consumed = [0, ...resolved.references.map((id) => this.indexOf.get(id) ?? 0)];
      const slot: Slot = {
        resolved,
        offset,
        width: resolved.outputs.length,
        instruments: consumed,
        feature: createFeature(resolved, main.id, main.book),
      };
      offset += slot.width;
      this.slots.push(slot);
      for (const index of new Set(consumed)) (this.states[index] as InstrumentState).consumers.push(slot);
      for (const input of resolved.inputs) {
        switch (input) {
          case 'book':
            main.bookListeners.push(slot);
            break;
          case 'trades':
            main.tradeListeners.push(slot);
            break;
          case 'candles': {
            const timeframe = resolved.timeframe;
            if (timeframe === null)
              throw new Error(`${resolved.label} consumes candles but names no timeframe`);
            for (const index of new Set(consumed))
              this.barRoute(this.states[index] as InstrumentState, timeframe).listeners.push(slot);
            break;
          }
          default:
            input satisfies never;
        }
      }
    }
    for (const state of this.states) state.bars.sort((a, b) => a.series.lengthMs - b.series.lengthMs);
    this.timeListeners = this.slots.filter((slot) => slot.feature.onTime !== undefined);
  }

  /** Applies one event (see the class comment for ordering and rows). */
  onEvent(event: MarketEvent): void {
    if (
      this.messageIndex >= 0 &&
      (event.kind !== 'book_delta' ||
        event.ts !== this.messageTs ||
        event.seq !== this.messageSeq ||
        event.instrument !== this.lastInstrument)
    )
      this.endMessage();
    // Streams come in runs of one instrument: skip the map lookup while it does not change.
    if (event.instrument !== this.lastInstrument) {
      this.lastInstrument = event.instrument;
      this.lastIndex = this.indexOf.get(event.instrument) ?? -1;
    }
    const index = this.lastIndex;
    if (index < 0) {
      this.ignored++;
      return;
    }
    if (!validEvent(event) || event.ts < this.lastEventTs) {
      this.rejected++;
      return;
    }
    if (!this.started) {
      this.started = true;
      if (this.periodMs > 0)
        this.nextBoundary = Math.floor(event.ts / this.periodMs) * this.periodMs + this.periodMs;
    }
    this.advance(event.ts);
    const state = this.states[index] as InstrumentState;
    if (Number.isNaN(state.lastTs)) {
      for (const route of state.bars) route.series.resumeAt(event.ts);
    } else if (event.ts - state.lastTs > this.maxGapMs) {
      this.resume(state, event.ts);
    }
    state.lastTs = event.ts;
    this.lastEventTs = event.ts;
    this.events++;

    switch (event.kind) {
      case 'trade': {
        const bars = state.bars;
        for (let i = 0; i < bars.length; i++) {
          const series = (bars[i] as BarRoute).series;
          series.addTrade(event);
          const close = series.nextClose();
          if (close < this.nextMoment) this.nextMoment = close;
        }
        const listeners = state.tradeListeners;
        for (let i = 0; i < listeners.length; i++) (listeners[i] as Slot).feature.onTrade?.(event);
        break;
      }
      case 'book_delta':
        if (this.messageIndex < 0) {
          this.message.begin(state.book);
          this.messageIndex = index;
          this.messageTs = event.ts;
          this.messageSeq = event.seq;
          this.messageDeltas = 0;
        }
        this.message.set(event.side, event.price, event.size);
        this.messageDeltas++;
        // Features and the row wait for the rest of the message (endMessage).
        return;
      case 'book_snapshot':
        state.book.applySnapshot(event);
        this.bookChanged(state, event.ts);
        break;
      default:
        event satisfies never;
    }
    if (this.periodMs === 0 && index === 0) this.emitRow(event.ts);
  }

  /**
   * Applies one closed bar of an instrument known only by its candles (imported klines, a CSV
   * export): candle features of every timeframe the bar's divides see bars rolled up from it
   * (BarSeries.addBar), exactly as the stored longer timeframes are; trade and book features
   * get nothing and stay NaN (the matrix build says why, pipeline/data-needs.ts). The bar is
   * an event at its last instant, openTime + length - 1: its trades all happened before its
   * end, so the row at that boundary holds it and no earlier row does. Bars come in open-time
   * order, one timeframe per instrument; a timeframe shorter than the bar's gets none.
   */
  onCandle(bar: Candle): void {
    this.endMessage();
    if (bar.instrument !== this.lastInstrument) {
      this.lastInstrument = bar.instrument;
      this.lastIndex = this.indexOf.get(bar.instrument) ?? -1;
    }
    const index = this.lastIndex;
    if (index < 0) {
      this.ignored++;
      return;
    }
    const lengthMs = TIMEFRAME_MS[bar.timeframe];
    const ts = bar.openTime + lengthMs - 1;
    if (!validBar(bar) || !Number.isFinite(ts) || ts < this.lastEventTs) {
      this.rejected++;
      return;
    }
    if (!this.started) {
      this.started = true;
      if (this.periodMs > 0)
        this.nextBoundary = Math.floor(ts / this.periodMs) * this.periodMs + this.periodMs;
    }
    this.advance(ts);
    const state = this.states[index] as InstrumentState;
    // The bar's data starts at its open, not at the moment it is delivered.
    if (Number.isNaN(state.lastTs)) {
      for (const route of state.bars) route.series.resumeAt(bar.openTime);
    } else if (ts - state.lastTs > this.maxGapMs) {
      this.resume(state, bar.openTime);
    }
    state.lastTs = ts;
    this.lastEventTs = ts;
    this.events++;
    const bars = state.bars;
    for (let i = 0; i < bars.length; i++) {
      const series = (bars[i] as BarRoute).series;
      if (series.lengthMs % lengthMs !== 0) continue;
      series.addBar(bar);
      const close = series.nextClose();
      if (close < this.nextMoment) this.nextMoment = close;
    }
    if (this.periodMs === 0 && index === 0) this.emitRow(ts);
  }

  /** Applies events in order. */
  onEvents(events: readonly MarketEvent[]): void {
    for (const event of events) this.onEvent(event);
  }

  /**
   * The clock reached `ts`: the caller promises no event before `ts` is still to come. Closes
   * bars and takes time-sampled rows up to and including boundary `ts`. Before the first
   * event it does nothing (there is no state to sample yet).
   */
  advanceTo(ts: number): void {
    this.endMessage();
    if (!this.started || !(ts >= this.lastEventTs)) return;
    this.advance(ts);
  }

  /** Feature values now (NaN = missing), into `out` if given. */
  current(out: Float64Array = new Float64Array(this.width)): Float64Array {
    this.endMessage();
    this.readRow(this.started ? Math.max(this.clock, this.lastEventTs) : Number.NEGATIVE_INFINITY, out);
    return out;
  }

  /** Rows taken since the last call, oldest first; the caller owns them (the engine keeps no view). */
  drainRows(): FeatureRows {
    this.endMessage();
    const count = this.rowCount;
    this.rowCount = 0;
    if (count > INITIAL_ROWS && count * 2 >= this.rowTs.length) {
      // A long run of rows (a gap's, or a backlog): hand the buffers over instead of copying
      // most of them, and start small again.
      const rows = {
        ts: this.rowTs.subarray(0, count),
        values: this.rowValues.subarray(0, count * this.width),
        count,
        width: this.width,
      };
      this.rowTs = new Float64Array(INITIAL_ROWS);
      this.rowValues = new Float64Array(INITIAL_ROWS * Math.max(1, this.width));
      return rows;
    }
    return {
      ts: this.rowTs.slice(0, count),
      values: this.rowValues.slice(0, count * this.width),
      count,
      width: this.width,
    };
  }

  stats(): FeatureEngineStats {
    return {
      events: this.events,
      ignored: this.ignored,
      rejected: this.rejected,
      gaps: this.gaps,
      rows: this.rows,
    };
  }

  /** The book the engine keeps for an instrument it consumes (the set's own by default). */
  orderBook(instrument: string = this.compiled.set.instrument): ReadonlyOrderBook | null {
    const index = this.indexOf.get(instrument);
    return index === undefined ? null : (this.states[index] as InstrumentState).book;
  }

  private barRoute(state: InstrumentState, timeframe: BarSeries['timeframe']): BarRoute {
    let route = state.bars.find((r) => r.series.timeframe === timeframe);
    if (route === undefined) {
      route = { series: new BarSeries(state.id, timeframe), listeners: [] };
      state.bars.push(route);
    }
    return route;
  }

  /**
   * The book message in progress is whole: check the book once, then let the features see it
   * (and take the event row), or back it out if it crossed the book.
   */
  private endMessage(): void {
    const index = this.messageIndex;
    if (index < 0) return;
    this.messageIndex = -1;
    if (!this.message.commit()) {
      this.events -= this.messageDeltas;
      this.rejected += this.messageDeltas;
      return;
    }
    this.bookChanged(this.states[index] as InstrumentState, this.messageTs);
    if (this.periodMs === 0 && index === 0) this.emitRow(this.messageTs);
  }

  private bookChanged(state: InstrumentState, ts: number): void {
    const listeners = state.bookListeners;
    for (let i = 0; i < listeners.length; i++) (listeners[i] as Slot).feature.onBook?.(state.book, ts);
  }

  /** Moves the clock to `ts`: bar closes and row boundaries on the way, in time order. */
  private advance(ts: number): void {
    if (ts < this.nextMoment) {
      this.tick(ts);
      return;
    }
    const main = this.states[0] as InstrumentState;
    for (;;) {
      let nextClose = Number.POSITIVE_INFINITY;
      for (const state of this.states) {
        for (const route of state.bars) {
          const close = route.series.nextClose();
          if (close < nextClose) nextClose = close;
        }
      }
      const next = Math.min(this.nextBoundary, nextClose);
      if (next > ts) {
        this.nextMoment = next;
        break;
      }
      // Every feature consumes the set's instrument, so while it is in a gap every row is
      // all NaN: take the gap's rows up to the next bar close at once, without a clock tick
      // each (onTime is idempotent: the tick at the end leaves the same state).
      if (next === this.nextBoundary && next < nextClose && next - main.lastTs > this.maxGapMs) {
        const last = Math.min(ts, nextClose - 1);
        const count = Math.floor((last - next) / this.periodMs) + 1;
        this.emitGapRows(next, count);
        this.nextBoundary = next + count * this.periodMs;
        continue;
      }
      this.tick(next);
      for (const state of this.states) {
        for (const route of state.bars) {
          if (route.series.nextClose() !== next) continue;
          const bar = route.series.closeBar();
          // A bar still open when its instrument's gap was declared may be missing trades.
          if (bar === null || next - state.lastTs > this.maxGapMs) continue;
          for (const slot of route.listeners) slot.feature.onBar?.(bar);
        }
      }
      if (next === this.nextBoundary) {
        this.emitRow(next);
        this.nextBoundary += this.periodMs;
      }
    }
    this.tick(ts);
  }

  private tick(ts: number): void {
    if (!(ts > this.clock)) return;
    this.clock = ts;
    const listeners = this.timeListeners;
    for (let i = 0; i < listeners.length; i++) (listeners[i] as Slot).feature.onTime?.(ts);
  }

  /** The instrument's data resumes at `ts` after a gap: restart what consumes it. */
  private resume(state: InstrumentState, ts: number): void {
    this.gaps++;
    for (const route of state.bars) {
      route.series.discard();
      route.series.resumeAt(ts);
    }
    const main = this.states[0] as InstrumentState;
    for (const slot of state.consumers) {
      slot.feature = createFeature(slot.resolved, main.id, main.book);
      if (this.clock > Number.NEGATIVE_INFINITY) slot.feature.onTime?.(this.clock);
    }
  }

  private readRow(ts: number, out: Float64Array): void {
    for (let i = 0; i < this.states.length; i++) {
      const lastTs = (this.states[i] as InstrumentState).lastTs;
      this.gapFlags[i] = ts - lastTs > this.maxGapMs ? 1 : 0;
    }
    const slots = this.slots;
    for (let s = 0; s < slots.length; s++) {
      const slot = slots[s] as Slot;
      let inGap = false;
      for (const index of slot.instruments) if (this.gapFlags[index] === 1) inGap = true;
      if (inGap) out.fill(Number.NaN, slot.offset, slot.offset + slot.width);
      else slot.feature.read(out, slot.offset);
    }
  }

  private emitRow(ts: number): void {
    this.readRow(ts, this.row);
    this.rows++;
    if (this.collect) {
      if (this.rowCount === this.rowTs.length) this.growRows();
      this.rowTs[this.rowCount] = ts;
      this.rowValues.set(this.row, this.rowCount * this.width);
      this.rowCount++;
    }
    this.onRow?.(ts, this.row);
  }

  /** `count` rows from boundary `from` on, all NaN: the set's instrument is in a gap. */
  private emitGapRows(from: number, count: number): void {
    this.rows += count;
    if (this.collect) while (this.rowCount + count > this.rowTs.length) this.growRows();
    for (let i = 0; i < count; i++) {
      const ts = from + i * this.periodMs;
      // Refilled per row: a listener may have written into the reused buffer.
      if (i === 0 || this.onRow !== null) this.row.fill(Number.NaN);
      if (this.collect) {
        if (this.rowCount === this.rowTs.length) this.growRows();
        this.rowTs[this.rowCount] = ts;
        this.rowValues.fill(Number.NaN, this.rowCount * this.width, (this.rowCount + 1) * this.width);
        this.rowCount++;
      }
      this.onRow?.(ts, this.row);
    }
  }

  private growRows(): void {
    const ts = new Float64Array(this.rowTs.length * 2);
    ts.set(this.rowTs);
    const values = new Float64Array(ts.length * Math.max(1, this.width));
    values.set(this.rowValues);
    this.rowTs = ts;
    this.rowValues = values;
  }
}
