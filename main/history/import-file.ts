import path from 'node:path';
import type { ColumnMapping, ImportFormat } from '../../shared/api/domains/history.js';
import type { Timeframe } from '../../shared/domain/timeframes.js';
import type { SqliteDatabase } from '../storage/database.js';
import { CHUNK_MAX_TRADES } from '../storage/trade-store.js';
import { importBookFile, type BookImportResult } from './book-import.js';
import { bookLayoutOf } from './book-file.js';
import { BulkStore } from './bulk-store.js';
import { CandleLedger, repairCandles } from './candle-ledger.js';
import { detectFormat, scanFile, type ParseOptions } from './file-import.js';
import type { InstrumentStepSizes } from './instrument-steps.js';
import { ImportStepsSniffer } from './import-steps.js';
import { StagedTrades } from './staged-trades.js';
import { fundingLayoutOf, importFundingFile, type FundingImportResult } from './funding-file.js';

export interface ImportRequest {
  readonly path: string;
  readonly instrument: string;
  readonly format?: ImportFormat | undefined;
  readonly mapping?: ColumnMapping | undefined;
  readonly timeframe?: Timeframe | undefined;
}

export interface ImportResult {
  readonly file: string;
  readonly format: ImportFormat;
  readonly kind: 'trades' | 'candles';
  /** Rows in the file. */
  readonly rows: number;
  /** Rows written; the rest were already stored (same trade id or time). */
  readonly inserted: number;
  readonly from: number | null;
  readonly to: number | null;
  /** Bars rebuilt from the trades of the days the ledger marked (this file's and any left over). */
  readonly candles: number;
  /** Write transactions it took (one per `chunkRows` rows, one per day of bars rebuilt). */
  readonly transactions: number;
  /** Tick and lot the file's rows imply (the finest decimal steps seen), null when it has no rows. */
  readonly steps: InstrumentStepSizes | null;
}

/**
 * Rows per write transaction: a few tens of milliseconds of the single writer's time, so the
 * live recorder (another connection, waiting in busy_timeout) is never held up for longer.
 * Five whole trade chunks (CHUNK_MAX_TRADES), so a transaction appended past the stored
 * trades leaves no short chunk behind.
 */
export const IMPORT_CHUNK_ROWS = 5 * CHUNK_MAX_TRADES;

/**
 * Progress of an import: 'checking' counts bytes of the file read, checked and staged (rows
 * for Parquet), 'writing' the publish (or the write pass of a file that needs one), 'candles'
 * days of bars rebuilt.
 */
export type ImportProgress = (phase: 'checking' | 'writing' | 'candles', done: number, total: number) => void;

/**
 * Import one file with memory bounded by a batch, whatever its size.
 *
 * One streamed pass parses and checks every row; a bad row anywhere throws ImportError naming
 * file and line. A trades file that is one clean run (exchange dumps are) is staged as it is
 * read, packed chunks and the candles of every timeframe, on this connection where nothing is
 * visible (StagedTrades), and published in one transaction once the whole file checked out:
 * a corrupt or truncated file, a cancel or a kill before the publish writes nothing. A day the
 * file shares with trades stored before it is marked in the candle ledger, in the same
 * transaction, and rebuilt after from all its trades.
 *
 * A file that cannot be staged that way (unsorted, text ids, or rows inside the stored
 * history, such as a second import of the same file) was still checked whole by the pass; a
 * second pass then writes it with merges, in transactions of `chunkRows` rows (SQLite has one
 * writer, and the live recorder waits as long as one transaction holds the lock), each marking
 * the UTC days it touched in the ledger. Candle files take that second pass too. Rows are
 * idempotent (trade ids, (ts, seq), bar open times), so an import stopped at any point and run
 * again writes exactly the rows still missing, and rebuilds every day left marked, even when
 * no row was missing.
 */
