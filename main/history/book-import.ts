import path from 'node:path';
import type { BookDelta, Level, MarketEvent } from '../../shared/domain/market.js';
import { MarketEventValidator, type RejectReason } from '../../shared/market/validate.js';
import { BookAnchorPolicy } from '../storage/book-anchors.js';
import type { DeltaColumns } from '../storage/book-delta-codec.js';
import { BookHistory } from '../storage/book-history.js';
import type { SqliteDatabase } from '../storage/database.js';
import { GapLedger, type Gap } from '../storage/gap-ledger.js';
import { MarketStore } from '../storage/market-store.js';
import { readBookFile, type BookFileLayout, type BookFileMessage } from './book-file.js';

export interface BookImportRequest {
  readonly path: string;
  readonly instrument: string;
  readonly layout: BookFileLayout;
}

/** What a book file import did, message by message. */
export interface BookImportSummary {
  /** Messages in the file (snapshots and update batches). */
  readonly messages: number;
  readonly snapshots: number;
  readonly acceptedMessages: number;
  /** Messages refused whole, per reason (crossed_book, time_future, ...). */
  readonly refused: Partial<Record<RejectReason, number>>;
  /** Levels (deltas) written; a chunk already stored by an earlier import is not written again. */
  readonly deltasWritten: number;
  /** Snapshots written: the file's own and the anchors bookAt replays from. */
  readonly snapshotsWritten: number;
  /** Spans written to the gap ledger: a sequence gap or a refused message, until the next snapshot. */
  readonly gaps: number;
  /** Messages stamped before the one ahead of them, kept at its time (book time never goes back). */
  readonly restamped: number;
}

export interface BookImportResult {
  readonly file: string;
  readonly format: BookFileLayout;
  readonly kind: 'book';
  /** Level rows in the file. */
  readonly rows: number;
  /** Levels written (see BookImportSummary.deltasWritten). */
  readonly inserted: number;
  readonly from: number | null;
  readonly to: number | null;
  readonly candles: 0;
  readonly transactions: number;
  readonly book: BookImportSummary;
}

export interface BookImportOptions {
  readonly onProgress?: (phase: 'reading' | 'writing', done: number, total: number) => void;
  readonly signal?: AbortSignal;
  /** Wall clock, ms: a message stamped in the future is refused (a unit error, not history). */
  readonly clock?: () => number;
  /** Anchor cadence (BookAnchorPolicy): least ms between anchors, and deltas per level before one. */
  readonly anchors?: { readonly intervalMs: number; readonly deltasPerLevel: number };
  /** Levels buffered before a write transaction (about a tenth of a second of the writer). */
  readonly deltasPerTransaction?: number;
}

const DELTAS_PER_TRANSACTION = 50_000;

/**
 * Imports an L2 book file message by message, with memory bounded by one message, the book
 * and one transaction's buffer. The file is read twice: the first pass checks every row and
 * writes nothing, so a corrupt or cut-short file imports nothing; the second applies each
 * message as one unit through the same MarketEventValidator as the live path (every level in,
 * then checked: crossed, non-finite, out of time) and writes what it accepts.
 *
 * Each message keeps its own (ts, seq): seq numbers the file's messages, so several messages
 * in one millisecond stay apart and `bookAt(.., T, .., seq)` can stop after any of them. A
 * message refused whole, or a break in the exchange's message numbers, leaves the stored book
 * unsure until the next snapshot: that span goes to the gap ledger, as the live feed does.
 * Writes are idempotent (chunk and snapshot keys are (ts, seq)): importing the same file again
 * after an interruption writes what is still missing.
 */
