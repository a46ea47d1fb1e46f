import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Unzip, UnzipInflate } from 'fflate';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { ColumnMapping, ImportFormat, ImportPreview } from '../../shared/api/domains/history.js';
import { TIMEFRAMES, type Timeframe } from '../../shared/domain/timeframes.js';
import { fundingLayoutOf } from './funding-file.js';
import { CandleColumns, TradeColumns, rowsRange, type MarketRows } from './trade-batch.js';
import { BinanceTradeLineReader } from './trade-line-bytes.js';

/** A file could not be imported; names the file and the line (or Parquet row group). */
export class ImportError extends Error {
  override readonly name = 'ImportError';

  constructor(
    readonly file: string,
    readonly where: string,
    reason: string,
  ) {
    super(`${path.basename(file)}, ${where}: ${reason}; nothing was imported`);
  }
}

export interface ParseOptions {
  readonly format: ImportFormat;
  /** Required for 'csv' and 'parquet': which column holds what. */
  readonly mapping?: ColumnMapping;
  /** Bar length of a klines file when its name does not say (BTCUSDT-1m-2024-01-01.csv does). */
  readonly timeframe?: Timeframe;
  /** Bytes read so far of the file's size, for a progress bar. */
  readonly onProgress?: (bytesRead: number, bytesTotal: number) => void;
  readonly signal?: AbortSignal;
}

/** Tardis.dev's download names: <exchange>_trades_<YYYY-MM-DD>_<SYMBOL>.csv(.gz). */
const TARDIS_TRADES_NAME = /^[a-z0-9-]+_trades_\d{4}-\d{2}-\d{2}_.+\.csv(?:\.gz)?$/i;
/** The header of Tardis.dev's trades CSV, which names the layout whatever the file is called. */
export const TARDIS_TRADES_HEADER = 'exchange,symbol,timestamp,local_timestamp,id,side,price,amount';

const BINANCE_NAME = /^([A-Z0-9]+)-(trades|aggTrades|\d+[smhdw])-\d{4}-\d{2}(?:-\d{2})?\.(?:csv|zip)$/i;

/** The format a file's name suggests: Binance dump names, .parquet, else generic CSV. */
export function detectFormat(file: string): ImportFormat {
  const name = path.basename(file);
  if (/\.parquet$/i.test(name)) return 'parquet';
  if (TARDIS_TRADES_NAME.test(name)) return 'tardis-trades';
  const match = BINANCE_NAME.exec(name);
  if (match !== null) {
    const kind = match[2] ?? '';
    if (kind === 'trades') return 'binance-trades';
    if (kind === 'aggTrades') return 'binance-aggtrades';
    return 'binance-klines';
  }
  return 'csv';
}

/** The klines timeframe named in a Binance dump's file name, when it is one the workstation keeps. */
export function timeframeFromName(file: string): Timeframe | null {
  const kind = BINANCE_NAME.exec(path.basename(file))?.[2] ?? '';
  return (TIMEFRAMES as readonly string[]).includes(kind) ? (kind as Timeframe) : null;
}

/**
 * Exchange dumps give milliseconds, and since 2025 Binance spot dumps give microseconds; a
 * generic file may give seconds. Anything else is refused rather than guessed.
 */
export function normaliseTimestamp(value: number, allowSeconds: boolean): number | null {
  if (!Number.isFinite(value) || value < 0) return null;
  if (value >= 1e17) return Math.floor(value / 1e6); // ns
  if (value >= 1e14) return Math.floor(value / 1e3); // µs
  if (value < 1e11) return allowSeconds ? Math.round(value * 1000) : null; // s (before 1973 in ms)
  return Math.floor(value);
}

/** One line of a file: its text without the line break, 1-based number, and whether a newline ended it. */
type LineHandler = (line: string, lineNumber: number, isUnterminatedLast: boolean) => void;

/**
 * Reads whole lines straight from the file's bytes (bytes[start, end), no line break) while
 * `active()`; a line it gives back false for is decoded and goes to the LineHandler as text.
 */
