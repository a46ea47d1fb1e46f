import { z } from 'zod';
import { TIMEFRAMES } from '../domain/timeframes.js';

/** zod schemas for the domain types that cross a process boundary. */

export const timeframeSchema = z.enum(TIMEFRAMES);

const price = z.number().positive();
const size = z.number().nonnegative();
const timestamp = z.number().int().nonnegative();

export const levelSchema = z.tuple([price, size]).readonly();

export const instrumentSchema = z.object({
  id: z.string().min(1),
  exchange: z.string().min(1),
  symbol: z.string().min(1),
  base: z.string().min(1),
  quote: z.string().min(1),
  tickSize: z.number().positive(),
  lotSize: z.number().positive(),
});

export const tradeSchema = z.object({
  instrument: z.string(),
  ts: timestamp,
  seq: z.number().int().nonnegative(),
  id: z.string(),
  price,
  amount: z.number().positive(),
  side: z.enum(['buy', 'sell']),
});

export const candleSchema = z.object({
  instrument: z.string(),
  timeframe: timeframeSchema,
  openTime: timestamp,
  open: price,
  high: price,
  low: price,
  close: price,
  volume: size,
  quoteVolume: size,
  trades: z.number().int().nonnegative(),
});

export const signalSchema = z.object({
  instrument: z.string(),
  ts: timestamp,
  source: z.string(),
  direction: z.enum(['long', 'short', 'flat']),
  strength: z.number().min(-1).max(1),
  price,
});

export const bookFeaturesSchema = z.object({
  instrument: z.string(),
  ts: timestamp,
  imbalance: z.number().nullable(),
  spread: z.number().nullable(),
  spreadBps: z.number().nullable(),
  mid: z.number().nullable(),
  microprice: z.number().nullable(),
  vwap1m: z.number().nullable(),
});

/** The top of one instrument's book as the ladder and depth chart draw it. */
export const bookViewSchema = z.object({
  instrument: z.string(),
  ts: timestamp,
  bids: z.array(levelSchema),
  asks: z.array(levelSchema),
  mid: z.number().nullable(),
  spread: z.number().nullable(),
});
export type BookView = z.infer<typeof bookViewSchema>;

export const connectionStateSchema = z.enum(['starting', 'live', 'reconnecting', 'stopped']);
export type ConnectionState = z.infer<typeof connectionStateSchema>;

/** Health of one exchange subscription (exchange, symbol): its trade, book and candle streams. */
export const streamStatusSchema = z.object({
  exchange: z.string(),
  symbol: z.string(),
  instrument: z.string(),
  /** The worst of its streams: reconnecting if any is, live when all are. */
  state: connectionStateSchema,
  /** Each stream's own state. */
  streams: z.object({
    trades: connectionStateSchema,
    book: connectionStateSchema,
    candles: connectionStateSchema,
  }),
  lastEventTs: timestamp.nullable(),
  reconnects: z.number().int().nonnegative(),
  sequenceGaps: z.number().int().nonnegative(),
  backfilledTrades: z.number().int().nonnegative(),
  /** Intervals written to the gap ledger by this subscription. */
  gaps: z.number().int().nonnegative(),
  /** Closed exchange candles compared with ours, and how many differed (details in the log). */
  candlesChecked: z.number().int().nonnegative(),
  candleMismatches: z.number().int().nonnegative(),
  restRetries: z.number().int().nonnegative(),
  lastError: z.string().nullable(),
});
export type StreamStatus = z.infer<typeof streamStatusSchema>;

/** Health of the live path, shown in the status bar. */
/** Space on the filesystem holding the workspace, and the free space the window warns below. */
export const diskSpaceSchema = z.object({
  freeBytes: z.number().nonnegative(),
  totalBytes: z.number().nonnegative(),
  /** The warning threshold (storage settings). */
  lowBytes: z.number().nonnegative(),
  /** freeBytes < lowBytes: recording may soon fail for want of space. */
  low: z.boolean(),
});
export type DiskSpace = z.infer<typeof diskSpaceSchema>;

export const statusSchema = z.object({
  source: z.string(),
  connection: connectionStateSchema,
  eventsPerSecond: z.number().nonnegative(),
  eventsTotal: z.number().int().nonnegative(),
  recordedTrades: z.number().int().nonnegative(),
  rejected: z.record(z.string(), z.number().int().nonnegative()),
  dataDir: z.string(),
  databaseBytes: z.number().int().nonnegative(),
  /** What is wrong right now (a failing worker, a storage error), in words for the status bar. */
  problems: z.array(z.string()),
  /** Exchange subscriptions; absent from Apps older than exchange connections. */
  connections: z.array(streamStatusSchema).default([]),
  /** Free space where the workspace lives; null where the filesystem cannot say (or older Apps). */
  disk: diskSpaceSchema.nullable().default(null),
});
export type Status = z.infer<typeof statusSchema>;

export const appInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  dataDir: z.string(),
  transport: z.enum(['ipc', 'websocket', 'memory']),
  source: z.string(),
  startedAt: timestamp,
});
export type AppInfo = z.infer<typeof appInfoSchema>;
