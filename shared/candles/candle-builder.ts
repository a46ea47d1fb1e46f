import type { Candle } from '../domain/candle.js';
import type { Trade } from '../domain/market.js';
import { TIMEFRAMES, barOpenTime, type Timeframe } from '../domain/timeframes.js';

/**
 * A trade that arrived after its bar had already closed in some timeframes (a newer bar had
 * started). Those candles do not contain it: whoever stores the candles merges it in (the
 * recorder does, into the stored bar, in the same transaction as the trade).
 */
export interface LateTrade {
  readonly trade: Trade;
  /** The timeframes whose bar for this trade was already closed, shortest first. */
  readonly timeframes: readonly Timeframe[];
}

/** The stored state of a bar, or null if none is stored. */
export type StoredBarLookup = (instrument: string, timeframe: Timeframe, openTime: number) => Candle | null;

export interface CandleBuilderOptions {
  /** Timeframes to build; all of TIMEFRAMES unless given. */
  readonly timeframes?: readonly Timeframe[];
  /**
   * Asked whenever a bar starts. If the bar is already stored (recorded before a restart),
   * the builder continues it instead of starting it again, so the candles it reports never
   * overwrite a stored bar with a part of it. One lookup per bar start, none per trade.
   */
  readonly storedBar?: StoredBarLookup;
}

/**
 * The bar under construction in one timeframe. Mutable and reused from one bar to the next so
 * that adding a trade allocates nothing.
 */
class Bar {
  readonly instrument: string;
  readonly timeframe: Timeframe;
  openTime = 0;
  open = 0;
  high = 0;
  low = 0;
  close = 0;
  volume = 0;
  quoteVolume = 0;
  trades = 0;
  // (ts, seq) of the trades that set open and close: a trade that arrives out of order inside
  // its bar still leaves open = earliest trade and close = latest trade, by (ts, seq).
  firstTs = 0;
  firstSeq = 0;
  lastTs = 0;
  lastSeq = 0;
  /** Touched since the last drain. */
  dirty = false;

  constructor(instrument: string, timeframe: Timeframe) {
    this.instrument = instrument;
    this.timeframe = timeframe;
  }

  /** Become the bar starting at `openTime` with `trade` as its first trade. */
  start(openTime: number, trade: Trade): void {
    this.openTime = openTime;
    this.open = this.high = this.low = this.close = trade.price;
    this.volume = trade.amount;
    this.quoteVolume = trade.price * trade.amount;
    this.trades = 1;
    this.firstTs = this.lastTs = trade.ts;
    this.firstSeq = this.lastSeq = trade.seq;
  }

  add(trade: Trade): void {
    const { ts, seq, price } = trade;
    if (price > this.high) this.high = price;
    if (price < this.low) this.low = price;
    this.volume += trade.amount;
    this.quoteVolume += price * trade.amount;
    this.trades += 1;
    if (ts < this.firstTs || (ts === this.firstTs && seq < this.firstSeq)) {
      this.open = price;
      this.firstTs = ts;
      this.firstSeq = seq;
    }
    if (ts > this.lastTs || (ts === this.lastTs && seq >= this.lastSeq)) {
      this.close = price;
      this.lastTs = ts;
      this.lastSeq = seq;
    }
  }

  /** Continue a stored bar whose first and last trades are unknown. */
  resume(candle: Candle): void {
    this.openTime = candle.openTime;
    this.open = candle.open;
    this.high = candle.high;
    this.low = candle.low;
    this.close = candle.close;
    this.volume = candle.volume;
    this.quoteVolume = candle.quoteVolume;
    this.trades = candle.trades;
    // The stored open stays, and the next trade becomes the close.
    this.firstTs = this.lastTs = Number.NEGATIVE_INFINITY;
    this.firstSeq = this.lastSeq = Number.NEGATIVE_INFINITY;
  }

  toCandle(): Candle {
    return {
      instrument: this.instrument,
      timeframe: this.timeframe,
      openTime: this.openTime,
      open: this.open,
      high: this.high,
      low: this.low,
      close: this.close,
      volume: this.volume,
      quoteVolume: this.quoteVolume,
      trades: this.trades,
    };
  }

  copy(): Bar {
    return Object.assign(new Bar(this.instrument, this.timeframe), this);
  }
}

/** One timeframe of one instrument: the current bar, or null before its first trade. */
interface Slot {
  readonly timeframe: Timeframe;
  bar: Bar | null;
}

