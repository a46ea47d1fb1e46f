import { z } from 'zod';
import { TIMEFRAMES } from '../../domain/timeframes.js';
import { riskLimitsSchema } from '../../risk/limits.js';
import { AUDIT_KINDS } from '../../trading/audit-chain.js';
import type { CommandSpec, TopicSpec } from '../spec.js';
import { strategyKindsNeeding } from '../../backtest/strategies/registry.js';
import { userStrategyKindSchema } from './backtests.js';

/**
 * Paper and live trading under the risk manager. A venue is `paper` (the paper broker filling
 * against the live book with the backtest's fill, fee and latency models) or an exchange id
 * with a live connection (ccxt). Live venues are disarmed until the user arms them with the
 * confirmation phrase `arm live trading on <exchange>`; every order, paper or live, passes the
 * risk manager in main first, and every refusal carries its reason.
 */

const timestamp = z.number().int().nonnegative();
const maybeNumber = z.number().nullable();

export const venueSchema = z.string().min(1);
export const SIDES = ['buy', 'sell'] as const;
export const ORDER_TYPES = ['market', 'limit', 'stop', 'stop-limit'] as const;

export const orderRequestSchema = z.object({
  venue: venueSchema,
  instrument: z.string().min(1),
  side: z.enum(SIDES),
  type: z.enum(ORDER_TYPES),
  quantity: z.number().positive(),
  price: z.number().positive().optional(),
  stopPrice: z.number().positive().optional(),
  timeInForce: z.enum(['GTC', 'IOC']).default('GTC'),
  postOnly: z.boolean().default(false),
  reduceOnly: z.boolean().default(false),
});
export type OrderRequestWire = z.infer<typeof orderRequestSchema>;

export const workingOrderSchema = z.object({
  venue: venueSchema,
  clientId: z.string(),
  exchangeId: z.string().nullable(),
  instrument: z.string(),
  side: z.enum(SIDES),
  type: z.enum(ORDER_TYPES),
  quantity: z.number(),
  filled: z.number(),
  price: maybeNumber,
  stopPrice: maybeNumber,
  status: z.string(),
  createdAt: timestamp,
});
export type WorkingOrderWire = z.infer<typeof workingOrderSchema>;

export const fillSchema = z.object({
  venue: venueSchema,
  clientId: z.string(),
  instrument: z.string(),
  side: z.enum(SIDES),
  price: z.number(),
  quantity: z.number(),
  fee: z.number(),
  liquidity: z.enum(['maker', 'taker']),
  ts: timestamp,
});
export type FillWire = z.infer<typeof fillSchema>;

export const positionSchema = z.object({
  venue: venueSchema,
  instrument: z.string(),
  /** Signed base quantity. */
  quantity: z.number(),
  avgEntryPrice: maybeNumber,
  mark: maybeNumber,
  unrealizedPnl: z.number(),
  realizedPnl: z.number(),
});

export const limitUsageSchema = z.object({
  /** The limit's name in riskLimitsSchema. */
  limit: z.string(),
  value: z.number(),
  boundary: z.number(),
  /** value / boundary, 0..1+ */
  usage: z.number(),
});

export const venueStateSchema = z.object({
  venue: venueSchema,
  kind: z.enum(['paper', 'live']),
  /** Paper venues are always armed; live ones only after arming. */
  armed: z.boolean(),
  /** Why the venue is disarmed, e.g. the daily-loss breaker; null when armed or never armed. */
  disarmedReason: z.string().nullable(),
  connected: z.boolean(),
  balances: z.record(z.string(), z.object({ free: z.number(), used: z.number(), total: z.number() })),
  equity: maybeNumber,
  /** The strategy the venue runs, if any. */
  strategy: z
    .object({
      kind: z.string(),
      instrument: z.string(),
      params: z.record(z.string(), z.unknown()),
      /** The ML-signal strategy's model and the last prediction it read; null for the others. */
      signal: z
        .object({
          modelId: z.number().int().positive(),
          /** Predictions received from the live model since the strategy started. */
          predictions: z.number().int().nonnegative(),
          /** The latest one the strategy can act on (market time reached its row, not stale). */
          rowTs: timestamp.nullable(),
          up: maybeNumber,
        })
        .nullable(),
    })
    .nullable(),
});

