import { z } from 'zod';
import type { CommandSpec, TopicSpec } from '../spec.js';

/**
 * Exchange connections: which exchanges ccxt offers, their markets, the live subscriptions,
 * API keys and the gap ledger. Keys go in and never come back out: responses say only
 * whether an exchange has keys.
 */

const exchangeId = z.string().min(1).max(64);

/** Base URLs that replace an exchange's own (a testnet, a proxy, the exchange simulator). */
export const endpointOverrideSchema = z.object({
  rest: z.url({ protocol: /^https?$/ }).optional(),
  ws: z.url({ protocol: /^wss?$/ }).optional(),
});
export type EndpointOverrideInput = z.infer<typeof endpointOverrideSchema>;

export const exchangeSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  /** Streams over WebSocket (ccxt pro); otherwise the workstation polls REST. */
  websocket: z.boolean(),
  hasKeys: z.boolean(),
});

export const marketSummarySchema = z.object({
  symbol: z.string(),
  base: z.string(),
  quote: z.string(),
  type: z.string(),
  active: z.boolean(),
  tickSize: z.number().positive(),
  lotSize: z.number().positive(),
});

export const connectionConfigSchema = z.object({
  exchange: exchangeId,
  symbols: z.array(z.string().min(1)).min(1).max(200),
  endpoint: endpointOverrideSchema.optional(),
});

export const keyStoreStateSchema = z.object({
  ready: z.boolean(),
  /** Why keys cannot be stored now, in words the user can act on. */
  reason: z.string().nullable(),
});

export const gapSchema = z.object({
  id: z.number().int(),
  instrument: z.string(),
  kind: z.string(),
  fromTs: z.number().int(),
  toTs: z.number().int(),
  reason: z.string(),
  recordedAt: z.number().int(),
});

export const exchangeCommands = {
  'exchanges.list': {
    summary: 'Exchanges ccxt supports, whether each streams over WebSocket and has saved keys.',
    request: z.object({}),
    response: z.array(exchangeSummarySchema),
  },
  'exchanges.markets': {
    summary: 'Markets of one exchange (loaded once), filtered by a search over symbol, base and quote.',
    request: z.object({
      exchange: exchangeId,
      endpoint: endpointOverrideSchema.optional(),
      query: z.string().max(64).default(''),
      limit: z.number().int().positive().max(5_000).default(200),
    }),
    response: z.object({ total: z.number().int().nonnegative(), markets: z.array(marketSummarySchema) }),
  },
  'exchanges.connections': {
    summary: 'The configured subscriptions (exchange, symbols, endpoint override).',
    request: z.object({}),
    response: z.array(connectionConfigSchema),
  },
  'exchanges.connect': {
    summary: 'Starts streaming symbols of an exchange (merged with its current ones) and saves it.',
    request: connectionConfigSchema,
    response: z.array(connectionConfigSchema),
  },
  'exchanges.disconnect': {
    summary: 'Stops some symbols of an exchange, or all of them when none are given.',
    request: z.object({ exchange: exchangeId, symbols: z.array(z.string().min(1)).optional() }),
    response: z.array(connectionConfigSchema),
  },
  'exchanges.keys.state': {
    summary: 'Whether API keys can be stored now, and if not why.',
    request: z.object({}),
    response: keyStoreStateSchema,
  },
  'exchanges.keys.unlock': {
    summary: 'Unlocks the headless key store with its passphrase (refused if it does not open the file).',
    request: z.object({ passphrase: z.string().min(1).max(1_024) }),
    response: keyStoreStateSchema,
  },
  'exchanges.keys.save': {
    summary: 'Saves API keys for an exchange, encrypted; they are never sent back.',
    request: z.object({
      exchange: exchangeId,
      apiKey: z.string().min(1).max(1_024),
      secret: z.string().min(1).max(4_096),
      password: z.string().max(1_024).optional(),
    }),
    response: z.object({ exchange: z.string(), hasKeys: z.boolean() }),
  },
  'exchanges.keys.delete': {
    summary: 'Forgets the API keys of an exchange.',
    request: z.object({ exchange: exchangeId }),
    response: z.object({ exchange: z.string(), hasKeys: z.boolean() }),
  },
  'gaps.list': {
    summary: 'Gaps in recorded data (from the gap ledger) overlapping a time range, oldest first.',
    request: z.object({
      instrument: z.string().min(1).optional(),
      from: z.number().int().nonnegative().optional(),
      to: z.number().int().nonnegative().optional(),
    }),
    response: z.array(gapSchema),
  },
} as const satisfies Record<string, CommandSpec>;

export const exchangeTopics = {} as const satisfies Record<string, TopicSpec>;
