import { z } from 'zod';
import { TIMEFRAMES } from '../../domain/timeframes.js';
import { bookViewSchema, candleSchema, levelSchema, timeframeSchema, tradeSchema } from '../schemas.js';
import type { CommandSpec } from '../spec.js';
import {
  candleCheckSchema,
  candleDifferenceSchema,
  importFormatSchema,
  type CandleCheck,
  type CandleDifference,
  type ImportFormat,
} from './history-results.js';
import { jobSchema } from './jobs.js';

// Defined beside the other history job results (jobs.ts needs them, and this file needs jobs.ts).
export { candleCheckSchema, candleDifferenceSchema, importFormatSchema };
export type { CandleCheck, CandleDifference, ImportFormat };

const timestamp = z.number().int().nonnegative();
const instrumentId = z.string().min(1);

/** A column of a generic file: its 0-based index, or its name in the header / Parquet schema. */
const columnRef = z.union([z.number().int().nonnegative(), z.string().min(1)]);

/** Which column of a generic CSV or Parquet file holds which field. */
export const columnMappingSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('trades'),
    ts: columnRef,
    price: columnRef,
    amount: columnRef,
    /** buy/sell, b/s, 1/-1, or an is_buyer_maker true/false flag; every trade is a buy without it. */
    side: columnRef.optional(),
    id: columnRef.optional(),
  }),
  z.object({
    kind: z.literal('candles'),
    timeframe: timeframeSchema,
    ts: columnRef,
    open: columnRef,
    high: columnRef,
    low: columnRef,
    close: columnRef,
    volume: columnRef,
  }),
]);
export type ColumnMapping = z.infer<typeof columnMappingSchema>;

/** The first rows of a file, for the column-mapping step. */
export const importPreviewSchema = z.object({
  file: z.string(),
  format: importFormatSchema,
  header: z.array(z.string()).nullable(),
  rows: z.array(z.array(z.string())),
  /** The klines interval a Binance file name gives, if any. */
  timeframe: timeframeSchema.nullable(),
  totalRows: z.number().int().nonnegative().nullable(),
});
export type ImportPreview = z.infer<typeof importPreviewSchema>;

export const dataKindSchema = z.enum(['trades', 'book', 'candles']);
export type DataKind = z.infer<typeof dataKindSchema>;

export const timeRangeSchema = z.object({ from: timestamp, to: timestamp });

export const coverageGapSchema = z.object({
  kind: z.string(),
  from: timestamp,
  to: timestamp,
  reason: z.string(),
  /** 'ledger': the recorder knows it lost this; 'detected': nothing is stored between two recorded spans. */
  source: z.enum(['ledger', 'detected']),
});
export type CoverageGap = z.infer<typeof coverageGapSchema>;

/** What is stored for one instrument. */
export const instrumentCoverageSchema = z.object({
  instrument: z.string(),
  /** Contiguous recorded spans per kind, oldest first (a silence longer than `gapToleranceMs` splits a span). */
  ranges: z.record(dataKindSchema, z.array(timeRangeSchema)),
  gaps: z.array(coverageGapSchema),
  counts: z.object({
    trades: z.number().int().nonnegative(),
    bookDeltas: z.number().int().nonnegative(),
    bookSnapshots: z.number().int().nonnegative(),
    candles: z.record(z.string(), z.number().int().nonnegative()),
  }),
  /** Bytes on disk of this instrument's rows (its share of each table's pages). */
  bytes: z.number().int().nonnegative(),
  gapToleranceMs: z.number().int().positive(),
});
export type InstrumentCoverage = z.infer<typeof instrumentCoverageSchema>;

/** Days to keep per data kind; null keeps it forever. */
const keepDays = z.number().positive().nullable();
export const retentionSchema = z.object({
  trades: keepDays,
  bookDeltas: keepDays,
  bookSnapshots: keepDays,
  candles: z.object(
    Object.fromEntries(TIMEFRAMES.map((tf) => [tf, keepDays])) as Record<
      (typeof TIMEFRAMES)[number],
      typeof keepDays
    >,
  ),
});
export type Retention = z.infer<typeof retentionSchema>;

/** Everything a model or a strategy sees before T: the same shape live ('now') or historical. */
export const marketContextSchema = z.object({
  instrument: z.string(),
  /** The T the context is taken at (resolved from 'now'). */
  at: timestamp,
  windowMs: z.number().int().positive(),
  /** Trades with T - windowMs < ts <= T, oldest first. */
  trades: z.array(tradeSchema),
  /** The book at T; null when none is known (nothing recorded before T). */
  book: bookViewSchema.nullable(),
  /** Per timeframe: the bars overlapping the window, the last one holding only trades up to T. */
  candles: z.record(z.string(), z.array(candleSchema)),
});
export type MarketContext = z.infer<typeof marketContextSchema>;

export const contextRequestSchema = z.object({
  instrument: instrumentId,
  at: z.union([timestamp, z.literal('now')]),
  windowMs: z
    .number()
    .int()
    .positive()
    .max(31 * 24 * 3_600_000),
  timeframes: z.array(timeframeSchema).max(TIMEFRAMES.length).default([]),
  /** Most trades returned (the newest); default 10,000. */
  tradeLimit: z.number().int().positive().max(1_000_000).default(10_000),
  depth: z.number().int().min(1).max(5000).default(50),
});
export type ContextRequest = z.input<typeof contextRequestSchema>;

