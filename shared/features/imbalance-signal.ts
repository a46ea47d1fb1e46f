import {
  BookImbalance,
  bookImbalanceParams,
  type BookImbalanceParamsInput,
} from '../backtest/strategies/book-imbalance.js';
import { isSameBookMessage, type MarketEvent } from '../domain/market.js';
import type { BookFeatures, Signal, SignalDirection } from '../domain/signal.js';
import { BookFeatureEngine } from './book-features.js';

/** What the signal reads after every book event of its instrument. */
export type ImbalanceReading = Pick<BookFeatures, 'instrument' | 'ts' | 'imbalance' | 'mid'>;

/**
 * The live imbalance signal: the backtestable BookImbalance strategy itself, shown as
 * signals. Every decision of the strategy's rule (`BookImbalance.decide`) is one signal, so
 * an event backtest of the strategy with the same parameters over the same events decides
 * exactly when and how the live signal fired (tests/unit/shared/features/signal-parity.test.ts).
 * Feed it the imbalance the catalogue gives over the strategy's `levels` (BookFeatureEngine
 * with the same levels does).
 */
export class BookImbalanceSignal {
  readonly strategy: BookImbalance;

  constructor(
    readonly instrument: string,
    params: BookImbalanceParamsInput = {},
  ) {
    this.strategy = new BookImbalance(bookImbalanceParams.parse(params));
  }

  /** The direction of the last signal fired ('flat' before any). */
  position(): SignalDirection {
    return this.strategy.view();
  }

  /**
   * Takes the latest imbalance and mid of the instrument; returns the signal the strategy's
   * decision fires, if any. Without an imbalance or a mid (a book side is empty) it fires
   * nothing and keeps its view.
   */
  update(reading: ImbalanceReading): Signal | null {
    if (reading.instrument !== this.instrument) return null;
    const { imbalance, mid } = reading;
    if (imbalance === null || mid === null || !Number.isFinite(mid)) return null;
    const direction = this.strategy.decide(reading.ts, imbalance);
    if (direction === null) return null;
    return {
      instrument: this.instrument,
      ts: reading.ts,
      source: 'imbalance',
      direction,
      strength: direction === 'flat' ? 0 : Math.min(1, Math.max(-1, imbalance)),
      price: mid,
    };
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * One instrument's live features and imbalance signal, fed event by event: what the feature
 * worker runs per instrument, and what the parity test runs beside an event backtest. A book
 * message (deltas sharing instrument, ts and seq) is decided on once it is whole, as the
 * event backtest does: at the next event that is not part of it, or at `endOfBatch` (a source
 * hands over whole messages, so a batch never ends inside one).
 */
export class InstrumentSignals {
  readonly features: BookFeatureEngine;
  readonly signal: BookImbalanceSignal;
  /**
   * What the signal reads after every book message, in one reused object: building the full
   * BookFeatures (microprice, VWAP...) and a new object per event cost as much as the whole
   * feature set. The signal keeps no reference to it.
   */
  private readonly reading: Mutable<ImbalanceReading>;
  /** The last delta of a book message not yet known to be whole, or null. */
  private pending: MarketEvent | null = null;

  constructor(
    readonly instrument: string,
    params: BookImbalanceParamsInput = {},
  ) {
    const parsed = bookImbalanceParams.parse(params);
    this.features = new BookFeatureEngine(instrument, { imbalanceLevels: parsed.levels });
    this.signal = new BookImbalanceSignal(instrument, parsed);
    this.reading = { instrument, ts: 0, imbalance: null, mid: null };
  }

  /** Applies one event of any instrument; a signal it fires is pushed onto `fired`. */
  onEvent(event: MarketEvent, fired: Signal[]): void {
    if (this.pending !== null && !isSameBookMessage(this.pending, event)) this.endOfBatch(fired);
    this.features.onEvent(event);
    if (event.instrument !== this.instrument) return;
    if (event.kind === 'book_delta') this.pending = event;
    else if (event.kind === 'book_snapshot') this.decide(event.ts, fired);
  }

  /** The batch is over: the book message it ended with is whole. */
  endOfBatch(fired: Signal[]): void {
    const pending = this.pending;
    if (pending === null) return;
    this.pending = null;
    this.decide(pending.ts, fired);
  }

  private decide(ts: number, fired: Signal[]): void {
    const reading = this.reading;
    reading.ts = ts;
    reading.imbalance = this.features.imbalance();
    reading.mid = this.features.mid();
    const signal = this.signal.update(reading);
    if (signal !== null) fired.push(signal);
  }
}
