import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import type { BookSide } from '../../shared/domain/market.js';

/**
 * Order book files, read message by message with bounded memory (one message and one line in
 * hand at a time, whatever the file's size).
 *
 * 'tardis-book': Tardis.dev's `incremental_book_L2` CSV, the de facto format of historical L2
 *   data: `exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount`, times in
 *   µs since the epoch (exchange time, and when this side received it). The rows of one
 *   message share their timestamps; `amount` is the new size at the price (0 deletes the level);
 *   a run of `is_snapshot=true` rows that follows update rows is a new snapshot: the book is
 *   reset to it. Plain or gzipped (Tardis serves `.csv.gz`).
 * 'book-csv': one row per level with the message spelled out:
 *   `ts_ms,side,price,amount,is_snapshot,msg_id[,exch_ts_ms | ,update_id,seq]`, times in ms.
 *   With `exch_ts_ms` (a Coinbase recording), `ts_ms` is the receive time and `exch_ts_ms` the
 *   exchange's (empty on a snapshot, which Coinbase does not stamp); without it `ts_ms` is the
 *   exchange's own time. `msg_id` numbers the messages; `update_id` (Bybit's `u`) steps by one
 *   from message to message between snapshots.
 */
export type BookFileLayout = 'tardis-book' | 'book-csv';

export const TARDIS_BOOK_HEADER = 'exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount';
const BOOK_CSV_PREFIX = 'ts_ms,side,price,amount,is_snapshot,msg_id';

/** One message of a book file; the level arrays are reused for the next message: copy to keep. */
export interface BookFileMessage {
  /** 1-based line of the message's first row. */
  readonly line: number;
  readonly snapshot: boolean;
  /** Exchange time, ms (a snapshot without one: the receive time). */
  readonly ts: number;
  /** Local receive time, ms, when the file has one. */
  readonly localTs: number | null;
  /**
   * The exchange's message number where the file carries one that must step by one (Bybit's
   * update id, else the file's msg_id); null for Tardis files, which carry none.
   */
  readonly sequence: number | null;
  readonly sides: readonly BookSide[];
  readonly prices: readonly number[];
  readonly sizes: readonly number[];
}

/** A book file that cannot be read as one; names the file and the line. Nothing is written. */
export class BookFileError extends Error {
  override readonly name = 'BookFileError';

  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(`${path.basename(file)}, line ${line}: ${reason}; nothing was imported`);
  }
}

/** The book layout a file's header names, or null when it is not a book file (or not text). */
export async function detectBookLayout(file: string): Promise<BookFileLayout | null> {
  if (/\.(?:zip|parquet)$/i.test(file)) return null;
  let header = '';
  try {
    await readLines(file, (line) => {
      header = line.trim();
      return false;
    });
  } catch {
    // Not a text file it can read: the other importers say what is wrong with it.
    return null;
  }
  if (header === TARDIS_BOOK_HEADER) return 'tardis-book';
  if (header.startsWith(BOOK_CSV_PREFIX)) return 'book-csv';
  return null;
}

/**
 * The book layout to import a file with: the format asked for when it is a book one, else the
 * layout its header names when no format was asked for; null for anything else.
 */
export async function bookLayoutOf(file: string, format: string | undefined): Promise<BookFileLayout | null> {
  if (format === 'tardis-book' || format === 'book-csv') return format;
  if (format !== undefined) return null;
  return detectBookLayout(file);
}

export interface ReadBookOptions {
  /** Bytes read so far of the file's size (compressed bytes for a .gz). */
  readonly onProgress?: (bytesRead: number, bytesTotal: number) => void;
  readonly signal?: AbortSignal;
}

/**
 * Calls `onMessage` for every message of the file, in file order; throws BookFileError on the
 * first row that is not sound (wrong column count, not a number, a side that is neither bid
 * nor ask, a Tardis file mixing symbols). Returns the number of level rows read.
 */
export async function readBookFile(
  file: string,
  layout: BookFileLayout,
  onMessage: (message: BookFileMessage) => void,
  options: ReadBookOptions = {},
): Promise<number> {
  const parser = layout === 'tardis-book' ? new TardisRows(file) : new BookCsvRows(file);
  let rows = 0;
  await readLines(
    file,
    (line, lineNumber, unterminated) => {
      if (lineNumber === 1) {
        parser.header(line.trim());
        return true;
      }
      if (line.trim() === '') return true;
      try {
        parser.row(line, lineNumber, onMessage);
      } catch (error) {
        if (error instanceof RowError) {
          const why = unterminated ? `${error.message} (the last line is cut short?)` : error.message;
          throw new BookFileError(file, lineNumber, why);
        }
        throw error;
      }
      rows++;
      return true;
    },
    options,
  );
  if (rows === 0) throw new BookFileError(file, 1, 'no book rows after the header');
  parser.end(onMessage);
  return rows;
}

