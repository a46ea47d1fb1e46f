import { z } from 'zod';
import {
  bookFeaturesSchema,
  bookViewSchema,
  candleSchema,
  instrumentSchema,
  signalSchema,
  timeframeSchema,
  tradeSchema,
} from '../schemas.js';
import type { CommandSpec, TopicSpec } from '../spec.js';

const instrumentParams = z.object({ instrument: z.string().min(1) });
const limit = z.number().int().positive().max(10_000);

/** Lines drawn over the price: each one's values come from the feature catalogue. */
export const CHART_OVERLAYS = ['sma', 'ema', 'bollinger', 'vwap'] as const;
/** Panes under the price, each on its own axis. */
export const CHART_PANES = ['volume', 'rsi', 'macd'] as const;
export type ChartOverlay = (typeof CHART_OVERLAYS)[number];
export type ChartPane = (typeof CHART_PANES)[number];

/** What a trader chose to draw on one instrument's price chart (kept per instrument). */
export const chartStudiesSchema = z.object({
  overlays: z.array(z.enum(CHART_OVERLAYS)),
  panes: z.array(z.enum(CHART_PANES)),
});
export type ChartStudies = z.infer<typeof chartStudiesSchema>;

/** Live and recorded market data: instruments, books, trades, candles, signals. */
export const marketCommands = {
  'markets.list': {
    summary: 'Instruments the App streams or has recorded.',
    request: z.object({}),
    response: z.array(instrumentSchema),
  },
  'markets.book': {
    summary: 'The current top of the book, `depth` levels a side.',
    request: instrumentParams.extend({ depth: z.number().int().min(1).max(500) }),
    response: bookViewSchema,
  },
  'markets.trades': {
    summary: 'The most recent recorded trades, newest last.',
    request: instrumentParams.extend({ limit }),
    response: z.array(tradeSchema),
  },
  'markets.candles': {
    summary: 'Recorded candles of one timeframe, oldest first, at most `limit` ending at `to`.',
    request: instrumentParams.extend({
      timeframe: timeframeSchema,
      limit,
      to: z.number().int().nonnegative().optional(),
    }),
    response: z.array(candleSchema),
  },
  'markets.chart.get': {
    summary: "The overlays and panes chosen for an instrument's chart (volume only until chosen).",
    request: instrumentParams,
    response: chartStudiesSchema,
  },
  'markets.chart.set': {
    summary: "Saves the overlays and panes of an instrument's chart; they come back after a restart.",
    request: instrumentParams.extend({ studies: chartStudiesSchema }),
    response: chartStudiesSchema,
  },
  'markets.instrument.steps': {
    summary:
      "Changes an instrument's tick and lot size (prices are then shown to the tick); stored data is kept as is.",
    request: instrumentParams.extend({
      tickSize: z.number().min(1e-12),
      lotSize: z.number().min(1e-12),
    }),
    response: instrumentSchema,
  },
  'signals.recent': {
    summary: 'The most recent signals, newest last.',
    request: instrumentParams.extend({ limit }),
    response: z.array(signalSchema),
  },
} as const satisfies Record<string, CommandSpec>;

export const marketTopics = {
  book: {
    summary: 'Top of the book, at most 30 updates a second.',
    params: instrumentParams.extend({ depth: z.number().int().min(1).max(500) }),
    payload: bookViewSchema,
  },
  trades: {
    summary: 'New trades, batched (at most 10 batches a second).',
    params: instrumentParams,
    payload: z.array(tradeSchema),
  },
  candles: {
    summary: 'The bar being built (and any bar just closed), at most 4 updates a second.',
    params: instrumentParams.extend({ timeframe: timeframeSchema }),
    payload: z.array(candleSchema),
  },
  signals: {
    summary: 'Signals as the feature worker emits them.',
    params: instrumentParams,
    payload: signalSchema,
  },
  features: {
    summary: 'Live feature values, at most 4 updates a second.',
    params: instrumentParams,
    payload: bookFeaturesSchema,
  },
} as const satisfies Record<string, TopicSpec>;
