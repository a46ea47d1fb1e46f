import { performance } from 'node:perf_hooks';
import { CandleBuilder, type LateTrade } from '../../shared/candles/candle-builder.js';
import type { Candle } from '../../shared/domain/candle.js';
import type { BookDelta, BookSnapshot, Level, MarketEvent, Trade } from '../../shared/domain/market.js';
import type { Signal } from '../../shared/domain/signal.js';
import { TIMEFRAMES, type Timeframe } from '../../shared/domain/timeframes.js';
import type { DeltaColumns } from './book-delta-codec.js';
import { BookHistory } from './book-history.js';
import type { MarketStore } from './market-store.js';

/** Snapshots are the anchors `bookAt` replays deltas from, so they keep the whole book by default. */
const FULL_DEPTH = Number.MAX_SAFE_INTEGER;

export interface RecorderOptions {
  /** Least market time between two stored book snapshots of one instrument. Default 1000 ms. */
  readonly snapshotIntervalMs?: number;
  /** Levels per side kept in a stored snapshot. Default: all (a snapshot anchors delta replay). */
  readonly snapshotDepth?: number;
  /** Candle timeframes to build. Default: all of TIMEFRAMES. */
  readonly timeframes?: readonly Timeframe[];
  /** Monotonic clock in ms, to time commits. Default `performance.now`. */
  readonly now?: () => number;
}

/** What one flush committed. */
export interface FlushResult {
  /** Trades inserted (duplicates excluded). */
  readonly trades: number;
  /** Trades the database already had (same trade id or same (ts, seq)), dropped. */
  readonly duplicateTrades: number;
  readonly snapshots: number;
  /** Book deltas committed (packed into chunk rows, see book-history.ts). */
  readonly bookDeltas: number;
  readonly signals: number;
  /** Every bar changed by this flush, in its committed state: what the candle topic publishes. */
  readonly candles: readonly Candle[];
  /** Trades that arrived after their bar closed in some timeframe, merged into the stored bar. */
  readonly lateTrades: number;
  /** How long the transaction took, ms. */
  readonly durationMs: number;
}

export interface RecorderStats {
  readonly recordedTrades: number;
  readonly duplicateTrades: number;
  readonly recordedSnapshots: number;
  readonly recordedBookDeltas: number;
  /** Snapshots dropped because one of the same instrument was kept less than the interval before. */
  readonly thinnedSnapshots: number;
  readonly recordedSignals: number;
  readonly writtenCandles: number;
  readonly lateTrades: number;
  /** Events refused before buffering: invalid values or an instrument never upserted. */
  readonly rejectedEvents: number;
  readonly flushes: number;
  readonly failedFlushes: number;
  /** Duration of the last successful commit, ms; null before the first. */
  readonly lastCommitMs: number | null;
  /** The message of the last failed flush, cleared by the next successful one. */
  readonly lastError: string | null;
  readonly pendingTrades: number;
  readonly pendingSnapshots: number;
  readonly pendingBookDeltas: number;
  readonly pendingSignals: number;
}

const EMPTY_FLUSH: Omit<FlushResult, 'durationMs'> = {
  trades: 0,
  duplicateTrades: 0,
  snapshots: 0,
  bookDeltas: 0,
  signals: 0,
  candles: [],
  lateTrades: 0,
};

/**
 * The single writer of live market data. Callers hand it events as they come; it buffers them
 * and `flush()` writes the whole buffer in ONE transaction: trades, book snapshots, the candles
 * those trades changed (every timeframe) and signals. The host drives flushes (about every
 * 100 ms, and once on shutdown).
 *
 * Candles are built at flush time, inside the transaction, from exactly the trades the database
 * accepted: a trade an exchange resends after a reconnect is dropped by its id and never counted
 * twice in a bar, and the stored candles always agree with the stored trades. A trade arriving
 * after its bar closed (late) is merged into the stored bar in the same transaction.
 *
 * If a flush throws, the transaction rolls back, NOTHING buffered is lost: the batch stays
 * buffered (new events are appended to it) and the next flush writes it again; the error is
 * rethrown so the host can report it, and counted in `failedFlushes` / `lastError`. Events that
 * could never be written (NaN, a negative size, an unknown instrument) are refused at `record`
 * time and counted instead, so one bad event cannot block every later flush.
 */