interface LineBytesReader {
  active(): boolean;
  read(bytes: Uint8Array, start: number, end: number): boolean;
}

/**
 * Streams the lines of a CSV file: plain, gzipped (.gz, as Tardis.dev serves its files) or the
 * one .csv inside a .zip, with 1-based line numbers. Bytes are decoded a run of whole lines at
 * a time (a newline byte never occurs inside a UTF-8 sequence), so a byte that is not UTF-8 is
 * named at its own line. `afterChunk` runs between chunks (and may wait: the stream is paused
 * meanwhile), which is where a streamed import writes a batch. A file that does not end with a
 * newline has its last line flagged, so a cut-off last row is reported instead of imported short.
 */
export async function readLines(
  file: string,
  onLine: LineHandler,
  options: Pick<ParseOptions, 'onProgress' | 'signal'>,
  maxLines = Number.MAX_SAFE_INTEGER,
  afterChunk?: () => Promise<void> | void,
  lineBytes?: LineBytesReader,
): Promise<void> {
  const total = statSync(file).size;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  // Bytes after the last newline seen: the start of a line that the next chunk completes.
  let pending: Uint8Array = new Uint8Array(0);
  let lineNumber = 0;
  // Set inside feed(): a holder, so the checks after it are not narrowed away.
  const reading = { stop: false };

  const decode = (bytes: Uint8Array): string => {
    try {
      return decoder.decode(bytes);
    } catch {
      // Find the line: decode line by line from the start of this run of whole lines.
      let at = 0;
      let line = lineNumber + 1;
      for (;;) {
        const end = bytes.indexOf(10, at);
        const stop = end < 0 ? bytes.length : end;
        try {
          decoder.decode(bytes.subarray(at, stop));
        } catch {
          throw new ImportError(
            file,
            `line ${line}`,
            'a byte that is not UTF-8 text (a binary file, or another encoding such as Latin-1?)',
          );
        }
        if (end < 0) throw new ImportError(file, `line ${line}`, 'not UTF-8 text');
        at = end + 1;
        line++;
      }
    }
  };

  const emitLines = (text: string, final: boolean): void => {
    let start = 0;
    for (;;) {
      const end = text.indexOf('\n', start);
      if (end < 0) break;
      lineNumber++;
      const line = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
      onLine(line, lineNumber, false);
      start = end + 1;
      if (lineNumber >= maxLines) {
        reading.stop = true;
        return;
      }
    }
    if (final && start < text.length) {
      const carry = text.slice(start);
      lineNumber++;
      onLine(carry.endsWith('\r') ? carry.slice(0, -1) : carry, lineNumber, true);
    }
  };

  // The fast path: lines handed over as bytes, and only the ones it leaves decoded as text.
  const emitLineBytes = (reader: LineBytesReader, bytes: Uint8Array): void => {
    let start = 0;
    for (;;) {
      const end = bytes.indexOf(10, start);
      if (end < 0) return;
      lineNumber++;
      const stop = end > start && bytes[end - 1] === 13 ? end - 1 : end;
      if (!reader.read(bytes, start, stop)) {
        let text: string;
        try {
          text = decoder.decode(bytes.subarray(start, stop));
        } catch {
          throw new ImportError(
            file,
            `line ${lineNumber}`,
            'a byte that is not UTF-8 text (a binary file, or another encoding such as Latin-1?)',
          );
        }
        onLine(text, lineNumber, false);
      }
      start = end + 1;
      if (lineNumber >= maxLines) {
        reading.stop = true;
        return;
      }
    }
  };

  const feed = (bytes: Uint8Array, final: boolean): void => {
    if (reading.stop) return;
    if (final) {
      const rest = pending.byteLength === 0 ? bytes : concatBytes(pending, bytes);
      pending = new Uint8Array(0);
      emitLines(decode(rest), true);
      return;
    }
    const lastNewline = bytes.lastIndexOf(10);
    if (lastNewline < 0) {
      pending = concatBytes(pending, bytes);
      return;
    }
    const whole = bytes.subarray(0, lastNewline + 1);
    const lines = pending.byteLength === 0 ? whole : concatBytes(pending, whole);
    // A copy: the chunk's buffer is reused by the stream (and by fflate) after this call.
    pending = bytes.slice(lastNewline + 1);
    if (lineBytes?.active() === true) emitLineBytes(lineBytes, lines);
    else emitLines(decode(lines), false);
  };

  const isZip = /\.zip$/i.test(file);
  let unzip: Unzip | null = null;
  // Set from fflate's callbacks: a holder, so the checks below are not narrowed away.
  const zip: { entry: string | null; entryDone: boolean; failure: Error | null } = {
    entry: null,
    entryDone: false,
    failure: null,
  };
  if (isZip) {
    unzip = new Unzip((entry) => {
      if (!/\.csv$/i.test(entry.name)) return;
      if (zip.entry !== null) {
        // One file is one instrument's rows: two CSVs could be two markets or two days to order.
        zip.failure ??= new ImportError(
          file,
          `zip entry '${entry.name}'`,
          `a second CSV in the zip (after '${zip.entry}'); import one CSV per file`,
        );
        return;
      }
      zip.entry = entry.name;
      entry.ondata = (error, data, final) => {
        if (zip.failure !== null) return;
        try {
          if (error !== null)
            throw new ImportError(file, `line ${lineNumber + 1}`, `corrupt zip data (${error.message})`);
          feed(data, final);
          if (final) zip.entryDone = true;
        } catch (caught) {
          zip.failure = caught instanceof Error ? caught : new Error(String(caught));
        }
      };
      entry.start();
    });
    unzip.register(UnzipInflate);
  }

  // fflate throws from push() on a broken local header or deflate stream.
  const pushZip = (bytes: Uint8Array, final: boolean): void => {
    try {
      unzip?.push(bytes, final);
    } catch (error) {
      if (error instanceof ImportError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new ImportError(file, `line ${lineNumber + 1}`, `corrupt or truncated zip (${reason})`);
    }
  };
  const raw = createReadStream(file, { highWaterMark: 256 * 1024 });
  const gunzip = /\.gz$/i.test(file) ? createGunzip({ chunkSize: 256 * 1024 }) : null;
  // Compressed bytes read drive the progress bar; gzip's output is what is parsed. Read off the
  // stream's counter, not a 'data' listener: a listener switches the stream to flowing mode,
  // which reads the whole file ahead into memory while a batch is being written.
  const read = (): number => raw.bytesRead;
  const stream: Readable = gunzip === null ? raw : raw.pipe(gunzip);
  try {
    try {
      for await (const chunk of stream) {
        if (options.signal?.aborted === true) throw new Error('cancelled');
        const bytes = chunk as Buffer;
        if (unzip === null) {
          feed(bytes, false);
          options.onProgress?.(read(), total);
          if (reading.stop) break;
          await afterChunk?.();
          continue;
        }
        // A megabyte of deflate can be 100 MB of CSV: push it a slice at a time and let the
        // caller write its batch between slices, or a batch would grow with the compression ratio.
        for (let at = 0; at < bytes.byteLength && !reading.stop; at += ZIP_SLICE) {
          pushZip(bytes.subarray(at, at + ZIP_SLICE), false);
          if (zip.failure !== null) throw zip.failure;
          await afterChunk?.();
        }
        options.onProgress?.(read(), total);
        if (reading.stop) break;
      }
    } catch (error) {
      if (gunzip !== null && !(error instanceof ImportError) && (error as Error).message !== 'cancelled') {
        const reason = error instanceof Error ? error.message : String(error);
        throw new ImportError(file, `line ${lineNumber + 1}`, `corrupt or truncated gzip (${reason})`);
      }
      throw error;
    }
    if (reading.stop) return;
    if (unzip !== null) {
      pushZip(new Uint8Array(0), true);
      if (zip.failure !== null) throw zip.failure;
      if (zip.entry === null)
        throw new ImportError(file, 'zip', 'no .csv file inside (or the zip is cut short)');
      if (!zip.entryDone)
        throw new ImportError(file, `line ${lineNumber + 1}`, 'the zip is cut short (truncated download?)');
    } else feed(new Uint8Array(0), true);
    await afterChunk?.();
  } finally {
    raw.destroy();
    gunzip?.destroy();
  }
}

/** Compressed bytes pushed into the unzipper between two hand-overs of a batch. */
const ZIP_SLICE = 16 * 1024;

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}

