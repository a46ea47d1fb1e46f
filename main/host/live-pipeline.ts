import type { BookView } from '../../shared/api/schemas.js';
import type { Candle } from '../../shared/domain/candle.js';
import {
  isSameBookMessage,
  type BookSnapshot,
  type MarketEvent,
  type Trade,
} from '../../shared/domain/market.js';
import type { BookFeatures, Signal } from '../../shared/domain/signal.js';
import { MarketEventValidator } from '../../shared/market/validate.js';
import { BookAnchorPolicy } from '../storage/book-anchors.js';
import type { Recorder } from '../storage/recorder.js';

/** What the pipeline needs from the feature worker (a real thread in the App, a fake nowhere). */
export interface FeatureSink {
  send(events: readonly MarketEvent[]): void;
}

export interface LivePipelineOptions {
  readonly recorder: Recorder;
  readonly features: FeatureSink;
  readonly clock: () => number;
  /** How often a book snapshot (an anchor for delta replay) is recorded per instrument (ms of market time). */
  readonly snapshotIntervalMs?: number;
  /** Deltas per book level between two anchors (default ANCHOR_DELTAS_PER_LEVEL; 0: every interval). */
  readonly anchorDeltasPerLevel?: number;
  /** Levels a side in a recorded snapshot. Default: the whole book, which bookAt needs to be exact. */
  readonly snapshotDepth?: number;
}

/** What became of one ingested batch, for the source that sent it. */
export interface IngestReport {
  readonly accepted: number;
  /** Instruments whose book message (a snapshot or an update batch) was refused whole. */
  readonly refusedBooks: ReadonlySet<string>;
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
  private readonly anchors: BookAnchorPolicy;
  private readonly latestFeatures = new Map<string, BookFeatures>();
  private pendingTrades = new Map<string, Trade[]>();
  private pendingSignals: Signal[] = [];
  private readonly snapshotDepth: number;
  private eventsIn = 0;
  private eventsAccepted = 0;

  constructor(private readonly options: LivePipelineOptions) {
    this.validator = new MarketEventValidator({ clock: options.clock });
    // Every 10 s: each anchor is the whole book, and bookAt replays at most 10 s of deltas
    // (measured in tests/bench/record.ts: 1 s anchors doubled the bytes per book event).
    this.anchors = new BookAnchorPolicy(options.snapshotIntervalMs ?? 10_000, options.anchorDeltasPerLevel);
    this.snapshotDepth = options.snapshotDepth ?? Number.MAX_SAFE_INTEGER;
  }

  get eventsTotal(): number {
    return this.eventsIn;
  }

  get acceptedTotal(): number {
    return this.eventsAccepted;
  }

  /**
   * Takes one batch from a source, in (ts, seq) order, whole book messages only (see BookDelta).
   * Bad events and messages are counted, never thrown; the report tells the source which books
   * it must resnapshot because a message of theirs was refused.
   */
  ingest(events: readonly MarketEvent[]): IngestReport {
    this.eventsIn += events.length;
    const refusedBooks = new Set<string>();
    const accepted = this.validator.acceptBatch(events, (event) => {
      if (event.kind !== 'trade') refusedBooks.add(event.instrument);
    });
    for (let i = 0; i < accepted.length; i++) {
      const event = accepted[i];
      if (event === undefined) continue;
      this.apply(event);
      // An anchor snapshot is only taken between messages: one taken inside a message would
      // carry that message's (ts, seq) with only part of its levels in it.
      const next = accepted[i + 1];
      if (event.kind !== 'trade' && (next === undefined || !isSameBookMessage(event, next)))
        this.touchBook(event);
    }
    this.eventsAccepted += accepted.length;
    this.options.features.send(accepted);
    return { accepted: accepted.length, refusedBooks };
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
        // Deltas and source snapshots are stored as they come, so bookAt can rebuild any T.
        this.options.recorder.record(event);
        this.bookVersions.set(event.instrument, this.bookVersion(event.instrument) + 1);
        this.anchors.applied(event.instrument, 1);
        return;
      default:
        event satisfies never;
    }
  }

  /** After a whole book message: record an anchor snapshot of the book when one is due. */
  private touchBook(message: Pick<BookSnapshot, 'instrument' | 'ts' | 'seq' | 'localTs'>): void {
    const { instrument, ts, seq, localTs } = message;
    const book = this.validator.bookOf(instrument);
    if (book === null || !this.anchors.due(instrument, ts, book.depth('bid') + book.depth('ask'))) return;
    const { bids, asks } = book.top(this.snapshotDepth);
    const snapshot: BookSnapshot = {
      instrument,
      ts,
      seq,
      bids,
      asks,
      ...(localTs === undefined ? {} : { localTs }),
    };
    this.options.recorder.recordBookSnapshot(snapshot);
  }
}