export const tradingStateSchema = z.object({
  venues: z.array(venueStateSchema),
  positions: z.array(positionSchema),
  openOrders: z.array(workingOrderSchema),
  /** Newest first. */
  fills: z.array(fillSchema),
  /**
   * Equity in quote currency over time (sampled once a second, last day): `equity` is the total
   * of every venue, `venues` each venue's own line on the same times (null before the venue had
   * an equity, e.g. a live venue not armed yet), so a venue joining shows as its own line instead
   * of a jump in the total.
   */
  pnl: z.object({
    ts: z.array(z.number()),
    equity: z.array(z.number()),
    venues: z.array(z.object({ venue: venueSchema, equity: z.array(z.number().nullable()) })),
  }),
  limits: riskLimitsSchema,
  usage: z.array(limitUsageSchema),
  /** Tripped breakers (daily loss, drawdown) with when and why; cleared by arming again. */
  breakers: z.array(z.object({ limit: z.string(), at: timestamp, reason: z.string() })),
});
export type TradingState = z.infer<typeof tradingStateSchema>;

/** One market order the panic sent to close a position, or the gate's refusal of it. */
export const flattenOrderSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    venue: venueSchema,
    instrument: z.string(),
    side: z.enum(SIDES),
    quantity: z.number().positive(),
    clientId: z.string(),
  }),
  z.object({
    ok: z.literal(false),
    venue: venueSchema,
    instrument: z.string(),
    side: z.enum(SIDES),
    quantity: z.number().positive(),
    /** The limit or check that refused, and its message. */
    limit: z.string(),
    reason: z.string(),
  }),
]);
export type FlattenOrder = z.infer<typeof flattenOrderSchema>;

export const refusalSchema = z.object({
  at: timestamp,
  venue: venueSchema,
  instrument: z.string(),
  /** The limit or check that refused, and its message naming value and boundary. */
  limit: z.string(),
  reason: z.string(),
});

export const riskReportSchema = z.object({
  confidence: z.number(),
  horizonMs: z.number(),
  /** Returns the figures come from: instrument, timeframe, count. */
  sample: z.object({ timeframe: z.string(), returns: z.number().int().nonnegative() }),
  methods: z.array(
    z.object({
      method: z.enum(['historical', 'parametric', 'monte-carlo']),
      valueAtRisk: maybeNumber,
      expectedShortfall: maybeNumber,
    }),
  ),
  stress: z.array(z.object({ scenario: z.string(), pnl: z.number() })),
});
export type RiskReport = z.infer<typeof riskReportSchema>;

export const auditEntrySchema = z.object({
  seq: z.number().int().nonnegative(),
  ts: timestamp,
  kind: z.enum(AUDIT_KINDS),
  payload: z.unknown(),
  prevHash: z.string(),
  hash: z.string(),
});

/** Position sizing of the paper strategy; `lot` is the amount step orders round down to. */
export const paperSizingSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fixed') }),
  z.object({
    kind: z.literal('fixed-fraction'),
    fraction: z.number().gt(0).max(10),
    lot: z.number().positive().default(0.0001),
  }),
  z.object({
    /** The whole equity, its taker fee paid, rounded down to the lot. */
    kind: z.literal('all-in'),
    lot: z.number().positive().default(0.0001),
  }),
  z.object({
    kind: z.literal('vol-target'),
    /** Target annualised volatility of the position (0.2 = 20%). */
    annualVol: z.number().gt(0).max(10),
    /** Recorded 1m returns the instrument's volatility is measured on. */
    lookback: z.number().int().min(10).max(5_000).default(60),
    maxLeverage: z.number().positive().max(100).default(1),
    lot: z.number().positive().default(0.0001),
  }),
  z.object({
    kind: z.literal('kelly'),
    /**
     * Capped Kelly on the ML-signal strategy's probability: f = p - (1 - p) / payoff, times
     * `scale`, floored at 0, capped at `cap`. With a stop-loss exit, f of equity is what the
     * stop may lose; without one, f of equity is the notional.
     */
    scale: z.number().gt(0).max(1).default(0.5),
    cap: z.number().gt(0).max(1).default(0.25),
    /** Win / loss ratio; default: take-profit / stop-loss when both exits are set, else 1. */
    payoff: z.number().positive().optional(),
    maxLeverage: z.number().positive().max(100).default(1),
    lot: z.number().positive().default(0.0001),
  }),
]);
export type PaperSizing = z.infer<typeof paperSizingSchema>;

const exitFraction = z.number().gt(0).lt(1).optional();
export const paperExitsSchema = z.object({
  stopLoss: exitFraction,
  takeProfit: exitFraction,
  trailing: exitFraction,
});

/** What `trading.paper.start` runs: the event-mode built-ins and the ML-signal strategy on a live model. */
export const PAPER_STRATEGY_KINDS = strategyKindsNeeding(['candles', 'book', 'model']);