const NUMERIC = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

function isHeader(fields: readonly string[]): boolean {
  return fields.length > 0 && !NUMERIC.test((fields[0] ?? '').trim());
}

/** The first rows of a file as text, so the user can map columns before importing. */
export async function previewFile(file: string, rows = 10): Promise<ImportPreview> {
  const format = detectFormat(file);
  if (format === 'parquet') {
    const buffer = await asyncBufferFromFile(file);
    const metadata = await parquetMetadataAsync(buffer);
    const objects = await parquetReadObjects({ file: buffer, metadata, rowStart: 0, rowEnd: rows });
    const header = metadata.schema.slice(1).map((element) => element.name);
    return {
      file,
      format,
      header,
      rows: objects.map((row) => header.map((name) => String(row[name]))),
      timeframe: null,
      totalRows: Number(metadata.num_rows),
    };
  }
  const lines: string[][] = [];
  await readLines(file, (line) => lines.push(line.split(',')), {}, rows + 1);
  const first = lines[0] ?? [];
  const header = isHeader(first) ? first.map((name) => name.trim()) : null;
  return {
    file,
    format:
      format === 'csv' && header?.join(',') === TARDIS_TRADES_HEADER
        ? 'tardis-trades'
        : format === 'csv' && (await fundingLayoutOf(file, format)) !== null
          ? 'funding-rates'
          : format,
    header,
    rows: (header === null ? lines : lines.slice(1)).slice(0, rows),
    timeframe: timeframeFromName(file),
    totalRows: null,
  };
}