export class Recorder {
  private readonly store: MarketStore;
  private readonly snapshotIntervalMs: number;
  private readonly snapshotDepth: number;
  private readonly now: () => number;
  private builder: CandleBuilder;
  private readonly writeBatch;
  private readonly books: BookHistory;

  private trades: Trade[] = [];
  /** Local receive time of each buffered trade, beside `trades` (NaN: unknown). */
  private receivedAt: number[] = [];
  private snapshots: BookSnapshot[] = [];
  private signals: Signal[] = [];
  private deltas = new Map<string, DeltaColumns>();
  private pendingDeltas = 0;
  private readonly lastSnapshotTs = new Map<string, number>();

  private readonly counts = {
    recordedTrades: 0,
    duplicateTrades: 0,
    recordedSnapshots: 0,
    recordedBookDeltas: 0,
    thinnedSnapshots: 0,
    recordedSignals: 0,
    writtenCandles: 0,
    lateTrades: 0,
    rejectedEvents: 0,
    flushes: 0,
    failedFlushes: 0,
  };
  private lastCommit: number | null = null;
  private lastError: string | null = null;

  constructor(store: MarketStore, options: RecorderOptions = {}) {
    this.store = store;
    this.snapshotIntervalMs = options.snapshotIntervalMs ?? 1000;
    this.snapshotDepth = options.snapshotDepth ?? FULL_DEPTH;
    this.books = new BookHistory(store.db);
    this.now = options.now ?? (() => performance.now());
    // Bars already stored (e.g. today's 1d bar, recorded before a restart) are continued, not
    // overwritten by a bar of the new trades only. The lookup runs inside the flush transaction.
    this.builder = new CandleBuilder({
      timeframes: options.timeframes ?? TIMEFRAMES,
      storedBar: (instrument, timeframe, openTime) => store.candleAt(instrument, timeframe, openTime),
    });
    // IMMEDIATE takes the write lock at BEGIN, where busy_timeout waits for another writer; a
    // deferred transaction would take it at its first write and, in WAL, fail there at once
    // with SQLITE_BUSY_SNAPSHOT if another connection committed in between.
    const transaction = store.db.transaction((builder: CandleBuilder) => this.write(builder));
    this.writeBatch = (builder: CandleBuilder) => transaction.immediate(builder);
  }

  /**
   * Buffer a market event. A book snapshot from the source (a (re)synchronisation) is always
   * kept as an anchor: the deltas after it only make sense on top of it.
   */
  record(event: MarketEvent): void {
    switch (event.kind) {
      case 'trade':
        this.recordTrade(event);
        return;
      case 'book_snapshot':
        this.recordBookAnchor(event);
        return;
      case 'book_delta':
        this.recordBookDelta(event);
        return;
      default:
        event satisfies never;
    }
  }

  /**
   * Buffer a trade with its local receive time: `receivedAt`, else the feed's stamp
   * (`trade.localTs`), else none. The recorder never stamps a trade with its own clock: a trade
   * the feed fetched later by REST (a hole or reconnect backfill) was never received live, and
   * the flush's time would count as the feed's delay in the "recorded" latency model.
   */
  recordTrade(trade: Trade, receivedAt?: number): void {
    if (!isStorableTrade(trade) || !this.store.hasInstrument(trade.instrument)) {
      this.counts.rejectedEvents += 1;
      return;
    }
    const at = receivedAt ?? trade.localTs ?? Number.NaN;
    this.trades.push(trade);
    this.receivedAt.push(Number.isFinite(at) ? Math.round(at) : Number.NaN);
  }

