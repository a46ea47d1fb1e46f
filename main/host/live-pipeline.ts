import type { BookView } from '../../shared/api/schemas.js';
import type { Candle } from '../../shared/domain/candle.js';
import type { BookSnapshot, MarketEvent, Trade } from '../../shared/domain/market.js';
import type { BookFeatures, Signal } from '../../shared/domain/signal.js';
import { MarketEventValidator } from '../../shared/market/validate.js';
import type { Recorder } from '../storage/recorder.js';

/** What the pipeline needs from the feature worker (a real thread in the App, a fake nowhere). */
export interface FeatureSink {
  send(events: readonly MarketEvent[]): void;
}

export interface LivePipelineOptions {
  readonly recorder: Recorder;
  readonly features: FeatureSink;
  readonly clock: () => number;
  /** How often a book snapshot is recorded per instrument (ms of market time). */
  readonly snapshotIntervalMs?: number;
  readonly snapshotDepth?: number;
}

/** Trades, candles, features and signals gathered since the host last published them. */
export interface PipelineOutput {
  readonly trades: ReadonlyMap<string, Trade[]>;
  readonly candles: readonly Candle[];
}

/**
 * The live path: validate -> record -> feature worker -> signal. Sources push batches in;
 * the host pulls throttled views out. The validator already keeps every instrument's book to
 * refuse crossing updates; the ladder is served from that same book, and a snapshot of it is
 * recorded at a fixed market-time cadence.
 */
export class LivePipeline {
  readonly validator: MarketEventValidator;
  private readonly bookVersions = new Map<string, number>();
  private readonly lastSnapshotTs = new Map<string, number>();
  private readonly latestFeatures = new Map<string, BookFeatures>();
  private pendingTrades = new Map<string, Trade[]>();
  private pendingSignals: Signal[] = [];
  private readonly snapshotIntervalMs: number;
  private readonly snapshotDepth: number;
  private eventsIn = 0;
  private eventsAccepted = 0;

  constructor(private readonly options: LivePipelineOptions) {
    this.validator = new MarketEventValidator({ clock: options.clock });
    this.snapshotIntervalMs = options.snapshotIntervalMs ?? 1000;
    this.snapshotDepth = options.snapshotDepth ?? 50;
  }

  get eventsTotal(): number {
    return this.eventsIn;
  }

  get acceptedTotal(): number {
    return this.eventsAccepted;
  }

  /** Takes one batch from a source, in (ts, seq) order. Bad events are counted, never thrown. */
  ingest(events: readonly MarketEvent[]): void {
    const accepted: MarketEvent[] = [];
    for (const event of events) {
      this.eventsIn++;
      if (!this.validator.accept(event)) continue;
      accepted.push(event);
      this.apply(event);
    }
    this.eventsAccepted += accepted.length;
    this.options.features.send(accepted);
  }

  /** Called with what the feature worker computed for a batch. */
  onFeatures(features: readonly BookFeatures[], signals: readonly Signal[]): void {
    for (const value of features) this.latestFeatures.set(value.instrument, value);
    for (const signal of signals) {
      this.options.recorder.recordSignal(signal);
      this.pendingSignals.push(signal);
    }
  }

  /** Commits everything buffered to SQLite in one transaction and hands back what changed. */
  flush(): PipelineOutput {
    const { candles } = this.options.recorder.flush();
    const trades = this.pendingTrades;
    this.pendingTrades = new Map();
    return { trades, candles };
  }

  /** Signals fired since the last call, in order. */
  takeSignals(): Signal[] {
    const signals = this.pendingSignals;
    this.pendingSignals = [];
    return signals;
  }

  features(instrument: string): BookFeatures | null {
    return this.latestFeatures.get(instrument) ?? null;
  }

  /** Increases whenever the instrument's book changes; lets the host skip unchanged frames. */
  bookVersion(instrument: string): number {
    return this.bookVersions.get(instrument) ?? 0;
  }

  bookView(instrument: string, depth: number, ts: number): BookView {
    const book = this.validator.bookOf(instrument);
    if (book === null) return { instrument, ts, bids: [], asks: [], mid: null, spread: null };
    const { bids, asks } = book.top(depth);
    return { instrument, ts, bids, asks, mid: book.mid(), spread: book.spread() };
  }

  private apply(event: MarketEvent): void {
    switch (event.kind) {
      case 'trade': {
        this.options.recorder.record(event);
        let batch = this.pendingTrades.get(event.instrument);
        if (batch === undefined) {
          batch = [];
          this.pendingTrades.set(event.instrument, batch);
        }
        const { kind: _kind, ...trade } = event;
        batch.push(trade);
        return;
      }
      case 'book_snapshot':
      case 'book_delta':
        this.touchBook(event.instrument, event.ts, event.seq);
        return;
      default:
        event satisfies never;
    }
  }

  private touchBook(instrument: string, ts: number, seq: number): void {
    this.bookVersions.set(instrument, this.bookVersion(instrument) + 1);
    const last = this.lastSnapshotTs.get(instrument);
    if (last !== undefined && ts - last < this.snapshotIntervalMs) return;
    this.lastSnapshotTs.set(instrument, ts);
    const book = this.validator.bookOf(instrument);
    if (book === null) return;
    const { bids, asks } = book.top(this.snapshotDepth);
    const snapshot: BookSnapshot = { instrument, ts, seq, bids, asks };
    this.options.recorder.recordBookSnapshot(snapshot);
  }
}