/** Where each field is in a row: a column index, resolved once from a name if need be. */
function resolveColumn(
  ref: number | string | undefined,
  header: readonly string[] | null,
  file: string,
): number {
  if (ref === undefined) return -1;
  if (typeof ref === 'number') return ref;
  const at = header?.indexOf(ref) ?? -1;
  if (at < 0) throw new ImportError(file, 'line 1', `no column named '${ref}' in the header`);
  return at;
}

function parseSide(raw: string): number | null {
  // Exchange dumps spell it exactly; only other files pay for trimming and lower-casing.
  const text =
    raw === 'true' || raw === 'false' || raw === 'buy' || raw === 'sell' ? raw : raw.trim().toLowerCase();
  switch (text) {
    case 'buy':
    case 'b':
    case '1':
      return 1;
    case 'sell':
    case 's':
    case '-1':
      return -1;
    // A Binance-style is_buyer_maker flag: the buyer was the maker, so the taker sold.
    case 'true':
      return -1;
    case 'false':
      return 1;
    default:
      return null;
  }
}

function parseTime(text: string, allowSeconds: boolean): number | null {
  const trimmed = text.trim();
  if (NUMERIC.test(trimmed)) return normaliseTimestamp(Number(trimmed), allowSeconds);
  const parsed = Date.parse(trimmed);
  return Number.isFinite(parsed) ? parsed : null;
}

/**
 * A row parser for one format: turns the fields of one line into a pushed row, or throws
 * with the reason (the caller adds file and line).
 */
type RowParser = (fields: readonly string[]) => void;

class RowError extends Error {}

/**
 * Number() reads '0x10' as 16, '0b1' as 1 and '0o7' as 7: a file holding those is not a file of
 * decimal prices, so they are refused rather than read as something the exchange never said.
 */
const NOT_DECIMAL = /[xXbBoO]/;