/** Which stored book to rebuild: at T, or right after one message of T (several can share a ms). */
export const storedBookRequestSchema = z.object({
  instrument: instrumentId,
  at: timestamp,
  /** The seq of a message stamped `at`: messages of `at` with a higher seq are left out. Default: all of them. */
  seq: z.number().int().nonnegative().optional(),
  depth: z.number().int().min(1).max(5000).default(50),
});
export type StoredBookRequest = z.input<typeof storedBookRequestSchema>;

/** The book as stored history rebuilds it (bookAt): the anchor snapshot plus the messages after it. */
export const storedBookSchema = z.object({
  instrument: z.string(),
  at: timestamp,
  /** Seq of the last message applied (the anchor's when none followed it). */
  seq: z.number().int(),
  /** When that message was received here, where recorded. */
  localTs: timestamp.nullable(),
  bids: z.array(levelSchema),
  asks: z.array(levelSchema),
  mid: z.number().nullable(),
  spread: z.number().nullable(),
  /** Time of the stored snapshot the rebuild started from. */
  anchorTs: timestamp,
  messagesApplied: z.number().int().nonnegative(),
  /** The seq of every stored message stamped exactly `at`, in order: each is a `seq` to ask for. */
  messagesAtTs: z.array(z.number().int()),
});
export type StoredBook = z.infer<typeof storedBookSchema>;

export const exportFormatSchema = z.enum(['csv', 'parquet']);

export const historyCommands = {
  'history.context': {
    summary:
      'get_inference_data: trades, book and candles in a window before T (or now), same shape live or historical.',
    request: contextRequestSchema,
    response: marketContextSchema,
  },
  'history.book': {
    summary:
      'The stored book at T, or right after message (T, seq) when several share the millisecond; null where no snapshot precedes it.',
    request: storedBookRequestSchema,
    response: storedBookSchema.nullable(),
  },
  'history.coverage': {
    summary: 'Recorded ranges, gaps, event counts and size on disk, per instrument.',
    request: z.object({
      instrument: instrumentId.optional(),
      gapToleranceMs: z.number().int().positive().default(120_000),
    }),
    response: z.array(instrumentCoverageSchema),
  },
  'history.retention.get': {
    summary: 'How many days of each data kind are kept (null: forever).',
    request: z.object({}),
    response: retentionSchema,
  },
  'history.retention.set': {
    summary: 'Changes the retention settings; the periodic retention job applies them.',
    request: retentionSchema,
    response: retentionSchema,
  },
  'history.retention.apply': {
    summary: 'Deletes now what the retention settings no longer keep, as a job.',
    request: z.object({}),
    response: jobSchema,
  },
  'history.import.preview': {
    summary: 'The detected format and first rows of a file on the host, for column mapping.',
    request: z.object({ path: z.string().min(1), rows: z.number().int().positive().max(100).default(10) }),
    response: importPreviewSchema,
  },
  'history.import': {
    summary:
      'Imports a file on the host into an instrument, streamed in a worker (checked whole first, nothing on a bad row), as a job.',
    request: z.object({
      path: z.string().min(1),
      /**
       * `<exchange>:<symbol>`; created when the workspace has no such instrument and `create` is
       * given, with its tick and lot, or with those the file implies (the finest decimal steps of
       * its prices and amounts) where a step is left out. Both can be changed later
       * (`markets.instrument.steps`).
       */
      instrument: instrumentId,
      create: z
        .object({ tickSize: z.number().positive().optional(), lotSize: z.number().positive().optional() })
        .optional(),
      format: importFormatSchema.optional(),
      mapping: columnMappingSchema.optional(),
      timeframe: timeframeSchema.optional(),
    }),
    response: jobSchema,
  },
  'history.verify': {
    summary:
      'Checks the candles of a range against its trades and repairs what differs, as a job (result: a CandleCheck).',
    request: z.object({ instrument: instrumentId, from: timestamp, to: timestamp }),
    response: jobSchema,
  },
  'history.export': {
    summary: 'Writes a range of trades or candles to a CSV or Parquet file on the host, as a job.',
    request: z.object({
      instrument: instrumentId,
      from: timestamp,
      to: timestamp,
      kind: z.enum(['trades', 'candles']),
      timeframe: timeframeSchema.default('1m'),
      format: exportFormatSchema,
      out: z.string().min(1),
    }),
    response: jobSchema,
  },
  'history.backfill': {
    summary:
      'Fetches trades, candles or (perpetuals) funding rates for a date range from an exchange (ccxt), as a job.',
    request: z.object({
      exchange: z.string().min(1),
      symbol: z.string().min(1),
      from: timestamp,
      to: timestamp,
      /** `funding`: the perpetual's funding rate history, where the exchange has it in ccxt. */
      kind: z.enum(['trades', 'candles', 'funding']),
      timeframe: timeframeSchema.default('1m'),
      /** Base URL of a Binance-protocol endpoint to use instead of the exchange's own (a simulator). */
      endpoint: z.url().optional(),
    }),
    response: jobSchema,
  },
} as const satisfies Record<string, CommandSpec>;
