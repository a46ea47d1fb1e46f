import path from 'node:path';
import type { ColumnMapping, ImportFormat } from '../../shared/api/domains/history.js';
import type { Timeframe } from '../../shared/domain/timeframes.js';
import type { SqliteDatabase } from '../storage/database.js';
import { importBookFile, type BookImportResult } from './book-import.js';
import { bookLayoutOf } from './book-file.js';
import { BulkStore } from './bulk-store.js';
import { detectFormat, parseFile } from './file-import.js';
import { inferStepsOf, type InstrumentStepSizes } from './instrument-steps.js';
import { rowsRange } from './trade-batch.js';

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
  /** Bars rebuilt from the trades of the days the file touched. */
  readonly candles: number;
  /** Write transactions it took (one per `chunkRows` rows, one per day of bars rebuilt). */
  readonly transactions: number;
  /** Tick and lot the file's rows imply (the finest decimal steps seen), null when it has no rows. */
  readonly steps: InstrumentStepSizes | null;
}

/** Rows per write transaction: about a tenth of a second of the single writer's time. */
export const IMPORT_CHUNK_ROWS = 100_000;
const DAY_MS = 86_400_000;

/** Progress of an import: 'reading' counts bytes (or rows for Parquet), 'writing' counts rows. */
export type ImportProgress = (phase: 'reading' | 'writing', done: number, total: number) => void;

/**
 * Import one file. The whole file is parsed and checked first (streamed, so the event loop runs
 * between chunks): a bad row anywhere throws ImportError naming file and line before anything
 * is written, so a corrupt or truncated file imports nothing.
 *
 * Then it is written in transactions of `chunkRows` rows (a file up to that size in one), and
 * the candles of the days it touched are rebuilt a day per transaction. Not one transaction
 * for a whole multi-million-row dump: SQLite has one writer, and the live recorder would wait
 * (blocking the main thread in busy_timeout) for as long as that transaction held the lock.
 * Resumable by chunk: rows are idempotent (trade ids, (ts, seq), bar open times), so the
 * ledger is the table itself: if the workstation stops or the job is cancelled mid-write,
 * importing the same file again writes exactly the rows still missing.
 */
export async function importFile(
  db: SqliteDatabase,
  request: ImportRequest,
  onProgress: ImportProgress = () => undefined,
  signal?: AbortSignal,
  chunkRows = IMPORT_CHUNK_ROWS,
): Promise<ImportResult | BookImportResult> {
  // ---- book files (issue #12 item 4): an L2 book file, named or found by its header, is
  // imported message by message by book-import.ts. Keep this hook when importFile changes.
  const bookLayout = await bookLayoutOf(request.path, request.format);
  if (bookLayout !== null) {
    return importBookFile(
      db,
      { path: request.path, instrument: request.instrument, layout: bookLayout },
      { onProgress, ...(signal === undefined ? {} : { signal }) },
    );
  }
  // ---- end of the book file hook
  const format = request.format ?? detectFormat(request.path);
  const bulk = new BulkStore(db);
  bulk.keyOf(request.instrument); // fail before reading a large file for an unknown instrument
  const data = await parseFile(request.path, {
    format,
    ...(request.mapping === undefined ? {} : { mapping: request.mapping }),
    ...(request.timeframe === undefined ? {} : { timeframe: request.timeframe }),
    onProgress: (done, total) => {
      onProgress('reading', done, total);
    },
    ...(signal === undefined ? {} : { signal }),
  });
  if (signal?.aborted === true) throw new Error('cancelled');
  const range = rowsRange(data);
  const rows = data.rows.length;
  const chunk = Math.max(1, chunkRows);
  // Between two write transactions the event loop runs: the live recorder flushes, the API answers.
  const pause = async (): Promise<void> => {
    await new Promise((resolve) => setImmediate(resolve));
    if (signal?.aborted === true)
      throw new Error('cancelled after a partial write; import the file again to complete it');
  };
  let inserted = 0;
  let transactions = 0;
  if (data.kind === 'candles') {
    for (let from = 0; from < rows; from += chunk) {
      const to = Math.min(rows, from + chunk);
      inserted += db
        .transaction(() => bulk.upsertCandles(request.instrument, data.rows, from, to))
        .immediate();
      transactions++;
      onProgress('writing', to, rows);
      if (to < rows) await pause();
    }
  } else {
    const order = sortedByTime(data.rows.ts, data.rows.seq);
    const sorted = order === null ? data.rows : data.rows.reorder(order);
    for (let from = 0; from < rows; from += chunk) {
      const to = Math.min(rows, from + chunk);
      inserted += db.transaction(() => bulk.insertTrades(request.instrument, sorted, from, to)).immediate();
      transactions++;
      onProgress('writing', to, rows);
      await pause();
    }
  }
  let candles = 0;
  if (data.kind === 'trades' && range !== null && inserted > 0) {
    // Bars are rebuilt a UTC day per transaction, from every stored trade of that day.
    for (let day = Math.floor(range.from / DAY_MS) * DAY_MS; day <= range.to; day += DAY_MS) {
      candles += db
        .transaction(() => bulk.rebuildCandles(request.instrument, day, day + DAY_MS - 1))
        .immediate();
      transactions++;
      await pause();
    }
  }
  return {
    file: path.basename(request.path),
    format,
    kind: data.kind,
    rows,
    inserted,
    from: range?.from ?? null,
    to: range?.to ?? null,
    candles,
    transactions,
    steps: inferStepsOf(data),
  };
}

/** null when already in (ts, seq) order (exchange dumps are), else the sorting permutation. */
function sortedByTime(ts: readonly number[], seq: readonly number[]): Uint32Array | null {
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