/** The fast path first: a field starting with a digit, '-' or '.' then no letter is decimal. */
function isDecimalText(text: string): boolean {
  const first = text.charCodeAt(0);
  const second = text.charCodeAt(1); // NaN for a one-character field: not >= 65
  if (((first >= 48 && first <= 57) || first === 45 || first === 46) && !(second >= 65)) return true;
  return !NOT_DECIMAL.test(text);
}

function numberAt(fields: readonly string[], index: number, what: string, positive: boolean): number {
  const text = fields[index];
  if (text === undefined) throw new RowError(`missing ${what} (column ${index + 1})`);
  const value = Number(text);
  // Number('') and Number(' ') are 0: a blank field must not pass as a zero.
  if (isBlank(text) || !Number.isFinite(value)) throw new RowError(`${what} '${text}' is not a number`);
  if (!isDecimalText(text)) throw new RowError(`${what} '${text}' is not a decimal number`);
  if (positive ? !(value > 0) : value < 0)
    throw new RowError(`${what} ${text} must be ${positive ? '> 0' : '>= 0'}`);
  return value;
}

function timeAt(fields: readonly string[], index: number, allowSeconds: boolean): number {
  const text = fields[index];
  if (text === undefined) throw new RowError(`missing time (column ${index + 1})`);
  // The common case, a plain number, without a trim per row.
  const number = Number(text);
  if (Number.isFinite(number) && !isDecimalText(text))
    throw new RowError(`time '${text}' is not a decimal number`);
  const ts = isBlank(text)
    ? null
    : Number.isFinite(number)
      ? normaliseTimestamp(number, allowSeconds)
      : parseTime(text, allowSeconds);
  if (ts === null) throw new RowError(`time '${text}' is not a timestamp`);
  return ts;
}

function isBlank(text: string): boolean {
  return text.length === 0 || text.trim().length === 0;
}

/**
 * How one format reads a row: `columns` fields at least and `maxColumns` at most (null: the
 * header's or the first row's count), pushed into `result`, a batch the caller empties.
 */
interface FormatParser {
  readonly parse: RowParser;
  readonly result: MarketRows;
  readonly columns: number;
  readonly maxColumns: number | null;
  /** Reads a plain row straight from bytes (false: the row needs `parse`), for the formats that have one. */
  readonly readBytes?: (bytes: Uint8Array, start: number, end: number) => boolean;
}