export const ALLOCATION_METHODS = ['mean-variance', 'max-sharpe', 'risk-parity'] as const;

export const allocationRequestSchema = z.object({
  instruments: z.array(z.string().min(1)).min(2).max(12),
  method: z.enum(ALLOCATION_METHODS),
  timeframe: z.enum(TIMEFRAMES).default('1m'),
  /** Returns (periods) the weights are estimated on; also the rebalance horizon. */
  lookbackBars: z.number().int().min(10).max(5_000).default(500),
  /** Mean-variance risk aversion (lambda), also the rebalance rule's; default 1. */
  riskAversion: z.number().positive().optional(),
});
export type AllocationRequest = z.infer<typeof allocationRequestSchema>;

export const allocationSchema = z.object({
  method: z.enum(ALLOCATION_METHODS),
  timeframe: z.enum(TIMEFRAMES),
  /** Aligned returns the weights were estimated on. */
  returns: z.number().int().nonnegative(),
  weights: z.array(
    z.object({ instrument: z.string(), weight: z.number(), meanReturn: z.number(), volatility: z.number() }),
  ),
  /** The paper rebalance toward the weights: each instrument traded or skipped, with why. */
  trades: z.array(
    z.object({
      instrument: z.string(),
      fromWeight: z.number(),
      toWeight: z.number(),
      quantity: z.number(),
      notional: z.number(),
      fee: z.number(),
      benefit: z.number(),
      trade: z.boolean(),
      reason: z.string(),
    }),
  ),
  totalFees: z.number(),
});
export type Allocation = z.infer<typeof allocationSchema>;

/** A strategy to run, whichever the venue: what it is, its model, its sizing and exits. */
export const strategyRunSchema = z.object({
  instrument: z.string().min(1),
  /** A built-in, or a user's strategy file `user:<name>` (compiled when the strategy starts). */
  strategy: z.union([z.enum(PAPER_STRATEGY_KINDS), userStrategyKindSchema]),
  params: z.record(z.string(), z.unknown()).default({}),
  /**
   * The registered model the ML-signal strategy trades (classification, on this instrument);
   * started live if it is not running (primary, or shadow beside a running primary). Only for 'ml-signal'.
   */
  modelId: z.number().int().positive().optional(),
  /** How much the strategy trades: its own quantity (`fixed`) or a fraction of equity per unit. */
  sizing: paperSizingSchema.default({ kind: 'fixed' }),
  /** Exits on the live trades, as fractions of the entry (trailing: of the best price). */
  exits: paperExitsSchema.default({}),
});