class RowError extends Error {}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^\d+$/;

function decimal(text: string | undefined, what: string): number {
  // A strict pattern: Number() would also take '0x10', '' and ' ' (as 16, 0 and 0).
  if (text === undefined || !DECIMAL.test(text))
    throw new RowError(`${what} '${text ?? ''}' is not a number`);
  return Number(text);
}

function wholeNumber(text: string | undefined, what: string): number {
  if (text === undefined || !INTEGER.test(text))
    throw new RowError(`${what} '${text ?? ''}' is not a whole number`);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RowError(`${what} ${text} is too large`);
  return value;
}

function levelPrice(text: string | undefined): number {
  const price = decimal(text, 'price');
  if (!(price > 0) || !Number.isFinite(price)) throw new RowError(`price ${text ?? ''} must be > 0`);
  return price;
}

function levelAmount(text: string | undefined): number {
  const amount = decimal(text, 'amount');
  if (!(amount >= 0) || !Number.isFinite(amount)) throw new RowError(`amount ${text ?? ''} must be >= 0`);
  return amount;
}

function bookSide(text: string | undefined): BookSide {
  if (text === 'bid' || text === 'ask') return text;
  throw new RowError(`side '${text ?? ''}' is not bid or ask`);
}

function flag(text: string | undefined, what: string): boolean {
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new RowError(`${what} '${text ?? ''}' is not true/false`);
}

/** The message being gathered; the arrays are reused from message to message. */
class PendingMessage implements BookFileMessage {
  line = 0;
  snapshot = false;
  ts = 0;
  localTs: number | null = null;
  sequence: number | null = null;
  readonly sides: BookSide[] = [];
  readonly prices: number[] = [];
  readonly sizes: number[] = [];

  get empty(): boolean {
    return this.sides.length === 0;
  }

  start(line: number, snapshot: boolean, ts: number, localTs: number | null, sequence: number | null): void {
    this.line = line;
    this.snapshot = snapshot;
    this.ts = ts;
    this.localTs = localTs;
    this.sequence = sequence;
    this.sides.length = 0;
    this.prices.length = 0;
    this.sizes.length = 0;
  }

  add(side: BookSide, price: number, size: number): void {
    this.sides.push(side);
    this.prices.push(price);
    this.sizes.push(size);
  }
}

interface RowParser {
  header(line: string): void;
  row(line: string, lineNumber: number, onMessage: (message: BookFileMessage) => void): void;
  end(onMessage: (message: BookFileMessage) => void): void;
}

class TardisRows implements RowParser {
  private readonly pending = new PendingMessage();
  private key = '';
  private symbol: string | null = null;

  constructor(private readonly file: string) {}

  header(line: string): void {
    if (line !== TARDIS_BOOK_HEADER)
      throw new BookFileError(
        this.file,
        1,
        `the header is not Tardis incremental_book_L2's (${TARDIS_BOOK_HEADER})`,
      );
  }

  row(line: string, lineNumber: number, onMessage: (message: BookFileMessage) => void): void {
    const f = line.split(',');
    if (f.length !== 8) throw new RowError(`expected 8 columns, got ${f.length}`);
    const symbol = `${f[0] ?? ''}:${f[1] ?? ''}`;
    if (this.symbol === null) this.symbol = symbol;
    else if (symbol !== this.symbol)
      throw new RowError(`a second market ${symbol} after ${this.symbol}: import one symbol per file`);
    const timestamp = f[2] ?? '';
    const local = f[3] ?? '';
    const snapshot = flag(f[4], 'is_snapshot');
    const side = bookSide(f[5]);
    const price = levelPrice(f[6]);
    const amount = levelAmount(f[7]);
    // A snapshot is the whole run of snapshot rows; an update, the rows sharing both times.
    const key = snapshot ? 'snapshot' : `${timestamp},${local}`;
    if (this.pending.empty || key !== this.key || snapshot !== this.pending.snapshot) {
      const ts = Math.floor(wholeNumber(timestamp, 'timestamp') / 1000);
      const localTs = local === '' ? null : Math.floor(wholeNumber(local, 'local_timestamp') / 1000);
      if (!this.pending.empty) onMessage(this.pending);
      this.pending.start(lineNumber, snapshot, ts, localTs, null);
      this.key = key;
    }
    this.pending.add(side, price, amount);
  }