function rowParser(options: ParseOptions, header: readonly string[] | null, file: string): FormatParser {
  switch (options.format) {
    case 'binance-trades': {
      // id, price, qty, quote_qty, time, is_buyer_maker[, is_best_match]
      const rows = new TradeColumns();
      const bytes = new BinanceTradeLineReader(rows, (value) => normaliseTimestamp(value, false));
      return {
        columns: 6,
        maxColumns: 7,
        result: { kind: 'trades', rows },
        readBytes: (line, start, end) => bytes.read(line, start, end),
        parse: (f) => {
          const id = numberAt(f, 0, 'trade id', false);
          const side = parseSide(f[5] ?? '');
          if (side === null) throw new RowError(`is_buyer_maker '${f[5] ?? ''}' is not true/false`);
          rows.push(
            timeAt(f, 4, false),
            id,
            (f[0] ?? '').trim(),
            numberAt(f, 1, 'price', true),
            numberAt(f, 2, 'qty', true),
            side,
          );
        },
      };
    }
    case 'tardis-trades': {
      // exchange, symbol, timestamp, local_timestamp, id, side, price, amount (times in µs)
      const rows = new TradeColumns();
      let seq = 0;
      return {
        columns: 8,
        maxColumns: 8,
        result: { kind: 'trades', rows },
        parse: (f) => {
          const side = parseSide(f[5] ?? '');
          if (side === null) throw new RowError(`side '${f[5] ?? ''}' is not buy/sell`);
          const ts = timeAt(f, 2, false);
          const receivedTs = timeAt(f, 3, false);
          const idText = f[4] ?? '';
          const numericId = Number(idText);
          const rowSeq =
            idText !== '' && Number.isSafeInteger(numericId) && numericId >= 0 && isDecimalText(idText)
              ? numericId
              : seq++;
          rows.push(
            ts,
            rowSeq,
            idText === '' ? null : idText,
            numberAt(f, 6, 'price', true),
            numberAt(f, 7, 'amount', true),
            side,
            receivedTs,
          );
        },
      };
    }
    case 'binance-aggtrades': {
      // agg_trade_id, price, quantity, first_trade_id, last_trade_id, transact_time, is_buyer_maker[, is_best_match]
      const rows = new TradeColumns();
      return {
        columns: 7,
        maxColumns: 8,
        result: { kind: 'trades', rows },
        parse: (f) => {
          const id = numberAt(f, 0, 'aggregate trade id', false);
          const side = parseSide(f[6] ?? '');
          if (side === null) throw new RowError(`is_buyer_maker '${f[6] ?? ''}' is not true/false`);
          rows.push(
            timeAt(f, 5, false),
            id,
            `a${id}`,
            numberAt(f, 1, 'price', true),
            numberAt(f, 2, 'quantity', true),
            side,
          );
        },
      };
    }
    case 'binance-klines': {
      // open_time, open, high, low, close, volume, close_time, quote_volume, count, taker_buy_volume, taker_buy_quote_volume, ignore
      const timeframe = options.timeframe ?? timeframeFromName(file);
      if (timeframe === null) {
        throw new ImportError(
          file,
          'file name',
          `cannot tell the klines interval; give one of ${TIMEFRAMES.join(', ')}`,
        );
      }
      const rows = new CandleColumns(timeframe);
      return {
        columns: 9,
        maxColumns: 12,
        result: { kind: 'candles', rows },
        parse: (f) => {
          const high = numberAt(f, 2, 'high', true);
          const low = numberAt(f, 3, 'low', true);
          if (low > high) throw new RowError(`low ${low} is above high ${high}`);
          rows.push(
            timeAt(f, 0, false),
            numberAt(f, 1, 'open', true),
            high,
            low,
            numberAt(f, 4, 'close', true),
            numberAt(f, 5, 'volume', false),
            numberAt(f, 7, 'quote volume', false),
            numberAt(f, 8, 'trade count', false),
          );
        },
      };
    }
    case 'csv':
    case 'parquet': {
      const mapping = options.mapping;
      if (mapping === undefined)
        throw new ImportError(file, 'line 1', 'a generic file needs a column mapping');
      const col = (ref: number | string | undefined): number => resolveColumn(ref, header, file);
      if (mapping.kind === 'trades') {
        const rows = new TradeColumns();
        const [ts, price, amount, side, id] = [
          col(mapping.ts),
          col(mapping.price),
          col(mapping.amount),
          col(mapping.side),
          col(mapping.id),
        ];
        let seq = 0;
        return {
          columns: Math.max(ts, price, amount, side, id) + 1,
          maxColumns: null,
          result: { kind: 'trades', rows },
          parse: (f) => {
            let parsedSide = 1;
            if (side >= 0) {
              const value = parseSide(f[side] ?? '');
              if (value === null) throw new RowError(`side '${f[side] ?? ''}' is not buy/sell`);
              parsedSide = value;
            }
            const idText = id >= 0 ? (f[id] ?? '').trim() : '';
            const numericId = Number(idText);
            const rowSeq =
              idText !== '' && Number.isSafeInteger(numericId) && numericId >= 0 ? numericId : seq++;
            rows.push(
              timeAt(f, ts, true),
              rowSeq,
              idText === '' ? null : idText,
              numberAt(f, price, 'price', true),
              numberAt(f, amount, 'amount', true),
              parsedSide,
            );
          },
        };
      }
      const rows = new CandleColumns(mapping.timeframe);
      const [ts, open, high, low, close, volume] = [
        col(mapping.ts),
        col(mapping.open),
        col(mapping.high),
        col(mapping.low),
        col(mapping.close),
        col(mapping.volume),
      ];
      return {
        columns: Math.max(ts, open, high, low, close, volume) + 1,
        maxColumns: null,
        result: { kind: 'candles', rows },
        parse: (f) => {
          const o = numberAt(f, open, 'open', true);
          const h = numberAt(f, high, 'high', true);
          const l = numberAt(f, low, 'low', true);
          const c = numberAt(f, close, 'close', true);
          if (l > h) throw new RowError(`low ${l} is above high ${h}`);
          const v = numberAt(f, volume, 'volume', false);
          rows.push(timeAt(f, ts, true), o, h, l, c, v, v * c, 0);
        },
      };
    }
    // Book files (issue #12 item 4) never become rows: importFile hands them to book-import.ts.
    case 'tardis-book':
    case 'book-csv':
      throw new ImportError(
        file,
        'line 1',
        `a ${options.format} file is a book, imported message by message`,
      );
    // Funding rate files are no market rows either: importFile hands them to funding-file.ts.
    case 'funding-rates':
      throw new ImportError(
        file,
        'line 1',
        'a funding rate file is stored as funding, not as trades or candles',
      );
    default:
      return options.format satisfies never;
  }
}