export const tradingCommands = {
  'trading.state': {
    summary:
      'Venues (armed or not), balances, positions, open orders, recent fills, PnL curve, limits and their usage.',
    request: z.object({}),
    response: tradingStateSchema,
  },
  'trading.paper.start': {
    summary:
      'Runs a built-in strategy, or the ML-signal strategy on a live model, on an instrument through the paper broker.',
    request: strategyRunSchema.extend({
      fees: z.object({ maker: z.number(), taker: z.number() }).default({ maker: 0.0002, taker: 0.001 }),
      latencyMs: z
        .object({ submit: z.number().min(0), cancel: z.number().min(0) })
        .default({ submit: 0, cancel: 0 }),
    }),
    response: tradingStateSchema,
  },
  'trading.paper.stop': {
    summary: 'Stops the paper strategy (open orders are cancelled, the position is kept).',
    request: z.object({}),
    response: tradingStateSchema,
  },
  'trading.live.start': {
    summary:
      'Runs a strategy on an armed live venue: the same strategy, sizing and exits as on paper, its orders through the live broker and the risk manager.',
    request: strategyRunSchema.extend({ venue: venueSchema }),
    response: tradingStateSchema,
  },
  'trading.live.stop': {
    summary: "Stops a live venue's strategy and cancels its working orders (the position stays).",
    request: z.object({ venue: venueSchema }),
    response: tradingStateSchema,
  },
  'trading.paper.reset': {
    summary: 'Resets the paper account: no position, no orders, this much cash.',
    request: z.object({ initialCash: z.number().positive().default(100_000) }),
    response: tradingStateSchema,
  },
  'trading.order': {
    summary: 'Places a manual order on a venue, through the risk manager.',
    request: orderRequestSchema,
    response: z.discriminatedUnion('ok', [
      z.object({ ok: z.literal(true), clientId: z.string() }),
      z.object({ ok: z.literal(false), limit: z.string(), reason: z.string() }),
    ]),
  },
  'trading.cancel': {
    summary: 'Cancels one order by client id.',
    request: z.object({ venue: venueSchema, clientId: z.string().min(1) }),
    response: z.object({ cancelled: z.boolean() }),
  },
  'trading.limits.set': {
    summary: 'Replaces the risk limits (an empty limit is no limit); logged in the audit trail.',
    request: riskLimitsSchema,
    response: tradingStateSchema,
  },
  'trading.arm': {
    summary: 'Arms live trading on an exchange; `phrase` must be exactly "arm live trading on <exchange>".',
    request: z.object({ venue: venueSchema, phrase: z.string() }),
    response: tradingStateSchema,
  },
  'trading.disarm': {
    summary: 'Disarms a live venue (open orders stay; use panic to cancel them).',
    request: z.object({ venue: venueSchema }),
    response: tradingStateSchema,
  },
  'trading.panic': {
    summary:
      'Cancels every open order on every venue, stops the strategies and disarms every live venue; with `flatten`, also closes every position at market through the risk manager.',
    request: z.object({ flatten: z.boolean().default(false) }),
    response: tradingStateSchema.extend({ flattened: z.array(flattenOrderSchema) }),
  },
  'trading.allocation': {
    summary:
      'Weights of several instruments (mean-variance, max Sharpe, risk parity) from recorded returns, and the fee-aware paper rebalance.',
    request: allocationRequestSchema,
    response: allocationSchema,
  },
  'trading.risk': {
    summary:
      'VaR and expected shortfall (historical, parametric, Monte Carlo) of the current positions, and stress scenarios.',
    request: z.object({
      confidence: z.number().gt(0.5).lt(1).default(0.99),
      horizonMs: z.number().int().positive().default(86_400_000),
      gap: z.number().gt(0).lt(1).default(0.1),
      spreadFactor: z.number().min(1).default(5),
      liquidityRemaining: z.number().gt(0).max(1).default(0.2),
    }),
    response: riskReportSchema,
  },
  'trading.refusals': {
    summary: 'Recent refusals with the limit and the reason, newest first.',
    request: z.object({ limit: z.number().int().positive().max(10_000).default(200) }),
    response: z.array(refusalSchema),
  },
  'trading.audit.list': {
    summary: 'Audit entries, newest first, optionally of one kind.',
    request: z.object({
      limit: z.number().int().positive().max(10_000).default(500),
      kind: z.enum(AUDIT_KINDS).optional(),
    }),
    response: z.array(auditEntrySchema),
  },
  'trading.audit.verify': {
    summary: 'Re-hashes the whole chain; names the first broken entry and why.',
    request: z.object({}),
    response: z.object({
      ok: z.boolean(),
      entries: z.number().int().nonnegative(),
      brokenAt: z.number().int().nonnegative().nullable(),
      reason: z.string().nullable(),
    }),
  },
  'trading.audit.export': {
    summary: 'Writes the audit log as CSV into <data folder>/exports and returns it.',
    request: z.object({}),
    response: z.object({ fileName: z.string(), path: z.string(), content: z.string() }),
  },
  'trading.rebalance': {
    summary:
      'Recomputes trading.allocation and sends each traded row as a paper market order through the risk manager.',
    request: allocationRequestSchema,
    response: allocationSchema.extend({
      /** The plan's traded rows in the order sent (sells first): the paper client id, or the refusal. */
      orders: z.array(
        z.discriminatedUnion('ok', [
          z.object({
            ok: z.literal(true),
            instrument: z.string(),
            side: z.enum(SIDES),
            quantity: z.number(),
            clientId: z.string(),
          }),
          z.object({
            ok: z.literal(false),
            instrument: z.string(),
            side: z.enum(SIDES),
            quantity: z.number(),
            limit: z.string(),
            reason: z.string(),
          }),
        ]),
      ),
    }),
  },
} as const satisfies Record<string, CommandSpec>;

export const tradingTopics = {
  'trading.state': {
    summary: 'The trading state, on every change and at most 4 times a second.',
    params: z.object({}),
    payload: tradingStateSchema,
  },
  'trading.events': {
    summary: 'Fills, refusals and breaker trips as they happen (what desktop notifications show).',
    params: z.object({}),
    payload: z.discriminatedUnion('type', [
      z.object({ type: z.literal('fill'), fill: fillSchema }),
      z.object({ type: z.literal('refusal'), refusal: refusalSchema }),
      z.object({
        type: z.literal('breaker'),
        venue: venueSchema,
        limit: z.string(),
        reason: z.string(),
        at: timestamp,
      }),
    ]),
  },
} as const satisfies Record<string, TopicSpec>;