  end(onMessage: (message: BookFileMessage) => void): void {
    if (!this.pending.empty) onMessage(this.pending);
  }
}

class BookCsvRows implements RowParser {
  private readonly pending = new PendingMessage();
  private columns = 0;
  private exchangeTimeColumn = -1;
  private updateIdColumn = -1;
  private messageId = '';

  constructor(private readonly file: string) {}

  header(line: string): void {
    const names = line.split(',');
    this.columns = names.length;
    this.exchangeTimeColumn = names.indexOf('exch_ts_ms');
    this.updateIdColumn = names.indexOf('update_id');
  }

  row(line: string, lineNumber: number, onMessage: (message: BookFileMessage) => void): void {
    const f = line.split(',');
    if (f.length !== this.columns) throw new RowError(`expected ${this.columns} columns, got ${f.length}`);
    const side = bookSide(f[1]);
    const price = levelPrice(f[2]);
    const amount = levelAmount(f[3]);
    const snapshot = flag(f[4], 'is_snapshot');
    const messageId = f[5] ?? '';
    if (this.pending.empty || messageId !== this.messageId) {
      const id = wholeNumber(messageId, 'msg_id');
      const tsMs = wholeNumber(f[0], 'ts_ms');
      let ts = tsMs;
      let localTs: number | null = null;
      if (this.exchangeTimeColumn >= 0) {
        // ts_ms is when the recorder received it; the exchange's own time, where it gave one, is the event time.
        const exchange = f[this.exchangeTimeColumn] ?? '';
        localTs = tsMs;
        if (exchange !== '') ts = wholeNumber(exchange, 'exch_ts_ms');
        else if (!snapshot) throw new RowError('an update without exch_ts_ms');
      }
      const sequence = this.updateIdColumn >= 0 ? wholeNumber(f[this.updateIdColumn], 'update_id') : id;
      if (!this.pending.empty) onMessage(this.pending);
      this.pending.start(lineNumber, snapshot, ts, localTs, sequence);
      this.messageId = messageId;
    } else if (snapshot !== this.pending.snapshot) {
      throw new RowError(`message ${messageId} mixes snapshot and update rows`);
    }
    this.pending.add(side, price, amount);
  }

  end(onMessage: (message: BookFileMessage) => void): void {
    if (!this.pending.empty) onMessage(this.pending);
  }
}

/**
 * Streams the lines of a plain or gzipped text file with 1-based line numbers; `onLine`
 * returning false stops reading. The last line is flagged when the file does not end with a
 * newline, so a row cut short can say so. Non-UTF-8 bytes are refused at their own line.
 */
async function readLines(
  file: string,
  onLine: (line: string, lineNumber: number, isUnterminatedLast: boolean) => boolean,
  options: ReadBookOptions = {},
): Promise<void> {
  const total = statSync(file).size;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let carry = '';
  let lineNumber = 0;
  // Set inside feed(): a holder, so the check after it is not narrowed away.
  const reading = { stop: false };
  const feed = (bytes: Uint8Array, final: boolean): void => {
    let text: string;
    try {
      text = carry + decoder.decode(bytes, { stream: !final });
    } catch {
      // The bad byte is on the first line of this chunk that is not complete yet.
      throw new BookFileError(file, lineNumber + 1, 'not UTF-8 text (a binary or corrupt file?)');
    }
    let start = 0;
    for (;;) {
      const end = text.indexOf('\n', start);
      if (end < 0) break;
      lineNumber++;
      const line = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
      start = end + 1;
      if (!onLine(line, lineNumber, false)) {
        reading.stop = true;
        return;
      }
    }
    carry = text.slice(start);
    if (final && carry.length > 0) {
      lineNumber++;
      onLine(carry.endsWith('\r') ? carry.slice(0, -1) : carry, lineNumber, true);
      carry = '';
    }
  };
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  let read = 0;
  raw.on('data', (chunk) => {
    read += chunk.length;
  });
  const stream = /\.gz$/i.test(file) ? raw.pipe(createGunzip()) : raw;
  try {
    for await (const chunk of stream) {
      if (options.signal?.aborted === true) throw new Error('cancelled');
      feed(chunk as Buffer, false);
      options.onProgress?.(read, total);
      if (reading.stop) return;
    }
    feed(new Uint8Array(0), true);
  } catch (error) {
    if (error instanceof BookFileError || (error instanceof Error && error.message === 'cancelled'))
      throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new BookFileError(file, lineNumber + 1, `cannot be read (${reason})`);
  } finally {
    raw.destroy();
    stream.destroy();
  }
}