/** What a checked file holds. */
export interface FileSummary {
  readonly kind: 'trades' | 'candles';
  /** Data rows (the header not counted). */
  readonly rows: number;
  /** Earliest and latest time of its rows (ms), null when it has none. */
  readonly from: number | null;
  readonly to: number | null;
}

/** A batch of rows, handed over between chunks; the columns are emptied and refilled after it returns. */
export type BatchHandler = (batch: MarketRows) => Promise<void> | void;

/** Rows at which a batch is handed over (at the end of the chunk that reaches it). */
export const BATCH_ROWS = 20_000;

/**
 * Stream a file's rows, validating every one; the first bad row throws an ImportError naming
 * the file and line (row group for Parquet). Rows go to `onBatch` a batch at a time, so memory
 * holds one batch and one chunk whatever the file's size. Run it once without `onBatch` to
 * check a file whole before writing any of it. CSV header rows are recognised and skipped.
 */
export async function scanFile(
  file: string,
  options: ParseOptions,
  onBatch?: BatchHandler,
  batchRows = BATCH_ROWS,
): Promise<FileSummary> {
  if (options.format === 'parquet') return scanParquet(file, options, onBatch, batchRows);
  // Set inside the line callback: a holder, so the checks after the read are not narrowed away.
  const state: { parser: FormatParser | null; width: number; rows: number; from: number; to: number } = {
    parser: null,
    width: 0,
    rows: 0,
    from: Number.MAX_SAFE_INTEGER,
    to: -1,
  };
  const flush = async (): Promise<void> => {
    const parser = state.parser;
    if (parser === null || parser.result.rows.length === 0) return;
    const range = rowsRange(parser.result);
    if (range !== null) {
      state.from = Math.min(state.from, range.from);
      state.to = Math.max(state.to, range.to);
    }
    state.rows += parser.result.rows.length;
    await onBatch?.(parser.result);
    parser.result.rows.clear();
  };
  await readLines(
    file,
    (line, lineNumber, unterminated) => {
      if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim() === '')) return;
      const fields = line.split(',');
      let parser = state.parser;
      if (parser === null) {
        const header = isHeader(fields) ? fields.map((name) => name.trim()) : null;
        // A Tardis.dev file renamed to anything.csv still says what it is in its header.
        const tardis =
          options.format === 'csv' &&
          options.mapping === undefined &&
          header?.join(',') === TARDIS_TRADES_HEADER;
        parser = state.parser = rowParser(
          tardis ? { ...options, format: 'tardis-trades' } : options,
          header,
          file,
        );
        state.width = parser.maxColumns ?? fields.length;
        if (header !== null) return;
      }
      if (fields.length < parser.columns) {
        const why = unterminated
          ? 'the last line is cut short (truncated file?)'
          : `expected ${parser.columns} columns, got ${fields.length}`;
        throw new ImportError(file, `line ${lineNumber}`, why);
      }
      if (fields.length > state.width) {
        throw new ImportError(
          file,
          `line ${lineNumber}`,
          `${fields.length} columns where the file has ${state.width} (an extra column, or a comma inside a field)`,
        );
      }
      if (unterminated && endsInNumber(line)) {
        // A cut inside the last number still reads as a (smaller) number: with no final newline
        // there is no way to tell "100.25" from "100.2" cut short, so the file is refused.
        throw new ImportError(
          file,
          `line ${lineNumber}`,
          'the last line has no final newline and ends inside a number (cut short?)',
        );
      }
      try {
        parser.parse(fields);
      } catch (error) {
        if (error instanceof RowError) {
          throw new ImportError(
            file,
            `line ${lineNumber}`,
            unterminated ? `${error.message} (the last line is cut short?)` : error.message,
          );
        }
        throw error;
      }
    },
    options,
    Number.MAX_SAFE_INTEGER,
    async () => {
      if ((state.parser?.result.rows.length ?? 0) >= batchRows) await flush();
    },
    {
      // Once the header (or first row) has chosen the parser; a last line without a newline
      // never comes this way (it is read as text, where a cut-off number is caught).
      active: () => state.parser?.readBytes !== undefined,
      read: (bytes, start, end) => state.parser?.readBytes?.(bytes, start, end) ?? false,
    },
  );
  if (state.parser === null) throw new ImportError(file, 'line 1', 'the file is empty');
  await flush();
  return {
    kind: state.parser.result.kind,
    rows: state.rows,
    from: state.to < 0 ? null : state.from,
    to: state.to < 0 ? null : state.to,
  };
}

