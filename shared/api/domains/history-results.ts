import { z } from 'zod';
import { TIMEFRAMES } from '../../domain/timeframes.js';
import { timeframeSchema } from '../schemas.js';

/**
 * What each history job (import, candle repair and check, retention, export, backfill) ends
 * with. Kept apart from history.ts so the job union (jobs.ts) can name them while history.ts
 * names the job union as its commands' response.
 */

const timestamp = z.number().int().nonnegative();
const count = z.number().int().nonnegative();

export const importFormatSchema = z.enum([
  'binance-trades',
  'binance-aggtrades',
  'binance-klines',
  /** Tardis.dev's trades CSV: exchange,symbol,timestamp,local_timestamp,id,side,price,amount (µs). */
  'tardis-trades',
  'csv',
  'parquet',
  /** Tardis.dev incremental_book_L2 CSV (plain or .gz): one L2 message per run of rows. */
  'tardis-book',
  /** Per-level book CSV with its messages numbered: ts_ms,side,price,amount,is_snapshot,msg_id,... */
  'book-csv',
  /**
   * Perpetual funding rates: Binance's fundingRate export (calc_time,funding_interval_hours,
   * last_funding_rate) or two columns, time and rate (fractions of notional).
   */
  'funding-rates',
]);
export type ImportFormat = z.infer<typeof importFormatSchema>;

const barValuesSchema = z.object({
  open: z.number(),
  high: z.number(),
  low: z.number(),
  close: z.number(),
  volume: z.number(),
  trades: z.number(),
});

/** A bar whose stored values were not those rebuilt from the trades (null: it did not exist). */
export const candleDifferenceSchema = z.object({
  timeframe: timeframeSchema,
  openTime: timestamp,
  stored: barValuesSchema.nullable(),
  rebuilt: barValuesSchema.nullable(),
});
export type CandleDifference = z.infer<typeof candleDifferenceSchema>;

const barChangesSchema = z.object({
  added: count,
  changed: count,
  removed: count,
});

/** What a candle check found and repaired. */
export const candleCheckSchema = z.object({
  instrument: z.string(),
  /** The whole UTC days checked, [from, to] in ms. */
  from: timestamp,
  to: timestamp,
  days: count,
  /** Days with bars but no trades (imported candles): left as they are. */
  daysWithoutTrades: count,
  /** Bars that now match the trades. */
  bars: count,
  /** Per timeframe: bars written that were missing, rewritten, and deleted (no trade in them). */
  changed: z.object(
    Object.fromEntries(TIMEFRAMES.map((tf) => [tf, barChangesSchema])) as Record<
      (typeof TIMEFRAMES)[number],
      typeof barChangesSchema
    >,
  ),
  /** The earliest bar that differed, or null when every bar matched. */
  firstDifference: candleDifferenceSchema.nullable(),
});
export type CandleCheck = z.infer<typeof candleCheckSchema>;

const stepsSchema = z.object({ tickSize: z.number().positive(), lotSize: z.number().positive() });

/** A trades or candles file imported row by row. */
const rowsImportResultSchema = z.object({
  file: z.string(),
  format: importFormatSchema,
  kind: z.enum(['trades', 'candles']),
  rows: count,
  inserted: count,
  from: z.number().int().nullable(),
  to: z.number().int().nullable(),
  candles: count,
  transactions: count,
  /** Tick and lot the file's rows imply, null when it has no rows. */
  steps: stepsSchema.nullable(),
});

/** An L2 book file imported message by message (main/history/book-import.ts). */
const bookImportResultSchema = z.object({
  file: z.string(),
  format: z.enum(['tardis-book', 'book-csv']),
  kind: z.literal('book'),
  rows: count,
  inserted: count,
  from: z.number().int().nullable(),
  to: z.number().int().nullable(),
  candles: z.literal(0),
  transactions: count,
  book: z.object({
    messages: count,
    snapshots: count,
    acceptedMessages: count,
    refused: z.partialRecord(z.string(), count),
    deltasWritten: count,
    snapshotsWritten: count,
    gaps: count,
    restamped: count,
  }),
});

/** A funding rate file (main/history/funding-file.ts): every rate in one transaction. */
const fundingImportResultSchema = z.object({
  file: z.string(),
  format: z.literal('funding-rates'),
  kind: z.literal('funding'),
  rows: count,
  inserted: count,
  from: z.number().int().nullable(),
  to: z.number().int().nullable(),
  candles: z.literal(0),
  transactions: count,
});

/** What an import wrote: rows read and inserted, the span, and for a book file its message counts. */
export const importResultSchema = z.discriminatedUnion('kind', [
  rowsImportResultSchema,
  bookImportResultSchema,
  fundingImportResultSchema,
]);
export type ImportResult = z.infer<typeof importResultSchema>;

/** Candles rebuilt for the days an interrupted import left in the ledger. */
export const repairResultSchema = z.object({ days: count, bars: count });
export type RepairResult = z.infer<typeof repairResultSchema>;

/** Rows deleted by one pass of the retention limits. */
export const retentionResultSchema = z.object({
  trades: count,
  bookDeltaChunks: count,
  bookSnapshots: count,
  candles: count,
});
export type RetentionResult = z.infer<typeof retentionResultSchema>;

/** The file an export wrote on the host and how many rows it holds. */
export const exportResultSchema = z.object({ out: z.string(), rows: count });
export type ExportResult = z.infer<typeof exportResultSchema>;

/**
 * What a backfill fetched. Trades and candles: rows, in how many pages and retries, and whether
 * it resumed a stopped one. Funding rates: the funding times received and the rows added or
 * changed (a rerun rewrites the same rows, so it has nothing to resume).
 */
export const backfillResultSchema = z.union([
  z.object({ rows: count, pages: count, retries: count, resumed: z.boolean() }),
  z.object({ rows: count, inserted: count, pages: count }),
]);
export type BackfillResult = z.infer<typeof backfillResultSchema>;
