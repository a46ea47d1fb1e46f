import { z } from 'zod';
import {
  appInfoSchema,
  bookFeaturesSchema,
  bookViewSchema,
  candleSchema,
  instrumentSchema,
  signalSchema,
  statusSchema,
  timeframeSchema,
  tradeSchema,
} from './schemas.js';

/**
 * The one API of the App. Commands are request -> response; topics are streams.
 * Every transport (Electron IPC, WebSocket, in-memory) carries exactly this contract,
 * and both ends parse with these schemas: nothing crosses a process boundary unparsed.
 */

interface CommandSpec {
  readonly summary: string;
  readonly request: z.ZodType;
  readonly response: z.ZodType;
}

interface TopicSpec {
  readonly summary: string;
  readonly params: z.ZodType;
  readonly payload: z.ZodType;
}

const instrumentParams = z.object({ instrument: z.string().min(1) });
const limit = z.number().int().positive().max(10_000);

export const commands = {
  'app.info': {
    summary: 'Name, version, data folder and market source of the running App.',
    request: z.object({}),
    response: appInfoSchema,
  },
  'app.status': {
    summary: 'Health of the live path: connection, events/s, recorded and rejected counts.',
    request: z.object({}),
    response: statusSchema,
  },
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
  'signals.recent': {
    summary: 'The most recent signals, newest last.',
    request: instrumentParams.extend({ limit }),
    response: z.array(signalSchema),
  },
} as const satisfies Record<string, CommandSpec>;

export const topics = {
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
  status: {
    summary: 'Live-path health, once a second.',
    params: z.object({}),
    payload: statusSchema,
  },
} as const satisfies Record<string, TopicSpec>;

export type Commands = typeof commands;
export type Topics = typeof topics;
export type CommandName = keyof Commands;
export type TopicName = keyof Topics;
export type CommandRequest<K extends CommandName> = z.input<Commands[K]['request']>;
export type CommandResponse<K extends CommandName> = z.output<Commands[K]['response']>;
export type TopicParams<K extends TopicName> = z.input<Topics[K]['params']>;
export type TopicPayload<K extends TopicName> = z.output<Topics[K]['payload']>;

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(commands, name);
}

export function isTopicName(name: string): name is TopicName {
  return Object.hasOwn(topics, name);
}