/**
 * Builds candles of every timeframe incrementally from trades, for any number of instruments,
 * like a continuous aggregate: each trade updates the current bar of each timeframe in
 * O(#timeframes), allocating only when a bar closes. Bars are aligned with `barOpenTime`.
 *
 * A trade newer than a timeframe's current bar closes that bar and starts the next one. A trade
 * inside the current bar is merged into it even if it arrives out of order. A trade older than
 * the current bar's open (late) cannot be merged here, because the closed bar is no longer held:
 * it is counted in `lateTrades` and handed out by `drainLate()` for the store to merge into the
 * stored bar. A late trade is still merged into the timeframes where its bar is current, so
 * e.g. a trade 2 s late misses the 1s candle but is in the 1m candle.
 *
 * Trades are assumed valid (finite positive price and amount), as the edge guarantees.
 */
export class CandleBuilder {
  private readonly options: CandleBuilderOptions;
  private readonly timeframes: readonly Timeframe[];
  private readonly slotsByInstrument = new Map<string, Slot[]>();
  /** Bars closed since the last drain while dirty, frozen at the moment they closed. */
  private closed: Candle[] = [];
  /** Current bars touched since the last drain, each once. */
  private dirtyBars: Bar[] = [];
  private late: LateTrade[] = [];
  private lateCount = 0;

  constructor(options: CandleBuilderOptions = {}) {
    this.options = options;
    this.timeframes = [...(options.timeframes ?? TIMEFRAMES)];
  }

  /** Trades that missed the (already closed) bar of at least one timeframe. */
  get lateTrades(): number {
    return this.lateCount;
  }

  addTrade(trade: Trade): void {
    const slots = this.slotsOf(trade.instrument);
    let lateIn: Timeframe[] | null = null;
    for (const slot of slots) {
      const openTime = barOpenTime(trade.ts, slot.timeframe);
      const bar = slot.bar;
      if (bar === null) {
        const started = new Bar(trade.instrument, slot.timeframe);
        this.begin(started, openTime, trade);
        slot.bar = started;
        this.markDirty(started);
      } else if (openTime === bar.openTime) {
        bar.add(trade);
        this.markDirty(bar);
      } else if (openTime > bar.openTime) {
        if (bar.dirty) this.closed.push(bar.toCandle());
        this.begin(bar, openTime, trade);
        this.markDirty(bar);
      } else {
        (lateIn ??= []).push(slot.timeframe);
      }
    }
    if (lateIn !== null) {
      this.lateCount += 1;
      this.late.push({ trade, timeframes: lateIn });
    }
  }

  /**
   * Every bar touched since the last drain, exactly once each, in its state now: bars closed
   * in the meantime (oldest first per timeframe), then the current bars.
   */
  drainChanged(): Candle[] {
    const changed = this.closed;
    this.closed = [];
    for (const bar of this.dirtyBars) {
      changed.push(bar.toCandle());
      bar.dirty = false;
    }
    this.dirtyBars = [];
    return changed;
  }

  /** Late trades since the last call, in arrival order. */
  drainLate(): LateTrade[] {
    const late = this.late;
    this.late = [];
    return late;
  }

  /** The bar under construction, or null if no trade of this instrument reached this timeframe. */
  current(instrument: string, timeframe: Timeframe): Candle | null {
    const slot = this.slotsByInstrument.get(instrument)?.find((s) => s.timeframe === timeframe);
    return slot?.bar?.toCandle() ?? null;
  }

  /** An independent copy: used to build inside a transaction and drop the result on rollback. */
  clone(): CandleBuilder {
    const copy = new CandleBuilder(this.options);
    const copies = new Map<Bar, Bar>();
    for (const [instrument, slots] of this.slotsByInstrument) {
      copy.slotsByInstrument.set(
        instrument,
        slots.map((slot) => {
          if (slot.bar === null) return { timeframe: slot.timeframe, bar: null };
          const bar = slot.bar.copy();
          copies.set(slot.bar, bar);
          return { timeframe: slot.timeframe, bar };
        }),
      );
    }
    copy.closed = [...this.closed];
    copy.dirtyBars = this.dirtyBars.flatMap((bar) => copies.get(bar) ?? []);
    copy.late = [...this.late];
    copy.lateCount = this.lateCount;
    return copy;
  }

  private slotsOf(instrument: string): Slot[] {
    let slots = this.slotsByInstrument.get(instrument);
    if (slots === undefined) {
      slots = this.timeframes.map((timeframe) => ({ timeframe, bar: null }));
      this.slotsByInstrument.set(instrument, slots);
    }
    return slots;
  }

  /** Make `bar` the bar opening at `openTime`, continuing its stored state if there is one. */
  private begin(bar: Bar, openTime: number, trade: Trade): void {
    const stored = this.options.storedBar?.(trade.instrument, bar.timeframe, openTime) ?? null;
    if (stored === null) {
      bar.start(openTime, trade);
    } else {
      bar.resume(stored);
      bar.add(trade);
    }
  }

  private markDirty(bar: Bar): void {
    if (!bar.dirty) {
      bar.dirty = true;
      this.dirtyBars.push(bar);
    }
  }
}
