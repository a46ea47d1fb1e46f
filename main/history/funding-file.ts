import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { ImportFormat } from '../../shared/api/domains/history.js';
import type { SqliteDatabase } from '../storage/database.js';
import { FundingStore, type FundingRate } from '../storage/funding-store.js';
import { ImportError, normaliseTimestamp, readLines } from './file-import.js';

/**
 * Funding rate files: one funding time and its rate per line.
 * - `binance`: Binance's fundingRate export (data.binance.vision, BTCUSDT-fundingRate-2024-01.csv
 *   or its .zip): `calc_time,funding_interval_hours,last_funding_rate`, times in ms.
 * - `two-column`: `timestamp,rate` with or without a header, times in s, ms, µs or ns.
 * Rates are fractions of notional (0.0001 = 0.01%).
 */
export type FundingLayout = 'binance' | 'two-column';

export const BINANCE_FUNDING_HEADER = 'calc_time,funding_interval_hours,last_funding_rate';
/** Header names a two-column funding file may use, so it is recognised without naming its format. */
const TIME_NAMES = new Set(['timestamp', 'ts', 'time', 'calc_time', 'funding_time', 'fundingtime']);
const RATE_NAMES = new Set(['rate', 'funding_rate', 'fundingrate', 'last_funding_rate']);
const FUNDING_NAME = /funding/i;

export interface FundingImportResult {
  readonly file: string;
  readonly format: 'funding-rates';
  readonly kind: 'funding';
  /** Funding times in the file. */
  readonly rows: number;
  /** Rows written or changed (a time already stored with the same rate is not counted). */
  readonly inserted: number;
  readonly from: number | null;
  readonly to: number | null;
  readonly candles: 0;
  readonly transactions: number;
}

async function firstLine(file: string): Promise<string | null> {
  if (/\.(?:zip|gz)$/i.test(file)) {
    let first: string | null = null;
    await readLines(
      file,
      (line) => {
        first = line;
      },
      {},
      1,
    );
    return first;
  }
  // Plain text: the first kilobyte is enough, and a large trade file is not read through.
  const stream = createReadStream(file, { start: 0, end: 1023, encoding: 'utf8' });
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text.split('\n')[0]?.replace(/\r$/, '') ?? null;
}

function layoutOfHeader(line: string | null): FundingLayout | null {
  if (line === null) return null;
  const names = line.split(',').map((name) => name.trim().toLowerCase());
  if (names.join(',') === BINANCE_FUNDING_HEADER) return 'binance';
  if (names.length === 2 && TIME_NAMES.has(names[0] ?? '') && RATE_NAMES.has(names[1] ?? ''))
    return 'two-column';
  return null;
}

/**
 * The funding layout of a file, or null when it is not a funding file: named so
 * (`format: 'funding-rates'`), or recognised by its header, or by a name with "funding" in it.
 * Another format named explicitly is never second-guessed.
 */
export async function fundingLayoutOf(
  file: string,
  format: ImportFormat | undefined,
): Promise<FundingLayout | null> {
  if (format !== undefined && format !== 'funding-rates' && format !== 'csv') return null;
  if (!/\.(?:csv|txt|zip|gz)$/i.test(file) && format !== 'funding-rates') return null;
  const header = layoutOfHeader(await firstLine(file));
  if (header !== null) return header;
  if (format === 'funding-rates' || FUNDING_NAME.test(path.basename(file))) return 'two-column';
  return null;
}

const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

function numberAt(fields: readonly string[], index: number, what: string): number {
  const text = (fields[index] ?? '').trim();
  if (!NUMBER.test(text)) throw new Error(`${what} '${text}' is not a number`);
  return Number(text);
}

/**
 * Reads and checks every line; throws ImportError naming the line at the first bad one.
 * A funding file holds three rows a day (about 1,100 a year), so its rows are kept in memory
 * and written in one transaction: nothing is written unless the whole file is good.
 */