export async function importBookFile(
  db: SqliteDatabase,
  request: BookImportRequest,
  options: BookImportOptions = {},
): Promise<BookImportResult> {
  const { instrument, layout } = request;
  const file = request.path;
  const store = new MarketStore(db);
  if (!store.hasInstrument(instrument))
    throw new Error(`Unknown instrument '${instrument}': create it first`);
  const onProgress = options.onProgress ?? (() => undefined);
  const read = (done: number, total: number): void => {
    onProgress('reading', done, total);
  };

  // Pass 1: every row checked, nothing written.
  const rows = await readBookFile(file, layout, () => undefined, {
    onProgress: read,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });

  // Pass 2: message by message.
  const writer = new BookFileWriter(db, store, instrument, options);
  await readBookFile(
    file,
    layout,
    (message) => {
      writer.apply(message);
    },
    {
      onProgress: (done, total) => {
        onProgress('writing', done, total);
      },
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    },
  );
  writer.finish();
  return {
    file: path.basename(file),
    format: layout,
    kind: 'book',
    rows,
    inserted: writer.deltasWritten.deltas,
    from: writer.from,
    to: writer.to,
    candles: 0,
    transactions: writer.transactions,
    book: writer.summary(),
  };
}

function newColumns(): DeltaColumns {
  return { ts: [], seq: [], side: [], price: [], size: [], localTs: [] };
}

/** Levels of one side from a snapshot message: the last row of a price wins, 0 is no level. */
function snapshotSide(message: BookFileMessage, side: 'bid' | 'ask'): Level[] {
  const sizes = new Map<number, number>();
  for (let i = 0; i < message.sides.length; i++) {
    if (message.sides[i] !== side) continue;
    const price = message.prices[i] ?? 0;
    const size = message.sizes[i] ?? 0;
    if (size > 0) sizes.set(price, size);
    else sizes.delete(price);
  }
  const levels: Level[] = [...sizes];
  levels.sort(side === 'bid' ? (a, b) => b[0] - a[0] : (a, b) => a[0] - b[0]);
  return levels;
}

/** Applies messages in file order and writes them in transactions of about N levels. */
class BookFileWriter {
  private readonly validator: MarketEventValidator;
  private readonly books: BookHistory;
  private readonly ledger: GapLedger;
  private readonly anchors: BookAnchorPolicy;
  private readonly write: () => void;
  private readonly perTransaction: number;
  private columns = newColumns();
  private snapshots: MarketEvent[] = [];
  private gapsToWrite: Gap[] = [];
  private lastTs = Number.NEGATIVE_INFINITY;
  private lastSequence: number | null = null;
  private seq = 0;
  /** Until the file's first snapshot the book is not known: no anchor is stored from it. */
  private synced = false;
  /** Where the stored book became unsure (a refused message or a sequence gap), until a snapshot. */
  private unsureSince: { ts: number; reason: string } | null = null;
  private counts = {
    messages: 0,
    snapshots: 0,
    acceptedMessages: 0,
    snapshotsWritten: 0,
    gaps: 0,
    restamped: 0,
  };
  readonly deltasWritten = { deltas: 0 };
  transactions = 0;
  from: number | null = null;
  to: number | null = null;

  constructor(
    db: SqliteDatabase,
    private readonly store: MarketStore,
    private readonly instrument: string,
    options: BookImportOptions,
  ) {
    const clock = options.clock ?? (() => Date.now());
    this.validator = new MarketEventValidator({ clock });
    this.anchors = new BookAnchorPolicy(options.anchors?.intervalMs, options.anchors?.deltasPerLevel);
    this.books = new BookHistory(db);
    this.ledger = new GapLedger(db, clock);
    this.perTransaction = Math.max(1, options.deltasPerTransaction ?? DELTAS_PER_TRANSACTION);
    const transaction = db.transaction(() => {
      this.books.insertDeltas(this.instrument, this.columns, 0, this.columns.ts.length, this.deltasWritten);
      for (const snapshot of this.snapshots) {
        if (
          snapshot.kind === 'book_snapshot' &&
          this.store.insertBookSnapshot(snapshot, Number.MAX_SAFE_INTEGER)
        )
          this.counts.snapshotsWritten++;
      }
      for (const gap of this.gapsToWrite) this.ledger.record(gap);
    });
    this.write = () => {
      transaction.immediate();
    };
  }