export async function importFile(
  db: SqliteDatabase,
  request: ImportRequest,
  onProgress: ImportProgress = () => undefined,
  signal?: AbortSignal,
  chunkRows = IMPORT_CHUNK_ROWS,
): Promise<ImportResult | BookImportResult | FundingImportResult> {
  // ---- book files (issue #12 item 4): an L2 book file, named or found by its header, is
  // imported message by message by book-import.ts. Keep this hook when importFile changes.
  const bookLayout = await bookLayoutOf(request.path, request.format);
  if (bookLayout !== null) {
    return importBookFile(
      db,
      { path: request.path, instrument: request.instrument, layout: bookLayout },
      {
        onProgress: (phase, done, total) => {
          onProgress(phase === 'reading' ? 'checking' : 'writing', done, total);
        },
        ...(signal === undefined ? {} : { signal }),
      },
    );
  }
  // ---- end of the book file hook
  // Funding rate files (issue #13): named, or recognised by header or name; funding-file.ts.
  const fundingLayout = await fundingLayoutOf(request.path, request.format);
  if (fundingLayout !== null)
    return importFundingFile(
      db,
      { path: request.path, instrument: request.instrument, layout: fundingLayout },
      onProgress,
      signal,
    );
  const format = request.format ?? detectFormat(request.path);
  const bulk = new BulkStore(db);
  bulk.keyOf(request.instrument); // fail before reading a large file for an unknown instrument
  const ledger = new CandleLedger(db, bulk);
  const options = (phase: 'checking' | 'writing'): ParseOptions => ({
    format,
    ...(request.mapping === undefined ? {} : { mapping: request.mapping }),
    ...(request.timeframe === undefined ? {} : { timeframe: request.timeframe }),
    onProgress: (done, total) => {
      onProgress(phase, done, total);
    },
    ...(signal === undefined ? {} : { signal }),
  });
  const steps = new ImportStepsSniffer();
  const staged = new StagedTrades(db, bulk, request.instrument);
  try {
    const checked = await scanFile(request.path, options('checking'), (batch) => {
      steps.observe(batch);
      if (batch.kind === 'trades') staged.add(batch.rows);
    });
    if (signal?.aborted === true) throw new Error('cancelled');
    staged.finish();

    // Between two write transactions the event loop runs: the live recorder flushes, the API answers.
    const pause = async (): Promise<void> => {
      await new Promise((resolve) => setImmediate(resolve));
      if (signal?.aborted === true)
        throw new Error('cancelled after a partial write; import the file again to complete it');
    };
    let inserted = 0;
    let transactions = 0;
    let candles = 0;
    const published =
      checked.kind === 'trades' ? db.transaction(() => staged.publish(ledger)).immediate() : null;
    if (published !== null) {
      inserted = published.rows;
      transactions = 1;
      onProgress('writing', 1, 1);
      const settled = await staged.settle(ledger, published, pause, (done, total) => {
        onProgress('candles', done, total);
      });
      candles = settled.bars;
      transactions += settled.days;
    } else {
      staged.dispose(); // the write pass reads the file again: the staged copy is not needed
      const written = await writeRows(db, bulk, ledger, request, options('writing'), chunkRows, pause);
      inserted = written.inserted;
      transactions = written.transactions;
    }
    if (checked.kind === 'trades') {
      const repaired = await repairCandles(
        ledger,
        request.instrument,
        (done, total) => {
          onProgress('candles', done, total);
        },
        pause,
      );
      candles += repaired.bars;
      transactions += repaired.days;
    }
    return {
      file: path.basename(request.path),
      format,
      kind: checked.kind,
      rows: checked.rows,
      inserted,
      from: checked.from,
      to: checked.to,
      candles,
      transactions,
      steps: steps.steps(),
    };
  } finally {
    staged.dispose();
  }
}

/**
 * The second pass of a file that could not be staged and published at once: reads it again
 * (already checked whole) and writes it a transaction of `chunkRows` rows at a time, merging
 * into the stored trades, each transaction marking the days it touched in the candle ledger.
 */
async function writeRows(
  db: SqliteDatabase,
  bulk: BulkStore,
  ledger: CandleLedger,
  request: ImportRequest,
  options: ParseOptions,
  chunkRows: number,
  pause: () => Promise<void>,
): Promise<{ inserted: number; transactions: number }> {
  const chunk = Math.max(1, chunkRows);
  let inserted = 0;
  let transactions = 0;
  await scanFile(request.path, options, async (batch) => {
    const rows = batch.rows.length;
    if (batch.kind === 'candles') {
      for (let from = 0; from < rows; from += chunk) {
        const to = Math.min(rows, from + chunk);
        inserted += db
          .transaction(() => bulk.upsertCandles(request.instrument, batch.rows, from, to))
          .immediate();
        transactions++;
        await pause();
      }
      return;
    }
    // In (ts, seq) order, the primary key grows at its right edge (exchange dumps already are).
    const order = sortedByTime(batch.rows.ts, batch.rows.seq);
    const sorted = order === null ? batch.rows : batch.rows.reorder(order);
    for (let from = 0; from < rows; from += chunk) {
      const to = Math.min(rows, from + chunk);
      inserted += db
        .transaction(() => {
          const written = bulk.insertTrades(request.instrument, sorted, from, to);
          // Sorted: the chunk spans its first to its last row's time.
          if (written > 0) ledger.markDirty(request.instrument, sorted.ts[from] ?? 0, sorted.ts[to - 1] ?? 0);
          return written;
        })
        .immediate();
      transactions++;
      await pause();
    }
  });
  return { inserted, transactions };
}

/** null when already in (ts, seq) order (exchange dumps are), else the sorting permutation. */
function sortedByTime(ts: ArrayLike<number>, seq: ArrayLike<number>): Uint32Array | null {
  let sorted = true;
  for (let i = 1; i < ts.length && sorted; i++) {
    const a = ts[i - 1] ?? 0;
    const b = ts[i] ?? 0;
    if (b < a || (b === a && (seq[i] ?? 0) < (seq[i - 1] ?? 0))) sorted = false;
  }
  if (sorted) return null;
  const order = new Uint32Array(ts.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((x, y) => (ts[x] ?? 0) - (ts[y] ?? 0) || (seq[x] ?? 0) - (seq[y] ?? 0));
}