export async function readFundingFile(
  file: string,
  layout: FundingLayout,
  onProgress: (done: number, total: number) => void = () => undefined,
  signal?: AbortSignal,
): Promise<FundingRate[]> {
  const rates: FundingRate[] = [];
  const lineOf = new Map<number, number>();
  const columns = layout === 'binance' ? 3 : 2;
  let seenFirst = false;
  await readLines(
    file,
    (line, lineNumber, unterminated) => {
      if (line.trim() === '') return;
      const fields = line.split(',');
      if (!seenFirst) {
        seenFirst = true;
        if (layout === 'binance' || !NUMBER.test((fields[0] ?? '').trim())) {
          if (layoutOfHeader(line) !== layout)
            throw new ImportError(
              file,
              `line ${lineNumber}`,
              layout === 'binance'
                ? `expected the header '${BINANCE_FUNDING_HEADER}'`
                : `a header of two columns, a time and a rate, was expected (e.g. 'timestamp,funding_rate'), got '${line}'`,
            );
          return;
        }
      }
      const where = `line ${lineNumber}`;
      if (fields.length !== columns)
        throw new ImportError(
          file,
          where,
          unterminated
            ? 'the last line is cut short (truncated file?)'
            : `expected ${columns} columns, got ${fields.length}`,
        );
      if (unterminated && /[\d.]$/.test(line))
        throw new ImportError(
          file,
          where,
          'the last line has no final newline and ends inside a number (cut short?)',
        );
      try {
        const raw = numberAt(fields, 0, 'time');
        const ts = normaliseTimestamp(raw, layout === 'two-column');
        if (ts === null) throw new Error(`time ${raw} is not a date in s, ms, µs or ns`);
        if (layout === 'binance' && !(numberAt(fields, 1, 'funding interval') > 0))
          throw new Error('the funding interval must be a positive number of hours');
        const rate = numberAt(fields, columns - 1, 'funding rate');
        if (!(Math.abs(rate) <= 1))
          throw new Error(`funding rate ${rate} is beyond +-1 (rates are fractions: 0.0001 is 0.01%)`);
        const before = lineOf.get(ts);
        if (before !== undefined)
          throw new Error(`funding time ${new Date(ts).toISOString()} is also on line ${before}`);
        lineOf.set(ts, lineNumber);
        rates.push({ ts, rate });
      } catch (error) {
        if (error instanceof ImportError) throw error;
        throw new ImportError(file, where, error instanceof Error ? error.message : String(error));
      }
    },
    { onProgress, ...(signal === undefined ? {} : { signal }) },
  );
  if (rates.length === 0) throw new ImportError(file, 'the file', 'it holds no funding rates');
  // Exports from exchange pages often list the newest first.
  return rates.sort((a, b) => a.ts - b.ts);
}

/** Checks the whole file, then writes its rates in one transaction. */
export async function importFundingFile(
  db: SqliteDatabase,
  request: { readonly path: string; readonly instrument: string; readonly layout: FundingLayout },
  onProgress: (phase: 'checking' | 'writing', done: number, total: number) => void = () => undefined,
  signal?: AbortSignal,
): Promise<FundingImportResult> {
  const store = new FundingStore(db);
  store.keyOf(request.instrument); // fail before reading the file for an unknown instrument
  const rates = await readFundingFile(
    request.path,
    request.layout,
    (done, total) => {
      onProgress('checking', done, total);
    },
    signal,
  );
  if (signal?.aborted === true) throw new Error('cancelled');
  const inserted = store.upsert(request.instrument, rates);
  onProgress('writing', 1, 1);
  return {
    file: path.basename(request.path),
    format: 'funding-rates',
    kind: 'funding',
    rows: rates.length,
    inserted,
    from: rates[0]?.ts ?? null,
    to: rates.at(-1)?.ts ?? null,
    candles: 0,
    transactions: 1,
  };
}