  apply(message: BookFileMessage): void {
    this.counts.messages++;
    if (message.snapshot) this.counts.snapshots++;
    // Book time never goes back (as in the live feed): Coinbase stamps a snapshot with its
    // receive time and the updates after it with earlier exchange times.
    let ts = message.ts;
    if (ts < this.lastTs) {
      ts = this.lastTs;
      this.counts.restamped++;
    }
    this.lastTs = ts;
    const seq = ++this.seq;
    const received = message.localTs === null ? {} : { localTs: message.localTs };

    if (!message.snapshot && message.sequence !== null && this.lastSequence !== null) {
      if (message.sequence !== this.lastSequence + 1)
        this.unsure(
          ts,
          `sequence gap in the file's book messages (${message.sequence} after ${this.lastSequence})`,
        );
    }
    this.lastSequence = message.sequence;

    const events: MarketEvent[] = [];
    if (message.snapshot) {
      events.push({
        kind: 'book_snapshot',
        instrument: this.instrument,
        ts,
        seq,
        bids: snapshotSide(message, 'bid'),
        asks: snapshotSide(message, 'ask'),
        ...received,
      });
    } else {
      for (let i = 0; i < message.sides.length; i++) {
        const delta: BookDelta & { kind: 'book_delta' } = {
          kind: 'book_delta',
          instrument: this.instrument,
          ts,
          seq,
          side: message.sides[i] ?? 'bid',
          price: message.prices[i] ?? 0,
          size: message.sizes[i] ?? 0,
          ...received,
        };
        events.push(delta);
      }
    }
    const accepted =
      message.snapshot || events.length === 1
        ? this.validator.accept(events[0] as MarketEvent)
        : this.validator.acceptMessage(events);
    if (!accepted) {
      this.unsure(ts, `a book message was refused (${this.validator.lastRejection() ?? 'malformed'})`);
      return;
    }
    this.counts.acceptedMessages++;
    this.from ??= ts;
    this.to = ts;
    const first = events[0];
    if (first?.kind === 'book_snapshot') {
      this.closeUnsure(ts);
      this.synced = true;
      this.snapshots.push(first);
      this.anchors.anchored(this.instrument, ts);
    } else {
      const c = this.columns;
      for (const event of events) {
        if (event.kind !== 'book_delta') continue;
        c.ts.push(ts);
        c.seq.push(seq);
        c.side.push(event.side);
        c.price.push(event.price);
        c.size.push(event.size);
        c.localTs?.push(message.localTs ?? Number.NaN);
      }
      this.anchors.applied(this.instrument, events.length);
      const book = this.validator.bookOf(this.instrument);
      if (
        this.synced &&
        book !== null &&
        this.anchors.due(this.instrument, ts, book.depth('bid') + book.depth('ask'))
      ) {
        const { bids, asks } = book.top(Number.MAX_SAFE_INTEGER);
        this.snapshots.push({
          kind: 'book_snapshot',
          instrument: this.instrument,
          ts,
          seq,
          bids,
          asks,
          ...received,
        });
      }
    }
    if (this.columns.ts.length >= this.perTransaction) this.flush();
  }

  finish(): void {
    if (this.unsureSince !== null && Number.isFinite(this.lastTs))
      this.closeUnsure(this.lastTs, 'the end of the file');
    this.flush();
  }

  summary(): BookImportSummary {
    return { ...this.counts, refused: this.validator.rejected(), deltasWritten: this.deltasWritten.deltas };
  }

  private unsure(ts: number, reason: string): void {
    this.unsureSince ??= { ts, reason };
  }

  private closeUnsure(ts: number, until = 'the next snapshot'): void {
    const since = this.unsureSince;
    if (since === null) return;
    this.unsureSince = null;
    this.counts.gaps++;
    this.gapsToWrite.push({
      instrument: this.instrument,
      kind: 'book',
      fromTs: since.ts,
      toTs: Math.max(since.ts, ts),
      reason: `${since.reason}; the stored book may differ from the exchange's until ${until}`,
    });
  }

  private flush(): void {
    if (this.columns.ts.length === 0 && this.snapshots.length === 0 && this.gapsToWrite.length === 0) return;
    this.write();
    this.transactions++;
    this.columns = newColumns();
    this.snapshots = [];
    this.gapsToWrite = [];
  }
}