function endsInNumber(line: string): boolean {
  const last = line.charCodeAt(line.length - 1);
  return (last >= 48 && last <= 57) || last === 46;
}

async function scanParquet(
  file: string,
  options: ParseOptions,
  onBatch: BatchHandler | undefined,
  batchRows: number,
): Promise<FileSummary> {
  const buffer = await asyncBufferFromFile(file);
  let metadata;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (error) {
    throw new ImportError(
      file,
      'footer',
      `not a readable Parquet file (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const header = metadata.schema.slice(1).map((element) => element.name);
  const parser = rowParser(options, header, file);
  let from = Number.MAX_SAFE_INTEGER;
  let to = -1;
  let total = 0;
  const flush = async (): Promise<void> => {
    if (parser.result.rows.length === 0) return;
    const range = rowsRange(parser.result);
    if (range !== null) {
      from = Math.min(from, range.from);
      to = Math.max(to, range.to);
    }
    total += parser.result.rows.length;
    await onBatch?.(parser.result);
    parser.result.rows.clear();
  };
  let rowStart = 0;
  for (const [index, group] of metadata.row_groups.entries()) {
    if (options.signal?.aborted === true) throw new Error('cancelled');
    const groupEnd = rowStart + Number(group.num_rows);
    // A row group can hold millions of rows: read it in slices of a batch.
    for (let sliceStart = rowStart; sliceStart < groupEnd; sliceStart += batchRows) {
      const sliceEnd = Math.min(groupEnd, sliceStart + batchRows);
      let rows: Record<string, unknown>[];
      try {
        rows = await parquetReadObjects({ file: buffer, metadata, rowStart: sliceStart, rowEnd: sliceEnd });
      } catch (error) {
        throw new ImportError(
          file,
          `row group ${index}`,
          `cannot be read (${error instanceof Error ? error.message : String(error)})`,
        );
      }
      for (const [offset, row] of rows.entries()) {
        const fields = header.map((name) => {
          const value = row[name];
          return value instanceof Date ? String(value.getTime()) : String(value);
        });
        try {
          parser.parse(fields);
        } catch (error) {
          if (error instanceof RowError)
            throw new ImportError(file, `row group ${index}, row ${sliceStart + offset + 1}`, error.message);
          throw error;
        }
      }
      await flush();
      options.onProgress?.(sliceEnd, Number(metadata.num_rows));
    }
    rowStart = groupEnd;
  }
  return { kind: parser.result.kind, rows: total, from: to < 0 ? null : from, to: to < 0 ? null : to };
}
