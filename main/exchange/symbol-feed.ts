import { NetworkError, InvalidNonce, type Exchange, type OHLCV, type Trade as CcxtTrade } from 'ccxt';
import type { Candle } from '../../shared/domain/candle.js';
import type { Instrument, MarketEvent, Trade } from '../../shared/domain/market.js';
import { TIMEFRAME_MS, type Timeframe } from '../../shared/domain/timeframes.js';
import type { Gap } from '../storage/gap-ledger.js';
import { Backoff, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { BookDiffer } from './book-differ.js';
import { TradeSequencer, type TradeHole } from './trade-sequencer.js';

export type StreamKind = 'trades' | 'book' | 'candles';

/** What the consumer made of a delivered batch (the live pipeline's ingest report). */
export interface DeliveryReport {
  /** Instruments whose book message was refused whole (crossed, non-finite, out of time). */
  readonly refusedBooks: ReadonlySet<string>;
}

/** Where normalised events go; a report, when the consumer gives one, tells of refused books. */
export type Deliver = (events: MarketEvent[]) => DeliveryReport | undefined;
export type FeedState = 'starting' | 'live' | 'reconnecting' | 'stopped';

export interface FeedDependencies {
  readonly exchange: Exchange;
  readonly exchangeId: string;
  readonly instrument: Instrument;
  readonly consecutiveTradeIds: boolean;
  /** Where normalised events go: the App's live pipeline. */
  readonly deliver: Deliver;
  readonly recordGap: (gap: Gap) => void;
  /** The last trade recorded for the instrument (by this run or an earlier one), to resume from. */
  readonly lastRecordedTrade?: () => Pick<Trade, 'id' | 'ts'> | null;
  /** Timeframe of the exchange candles compared with ours (default 1m). */
  readonly candleTimeframe?: Timeframe;
  /** Our own candle of that timeframe (the recorder builds it from trades), to compare. */
  readonly candleAt: (instrument: string, openTime: number) => Candle | null;
  readonly clock: () => number;
  readonly random: () => number;
  readonly log: (line: string) => void;
  readonly backoff?: BackoffPolicy;
  /** Levels a side tracked from the exchange's book. */
  readonly bookDepth?: number;
  /** How long a hole in trade ids may wait for late messages before it is backfilled. */
  readonly holeWaitMs?: number;
  /** How long after a bar closes it is compared (so our recorder has committed its trades). */
  readonly candleSettleMs?: number;
  /** REST attempts for one backfill request before it is given up. */
  readonly restAttempts?: number;
  /**
   * Longest hole (in time) the live feed backfills itself; a longer one (the workstation was
   * off for hours) goes to the gap ledger for a history backfill job, instead of the live
   * feed paging REST for hours.
   */
  readonly maxLiveBackfillMs?: number;
  /** Poll period where the exchange has no WebSocket. */
  readonly pollMs?: number;
}

export interface FeedStatus {
  readonly exchange: string;
  readonly symbol: string;
  readonly instrument: string;
  readonly state: FeedState;
  /** Each stream's own state. */
  readonly streams: Readonly<Record<StreamKind, FeedState>>;
  readonly lastEventTs: number | null;
  readonly reconnects: number;
  readonly sequenceGaps: number;
  /** Book messages the pipeline refused (each one resnapshots the book and ledgers a gap). */
  readonly refusedBookMessages: number;
  readonly backfilledTrades: number;
  readonly gaps: number;
  readonly candlesChecked: number;
  readonly candleMismatches: number;
  readonly restRetries: number;
  readonly lastError: string | null;
}

interface StreamState {
  state: FeedState;
  reconnects: number;
  /** Set when the stream failed; the next success is a reconnect. */
  downSince: number | null;
}

const TRADE_PAGE = 1_000;
const SEQUENCE_GAP_REASON = 'sequence gap in book updates; resynchronised from a snapshot';
const REFUSED_MESSAGE_REASON =
  'a book message failed validation (counted by reason in the status bar); resynchronised from a snapshot';
const MAX_BACKFILL_PAGES = 50;

/**
 * The live feed of one symbol on one exchange: three loops (trades, book, 1m candles) over
 * ccxt pro's watch* calls, or REST polling where the exchange has no WebSocket. Each loop
 * reconnects on its own with capped exponential backoff and jitter. Trades go through a
 * TradeSequencer (order, repeats, holes); holes and reconnects are backfilled through REST
 * fetchTrades, and what the exchange cannot return goes into the gap ledger. The book is
 * diffed into deltas and resynchronised with a snapshot after a sequence gap or reconnect.
 * Exchange candles are only compared with ours (built from trades by the recorder).
 */
export class SymbolFeed {
  readonly instrument: Instrument;
  private readonly deps: FeedDependencies;
  private readonly streams: Record<StreamKind, StreamState> = {
    trades: { state: 'starting', reconnects: 0, downSince: null },
    book: { state: 'starting', reconnects: 0, downSince: null },
    candles: { state: 'starting', reconnects: 0, downSince: null },
  };
  private readonly sequencer: TradeSequencer;
  private readonly differ: BookDiffer;
  private running = false;
  private stopSignal: (() => void) | null = null;
  private readonly stopped: Promise<void>;
  private loops: Promise<void>[] = [];
  private bookSeq = 0;
  private lastBookTs = 0;
  private lastEventTs: number | null = null;
  private backfilling: Promise<void> | null = null;
  private counters = {
    sequenceGaps: 0,
    refusedBookMessages: 0,
    backfilledTrades: 0,
    gaps: 0,
    candlesChecked: 0,
    candleMismatches: 0,
    restRetries: 0,
  };
  private lastError: string | null = null;
  private readonly startedAt: number;
  /** Exchange bars by open time, the newest possibly still forming. */
  private readonly exchangeBars = new Map<number, OHLCV>();
  private readonly pendingComparisons: { openTime: number; dueAt: number }[] = [];
  private firstTradeTs: number | null = null;
  private holeTimer: ReturnType<typeof setInterval> | null = null;
  private readonly timeframe: Timeframe;
  /** Book time of the last good update before a sequence gap, until the resync. */
  private bookGapSince: number | null = null;
  /** What the gap ledger says about that span. */
  private bookGapReason = SEQUENCE_GAP_REASON;
  private readonly sleepers = new Set<() => void>();

  constructor(deps: FeedDependencies) {
    this.deps = deps;
    this.instrument = deps.instrument;
    this.sequencer = new TradeSequencer({ consecutiveIds: deps.consecutiveTradeIds, clock: deps.clock });
    this.differ = new BookDiffer(deps.instrument.id, deps.bookDepth ?? 100);
    this.startedAt = deps.clock();
    this.timeframe = deps.candleTimeframe ?? '1m';
    this.stopped = new Promise<void>((resolve) => {
      this.stopSignal = resolve;
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const resumeFrom = this.deps.lastRecordedTrade?.() ?? null;
    if (resumeFrom !== null) {
      // What was printed while the workstation was off: with consecutive ids the first live
      // trade opens a hole that checkHole backfills; without, fetch by time.
      this.sequencer.resumeAfter(resumeFrom);
      if (!this.deps.consecutiveTradeIds) this.backfillSince(resumeFrom.ts);
    }
    this.loops = (['trades', 'book', 'candles'] as const).map((kind) => this.loop(kind));
    this.holeTimer = setInterval(() => {
      this.checkHole();
      this.compareDueCandles();
    }, 250);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopSignal?.();
    for (const wake of [...this.sleepers]) wake();
    if (this.holeTimer !== null) clearInterval(this.holeTimer);
    for (const stream of Object.values(this.streams)) stream.state = 'stopped';
    await Promise.allSettled([...this.loops, this.backfilling ?? Promise.resolve()]);
  }

  status(): FeedStatus {
    const states = Object.values(this.streams).map((s) => s.state);
    const state: FeedState = states.includes('stopped')
      ? 'stopped'
      : states.includes('reconnecting')
        ? 'reconnecting'
        : states.every((s) => s === 'live')
          ? 'live'
          : 'starting';
    return {
      exchange: this.deps.exchangeId,
      symbol: this.instrument.symbol,
      instrument: this.instrument.id,
      state,
      streams: {
        trades: this.streams.trades.state,
        book: this.streams.book.state,
        candles: this.streams.candles.state,
      },
      lastEventTs: this.lastEventTs,
      reconnects: Object.values(this.streams).reduce((sum, s) => sum + s.reconnects, 0),
      ...this.counters,
      lastError: this.lastError,
    };
  }

  // ------------------------------------------------------------------ the loops

  private async loop(kind: StreamKind): Promise<void> {
    const backoff = new Backoff(this.deps.random, this.deps.backoff ?? DEFAULT_BACKOFF);
    const stream = this.streams[kind];
    while (this.running) {
      try {
        await this.once(kind);
        if (this.isStopped()) break;
        backoff.reset();
        stream.state = 'live';
        if (kind === 'book' && this.bookGapSince !== null && this.differ.isSynced) {
          this.recordGap('book', this.bookGapSince, this.lastBookTs, this.bookGapReason);
          this.bookGapSince = null;
        }
        if (stream.downSince !== null) {
          const downSince = stream.downSince;
          stream.downSince = null;
          stream.reconnects++;
          this.afterReconnect(kind, downSince);
        }
      } catch (error) {
        if (this.isStopped()) break;
        const message =
          error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error);
        if (kind === 'book' && error instanceof InvalidNonce) {
          // ccxt found U != previous u + 1 and dropped its book; the next watch resubscribes
          // and fetches a fresh snapshot. The deltas in between are lost for good.
          this.counters.sequenceGaps++;
          this.differ.resync();
          this.deps.log(`${this.instrument.id}: book sequence gap, resynchronising (${message})`);
          if (this.bookGapSince === null) this.bookGapReason = SEQUENCE_GAP_REASON;
          this.bookGapSince ??= this.lastBookTs || this.deps.clock();
          continue;
        }
        this.lastError = message;
        if (kind === 'book') this.differ.resync();
        stream.state = 'reconnecting';
        stream.downSince ??= this.lastStreamTs(kind);
        const delay = backoff.next();
        this.deps.log(
          `${this.instrument.id}: ${kind} stream failed (${message}); retry ${backoff.attempts} in ${delay} ms`,
        );
        await this.sleep(delay);
      }
    }
  }

  /** Read through a call: `running` changes while a loop awaits, which narrowing cannot see. */
  private isStopped(): boolean {
    return !this.running;
  }

  private lastStreamTs(kind: StreamKind): number {
    if (kind === 'trades') return this.sequencer.last.ts || this.deps.clock();
    if (kind === 'book') return this.lastBookTs || this.deps.clock();
    return this.deps.clock();
  }

  private get websocket(): boolean {
    return this.deps.exchange.has.watchTrades === true && this.deps.exchange.has.watchOrderBook === true;
  }

  private async once(kind: StreamKind): Promise<void> {
    const { exchange } = this.deps;
    const symbol = this.instrument.symbol;
    switch (kind) {
      case 'trades': {
        const trades = this.websocket
          ? await exchange.watchTrades(symbol)
          : await this.poll(() => exchange.fetchTrades(symbol, this.sequencer.last.ts || undefined));
        this.onTrades(trades);
        return;
      }
      case 'book': {
        const book = this.websocket
          ? await exchange.watchOrderBook(symbol)
          : await this.poll(() => exchange.fetchOrderBook(symbol));
        const localTs = this.deps.clock();
        const lastGoodTs = this.lastBookTs;
        const ts = Math.max(this.lastBookTs, book.timestamp ?? localTs);
        this.lastBookTs = ts;
        const events = this.differ.update(
          { bids: book.bids as [number, number][], asks: book.asks as [number, number][] },
          ts,
          () => ++this.bookSeq,
          localTs,
        );
        const report = this.emit(events);
        if (report?.refusedBooks.has(this.instrument.id) === true) this.onRefusedBook(lastGoodTs || ts);
        return;
      }
      case 'candles': {
        if (exchange.has.fetchOHLCV !== true && exchange.has.watchOHLCV !== true) {
          // Nothing to compare with: park this loop until stop.
          this.streams.candles.state = 'live';
          await this.stopped;
          return;
        }
        const bars =
          exchange.has.watchOHLCV === true
            ? await exchange.watchOHLCV(symbol, this.timeframe)
            : await this.poll(() => exchange.fetchOHLCV(symbol, this.timeframe, undefined, 3));
        this.onExchangeBars(bars);
        return;
      }
      default:
        kind satisfies never;
    }
  }

  private async poll<T>(fetch: () => Promise<T>): Promise<T> {
    await this.sleep(this.deps.pollMs ?? 1_000);
    return fetch();
  }

  private afterReconnect(kind: StreamKind, downSince: number): void {
    const now = this.deps.clock();
    switch (kind) {
      case 'trades':
        this.backfillSince(downSince);
        return;
      case 'book':
        // A book has no history to fetch: the snapshot restored its state, the changes while
        // we were away are gone.
        this.recordGap(
          'book',
          downSince,
          now,
          'book changes lost while disconnected; resynchronised from a snapshot',
        );
        return;
      case 'candles':
        void this.refetchBars(downSince);
        return;
      default:
        kind satisfies never;
    }
  }

  // ------------------------------------------------------------------ trades

  private normalise(trade: CcxtTrade): Trade {
    const id = trade.id ?? '';
    const numericId = Number(id);
    return {
      instrument: this.instrument.id,
      ts: trade.timestamp ?? Number.NaN,
      seq: Number.isSafeInteger(numericId) && numericId >= 0 ? numericId : 0,
      id,
      price: trade.price ?? Number.NaN,
      amount: trade.amount ?? Number.NaN,
      side: trade.side === 'sell' ? 'sell' : 'buy',
    };
  }

  private onTrades(trades: readonly CcxtTrade[]): void {
    // Stamped as the message arrives, before the sequencer may hold it for a hole: the feed's
    // delay (localTs - ts) is what a replay and the "recorded" latency model reproduce.
    // Backfilled trades (fetched later by REST) get no stamp: their delay would be made up.
    const localTs = this.deps.clock();
    const ready = this.sequencer.push(trades.map((t) => ({ ...this.normalise(t), localTs })));
    this.emitTrades(ready);
  }

  private emitTrades(trades: readonly Trade[]): void {
    if (trades.length === 0) return;
    this.firstTradeTs ??= trades[0]?.ts ?? null;
    this.emit(trades.map((trade) => ({ kind: 'trade', ...trade })));
  }

  private emit(events: MarketEvent[]): DeliveryReport | undefined {
    if (events.length === 0) return undefined;
    const last = events[events.length - 1];
    if (last !== undefined) this.lastEventTs = Math.max(this.lastEventTs ?? 0, last.ts);
    try {
      return this.deps.deliver(events);
    } catch (error) {
      // A failing consumer is the App's problem to report; it must not look like (and be
      // retried as) a broken exchange stream.
      this.deps.log(`${this.instrument.id}: delivering ${events.length} events failed: ${String(error)}`);
      return undefined;
    }
  }

  /**
   * The pipeline refused a whole book message: its book no longer has what the exchange's has,
   * so every following update is offered as a snapshot until one is accepted, and the span
   * from the last good message to that snapshot goes to the gap ledger (as for a sequence gap).
   */
  private onRefusedBook(lastGoodTs: number): void {
    this.counters.refusedBookMessages++;
    this.differ.resync();
    if (this.bookGapSince === null) this.bookGapReason = REFUSED_MESSAGE_REASON;
    this.bookGapSince ??= lastGoodTs;
    this.deps.log(`${this.instrument.id}: book message refused by validation; resnapshotting the book`);
  }

  /** A hole that waited long enough for late messages is backfilled, then ledgered if still open. */
  private checkHole(): void {
    if (!this.running || this.backfilling !== null) return;
    const hole = this.sequencer.hole();
    if (hole === null) return;
    if (this.deps.clock() - hole.openedAt < (this.deps.holeWaitMs ?? 1_000)) return;
    this.backfilling = this.fillHole(hole).finally(() => {
      this.backfilling = null;
    });
  }

  private async fillHole(hole: TradeHole): Promise<void> {
    if (hole.toTs - hole.fromTs > (this.deps.maxLiveBackfillMs ?? 15 * 60_000)) {
      this.giveUpHole(hole, 'longer than the live feed backfills; run a history backfill for it');
      return;
    }
    try {
      await this.fetchTradesFrom(hole.fromTs, hole.toTs, hole.toId);
    } catch (error) {
      this.deps.log(`${this.instrument.id}: trade backfill failed: ${String(error)}`);
    }
    const still = this.sequencer.hole();
    if (still === null || still.fromId !== hole.fromId) return;
    this.giveUpHole(hole, "not in the exchange's REST history");
  }

  private giveUpHole(hole: TradeHole, why: string): void {
    if (this.sequencer.hole()?.fromId !== hole.fromId) return;
    const skipped = this.sequencer.skipHole();
    if (skipped === null) return;
    const missing = skipped.hole.toId - skipped.hole.fromId + 1;
    this.recordGap(
      'trades',
      skipped.hole.fromTs,
      skipped.hole.toTs,
      `${missing} trade(s) (ids ${skipped.hole.fromId}..${skipped.hole.toId}) missing and ${why}`,
    );
    this.emitTrades(skipped.released);
  }

  /** After a reconnect: fetch what was printed while the socket was down. */
  private backfillSince(since: number): void {
    const run = async (): Promise<void> => {
      await this.backfilling;
      const until = this.deps.clock();
      try {
        await this.fetchTradesFrom(since, until, null);
      } catch (error) {
        if (!this.running) return;
        // With consecutive ids a hole (if any) is found and ledgered by checkHole; without
        // them nothing else can tell what was missed, so the whole interval is a gap.
        if (!this.deps.consecutiveTradeIds) {
          this.recordGap('trades', since, until, `backfill after reconnect failed: ${String(error)}`);
        }
      }
    };
    this.backfilling = run().finally(() => {
      this.backfilling = null;
    });
  }

  /** Pages through REST fetchTrades from `since` until `untilTs` (or id `untilId`) is covered. */
  private async fetchTradesFrom(since: number, untilTs: number, untilId: number | null): Promise<void> {
    const { exchange } = this.deps;
    let cursor = since;
    for (let page = 0; page < MAX_BACKFILL_PAGES && this.running; page++) {
      const batch = await this.rest(() => exchange.fetchTrades(this.instrument.symbol, cursor, TRADE_PAGE));
      if (batch.length === 0) return;
      const normalised = batch.map((t) => this.normalise(t));
      const before = this.sequencer.duplicates;
      const ready = this.sequencer.push(normalised);
      this.counters.backfilledTrades += normalised.length - (this.sequencer.duplicates - before);
      this.emitTrades(ready);
      let maxTs = cursor;
      let maxId = -1;
      for (const trade of normalised) {
        maxTs = Math.max(maxTs, trade.ts);
        const id = Number(trade.id);
        if (Number.isSafeInteger(id)) maxId = Math.max(maxId, id);
      }
      if (untilId !== null && maxId >= untilId) return;
      if (maxTs >= untilTs) return;
      // A short page is all the exchange has from the cursor on.
      if (batch.length < TRADE_PAGE) return;
      // Same-millisecond trades may straddle pages: ask from the last ms again (repeats are
      // dropped by id), unless the page made no progress in time at all.
      cursor = maxTs === cursor ? cursor + 1 : maxTs;
    }
  }

  /** A REST call retried with backoff on network errors, 429 and 5xx (ccxt's NetworkError). */
  private async rest<T>(call: () => Promise<T>): Promise<T> {
    const backoff = new Backoff(this.deps.random, this.deps.backoff ?? DEFAULT_BACKOFF);
    const attempts = this.deps.restAttempts ?? 6;
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!(error instanceof NetworkError) || attempt >= attempts || !this.running) throw error;
        this.counters.restRetries++;
        const delay = backoff.next();
        this.deps.log(`${this.instrument.id}: REST ${error.constructor.name}, retry in ${delay} ms`);
        await this.sleep(delay);
      }
    }
  }

  // ------------------------------------------------------------------ candles

  private onExchangeBars(bars: readonly OHLCV[]): void {
    const now = this.deps.clock();
    for (const bar of bars) {
      const openTime = bar[0];
      if (openTime === undefined) continue;
      // A newer bar closes every older one still open: compare those once settled.
      for (const [time] of this.exchangeBars) {
        if (time < openTime && !this.pendingComparisons.some((p) => p.openTime === time)) {
          this.pendingComparisons.push({ openTime: time, dueAt: now + (this.deps.candleSettleMs ?? 3_000) });
        }
      }
      this.exchangeBars.set(openTime, bar);
    }
    this.compareDueCandles();
  }

  private async refetchBars(since: number): Promise<void> {
    try {
      const bars = await this.rest(() =>
        this.deps.exchange.fetchOHLCV(
          this.instrument.symbol,
          this.timeframe,
          since - (since % TIMEFRAME_MS[this.timeframe]),
          100,
        ),
      );
      this.onExchangeBars(bars);
    } catch (error) {
      this.deps.log(`${this.instrument.id}: candle refetch failed: ${String(error)}`);
    }
  }

  private compareDueCandles(): void {
    const now = this.deps.clock();
    for (let i = this.pendingComparisons.length - 1; i >= 0; i--) {
      const pending = this.pendingComparisons[i];
      if (pending === undefined || pending.dueAt > now) continue;
      this.pendingComparisons.splice(i, 1);
      const bar = this.exchangeBars.get(pending.openTime);
      this.exchangeBars.delete(pending.openTime);
      // Bars that began before our first trade are partial on our side by construction.
      if (bar === undefined || this.firstTradeTs === null || pending.openTime < this.firstTradeTs) continue;
      if (pending.openTime < this.startedAt) continue;
      this.compareBar(bar);
    }
  }

  private compareBar(bar: OHLCV): void {
    const [openTime, open, high, low, close, volume] = bar;
    if (openTime === undefined) return;
    const ours = this.deps.candleAt(this.instrument.id, openTime);
    const tick = this.instrument.tickSize / 2;
    const lot = this.instrument.lotSize / 2;
    const differences: string[] = [];
    if (ours === null) differences.push('we have no bar');
    else {
      const check = (name: string, theirs: number | undefined, mine: number, tolerance: number): void => {
        if (theirs === undefined || Math.abs(theirs - mine) > tolerance)
          differences.push(`${name} ${theirs} vs ${mine}`);
      };
      check('open', open, ours.open, tick);
      check('high', high, ours.high, tick);
      check('low', low, ours.low, tick);
      check('close', close, ours.close, tick);
      check('volume', volume, ours.volume, Math.max(lot, Math.abs(ours.volume) * 1e-9));
    }
    this.counters.candlesChecked++;
    if (differences.length === 0) return;
    this.counters.candleMismatches++;
    this.deps.log(
      `${this.instrument.id}: exchange ${this.timeframe} bar at ${new Date(openTime).toISOString()} differs from ours: ${differences.join(', ')}`,
    );
  }

  // ------------------------------------------------------------------ helpers

  private recordGap(kind: StreamKind, fromTs: number, toTs: number, reason: string): void {
    if (!(toTs >= fromTs)) return;
    this.counters.gaps++;
    this.deps.recordGap({ instrument: this.instrument.id, kind, fromTs, toTs, reason });
  }

  /** A timer that stop() cuts short, so no loop outlives its feed. */
  private sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}
