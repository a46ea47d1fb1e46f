import type { z } from 'zod';
import { ApiError } from '../../shared/api/protocol.js';
import type { tradingCommands } from '../../shared/api/domains/trading.js';
import type { Candle } from '../../shared/domain/candle.js';
import type { Level } from '../../shared/domain/market.js';
import type { Timeframe } from '../../shared/domain/timeframes.js';
import type { RiskState } from '../../shared/risk/gate.js';
import type { AuditKind } from '../../shared/trading/audit-chain.js';
import { allocate, rebalanceOrders } from './allocation-plan.js';
import { DEFAULT_PAPER_COSTS, PAPER_VENUE } from './paper-desks.js';
import type { PaperVenue } from './paper-venue.js';
import { riskReport, type HeldPosition } from './risk-report.js';

type Commands = typeof tradingCommands;
type Response<K extends keyof Commands> = z.input<Commands[K]['response']>;
type Request<K extends keyof Commands> = z.output<Commands[K]['request']>;

export interface PortfolioOptions {
  readonly paper: PaperVenue;
  /** The workspace's book as the gate sees it (every venue). */
  readonly workspaceBook: () => Omit<RiskState, 'ts'>;
  readonly candles: (instrument: string, timeframe: Timeframe, limit: number) => Candle[];
  readonly book: (instrument: string) => { bids: readonly Level[]; asks: readonly Level[] } | null;
  readonly knownInstrument: (instrument: string) => void;
  readonly record: (ts: number, kind: AuditKind, payload: unknown) => void;
  readonly clock: () => number;
  /** Sends one order as `trading.order` does (the gate decides it). */
  readonly order: (request: Request<'trading.order'>) => Promise<Response<'trading.order'>>;
}

/** The portfolio commands: allocation weights, the paper rebalance toward them, VaR and stress. */
export function portfolioCommands(options: PortfolioOptions) {
  const { paper } = options;
  const allocation = (request: Request<'trading.allocation'>): Response<'trading.allocation'> => {
    for (const instrument of request.instruments) options.knownInstrument(instrument);
    const held = new Map<string, number>();
    for (const p of paper.heldPositions()) held.set(p.instrument, (held.get(p.instrument) ?? 0) + p.quantity);
    try {
      return allocate(request, options.candles, {
        equity: paper.equity(),
        feeRate: DEFAULT_PAPER_COSTS.fees.taker,
        quantity: (instrument) => held.get(instrument) ?? 0,
        mark: (instrument) => paper.markOf(instrument, paper.engineMark(instrument)),
      });
    } catch (error) {
      if (error instanceof RangeError) throw new ApiError('bad_request', error.message);
      throw error;
    }
  };
  return {
    'trading.allocation': allocation,
    'trading.rebalance': async (
      request: Request<'trading.rebalance'>,
    ): Promise<Response<'trading.rebalance'>> => {
      // The plan is recomputed here: a plan from the renderer could be stale or made up.
      const plan = allocation(request);
      options.record(options.clock(), 'decision', {
        venue: PAPER_VENUE,
        action: 'rebalance',
        method: plan.method,
        timeframe: plan.timeframe,
        lookbackBars: request.lookbackBars,
        riskAversion: request.riskAversion ?? 1,
        returns: plan.returns,
        weights: plan.weights,
        trades: plan.trades,
        totalFees: plan.totalFees,
      });
      const orders = [];
      // Each order as a manual paper order: the gate decides it, a refusal comes back with why.
      for (const order of rebalanceOrders(plan, PAPER_VENUE)) {
        const { instrument, side, quantity } = order;
        orders.push({ instrument, side, quantity, ...(await options.order(order)) });
      }
      return { ...plan, orders };
    },
    'trading.risk': (request: Request<'trading.risk'>): Response<'trading.risk'> => {
      const held: HeldPosition[] = [];
      const byInstrument = new Map<string, number>();
      const marks = new Map<string, number>();
      for (const p of options.workspaceBook().positions) {
        byInstrument.set(p.instrument, (byInstrument.get(p.instrument) ?? 0) + p.quantity);
        marks.set(p.instrument, paper.markOf(p.instrument, p.mark));
      }
      for (const [instrument, quantity] of byInstrument) {
        const mark = marks.get(instrument) ?? Number.NaN;
        if (quantity === 0 || !(mark > 0)) continue;
        const book = options.book(instrument);
        held.push({ instrument, quantity, mark, bids: book?.bids ?? [], asks: book?.asks ?? [] });
      }
      return riskReport(held, request, options.candles);
    },
  };
}