  /**
   * Keep a snapshot (its top `snapshotDepth` levels) if none of the instrument was kept in the
   * last `snapshotIntervalMs` of market time; callers may offer every snapshot they have.
   */
  recordBookSnapshot(snapshot: BookSnapshot): void {
    // Copied and cut to depth: the caller's arrays may be live views of its book.
    const bids = snapshot.bids.slice(0, this.snapshotDepth);
    const asks = snapshot.asks.slice(0, this.snapshotDepth);
    if (
      !isTimestamp(snapshot.ts) ||
      !Number.isSafeInteger(snapshot.seq) ||
      !bids.every(isStorableLevel) ||
      !asks.every(isStorableLevel) ||
      !this.store.hasInstrument(snapshot.instrument)
    ) {
      this.counts.rejectedEvents += 1;
      return;
    }
    const last = this.lastSnapshotTs.get(snapshot.instrument);
    if (last !== undefined && snapshot.ts - last < this.snapshotIntervalMs) {
      this.counts.thinnedSnapshots += 1;
      return;
    }
    this.lastSnapshotTs.set(snapshot.instrument, snapshot.ts);
    this.snapshots.push({
      instrument: snapshot.instrument,
      ts: snapshot.ts,
      seq: snapshot.seq,
      bids,
      asks,
      ...(snapshot.localTs === undefined ? {} : { localTs: snapshot.localTs }),
    });
  }

  /** Keep a snapshot whatever the interval: the source replaced the whole book here. */
  recordBookAnchor(snapshot: BookSnapshot): void {
    this.lastSnapshotTs.delete(snapshot.instrument);
    this.recordBookSnapshot(snapshot);
  }

  /** Buffer one book delta (the new size at a price; 0 removes the level). */
  recordBookDelta(delta: BookDelta): void {
    if (
      !isTimestamp(delta.ts) ||
      !Number.isSafeInteger(delta.seq) ||
      !isStorableLevel([delta.price, delta.size]) ||
      !BOOK_SIDES.has(delta.side) ||
      !this.store.hasInstrument(delta.instrument)
    ) {
      this.counts.rejectedEvents += 1;
      return;
    }
    let columns = this.deltas.get(delta.instrument);
    if (columns === undefined) {
      columns = { ts: [], seq: [], side: [], price: [], size: [], localTs: [] };
      this.deltas.set(delta.instrument, columns);
    }
    columns.ts.push(delta.ts);
    columns.seq.push(delta.seq);
    columns.side.push(delta.side);
    columns.price.push(delta.price);
    columns.size.push(delta.size);
    columns.localTs?.push(delta.localTs ?? Number.NaN);
    this.pendingDeltas += 1;
  }

  recordSignal(signal: Signal): void {
    if (!isStorableSignal(signal) || !this.store.hasInstrument(signal.instrument)) {
      this.counts.rejectedEvents += 1;
      return;
    }
    this.signals.push(signal);
  }

  /**
   * Write everything buffered in one transaction. On success the buffers are cleared; on
   * failure they are kept for the next flush and the error is rethrown (see the class comment).
   */
  flush(): FlushResult {
    if (
      this.trades.length === 0 &&
      this.snapshots.length === 0 &&
      this.signals.length === 0 &&
      this.pendingDeltas === 0
    ) {
      return { ...EMPTY_FLUSH, durationMs: 0 };
    }
    // Candles are built on a copy, adopted only once the transaction commits: a rolled-back
    // flush must leave no trade counted in a bar, since the same trades are written again.
    const next = this.builder.clone();
    const started = this.now();
    let result: Omit<FlushResult, 'durationMs'>;
    try {
      result = this.writeBatch(next);
    } catch (error) {
      this.counts.failedFlushes += 1;
      this.lastError = error instanceof Error ? error.message : String(error);
      throw error;
    }
    const durationMs = this.now() - started;
    this.builder = next;
    this.trades = [];
    this.receivedAt = [];
    this.snapshots = [];
    this.signals = [];
    this.deltas = new Map();
    this.pendingDeltas = 0;
    this.counts.flushes += 1;
    this.counts.recordedTrades += result.trades;
    this.counts.duplicateTrades += result.duplicateTrades;
    this.counts.recordedSnapshots += result.snapshots;
    this.counts.recordedBookDeltas += result.bookDeltas;
    this.counts.recordedSignals += result.signals;
    this.counts.writtenCandles += result.candles.length;
    this.counts.lateTrades += result.lateTrades;
    this.lastCommit = durationMs;
    this.lastError = null;
    return { ...result, durationMs };
  }

  /** The bar under construction, as of the last successful flush. */
  currentCandle(instrument: string, timeframe: Timeframe): Candle | null {
    return this.builder.current(instrument, timeframe);
  }

  /** Trades committed since the recorder started (duplicates excluded). */
  get recordedTrades(): number {
    return this.counts.recordedTrades;
  }

  /** Duration of the last successful commit, ms; null before the first. */
  get lastCommitMs(): number | null {
    return this.lastCommit;
  }

  get stats(): RecorderStats {
    return {
      ...this.counts,
      lastCommitMs: this.lastCommit,
      lastError: this.lastError,
      pendingTrades: this.trades.length,
      pendingSnapshots: this.snapshots.length,
      pendingBookDeltas: this.pendingDeltas,
      pendingSignals: this.signals.length,
    };
  }

  /** The body of the flush transaction. Synchronous throughout: nothing may await in here. */
  private write(builder: CandleBuilder): Omit<FlushResult, 'durationMs'> {
    const store = this.store;
    const inserted = store.insertTrades(
      this.trades,
      (trade) => {
        builder.addTrade(trade);
      },
      this.receivedAt,
    );
    let snapshots = 0;
    for (const snapshot of this.snapshots) {
      if (store.insertBookSnapshot(snapshot, this.snapshotDepth)) snapshots += 1;
    }
    let bookDeltas = 0;
    for (const [instrument, columns] of this.deltas) {
      this.books.insertDeltas(instrument, columns);
      bookDeltas += columns.ts.length;
    }
    const candles = builder.drainChanged();
    store.upsertCandles(candles);
    // After the upsert: a late trade's bar may have closed in this very batch.
    const late: LateTrade[] = builder.drainLate();
    for (const { trade, timeframes } of late) {
      for (const timeframe of timeframes) store.mergeLateTrade(trade, timeframe);
    }
    const signals = store.insertSignals(this.signals);
    return {
      trades: inserted,
      duplicateTrades: this.trades.length - inserted,
      snapshots,
      bookDeltas,
      signals,
      candles,
      lateTrades: late.length,
    };
  }
}

// Typed values can still be anything at runtime when a source is wrong; check what the schema CHECKs.
const SIDES: ReadonlySet<string> = new Set(['buy', 'sell']);
const BOOK_SIDES: ReadonlySet<string> = new Set(['bid', 'ask']);
const DIRECTIONS: ReadonlySet<string> = new Set(['long', 'short', 'flat']);

function isTimestamp(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

function isStorableTrade(trade: Trade): boolean {
  return (
    isTimestamp(trade.ts) &&
    Number.isSafeInteger(trade.seq) &&
    Number.isFinite(trade.price) &&
    trade.price > 0 &&
    Number.isFinite(trade.amount) &&
    trade.amount > 0 &&
    SIDES.has(trade.side)
  );
}

function isStorableLevel(level: Level): boolean {
  return Number.isFinite(level[0]) && level[0] > 0 && Number.isFinite(level[1]) && level[1] >= 0;
}

function isStorableSignal(signal: Signal): boolean {
  return (
    isTimestamp(signal.ts) &&
    DIRECTIONS.has(signal.direction) &&
    Number.isFinite(signal.strength) &&
    signal.strength >= -1 &&
    signal.strength <= 1 &&
    Number.isFinite(signal.price)
  );
}
