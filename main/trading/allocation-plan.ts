import type { Allocation, AllocationRequest, OrderRequestWire } from '../../shared/api/domains/trading.js';
import type { Candle } from '../../shared/domain/candle.js';
import { TIMEFRAME_MS, type Timeframe } from '../../shared/domain/timeframes.js';
import {
  estimate,
  maxSharpeWeights,
  meanVarianceWeights,
  rebalancePlan,
  riskParityWeights,
} from '../../shared/trading/allocation.js';
import { alignedReturns } from './risk-report.js';

/**
 * `trading.allocation`: target weights of several instruments from their recorded candle
 * returns (the same aligned close-to-close returns as the VaR report), and the rebalance of the
 * paper positions toward them that pays for its fees.
 *
 * The rebalance horizon is `lookbackBars` periods (the weights are meant to hold until the
 * next allocation over a fresh window); its risk aversion is the request's (default 1), also
 * used by risk parity and maximum Sharpe, whose weights do not depend on it.
 */

/** Fewer aligned returns than this give a covariance too noisy to allocate on. */
export const MIN_ALLOCATION_RETURNS = 10;

export interface AllocationBook {
  readonly equity: number;
  readonly feeRate: number;
  /** Signed paper quantity of an instrument (0 when none). */
  quantity(instrument: string): number;
  /** Mark of an instrument (NaN when unknown). */
  mark(instrument: string): number;
}

export function allocate(
  request: AllocationRequest,
  candles: (instrument: string, timeframe: Timeframe, limit: number) => Candle[],
  book: AllocationBook,
): Allocation {
  const { instruments, method, timeframe, lookbackBars } = request;
  const riskAversion = request.riskAversion ?? 1;
  // One more bar than returns, and the newest (still forming) is dropped by alignedReturns.
  const returns = alignedReturns(
    instruments.map((id) => candles(id, timeframe, lookbackBars + 2)),
    TIMEFRAME_MS[timeframe],
  ).slice(-lookbackBars);
  if (returns.length < MIN_ALLOCATION_RETURNS)
    throw new RangeError(
      `only ${returns.length} aligned ${timeframe} returns recorded for ${instruments.join(', ')}; ${MIN_ALLOCATION_RETURNS} needed`,
    );
  const model = estimate(returns);
  let weights: number[];
  switch (method) {
    case 'mean-variance':
      weights = meanVarianceWeights(model, { riskAversion });
      break;
    case 'max-sharpe':
      weights = maxSharpeWeights(model);
      break;
    case 'risk-parity':
      weights = riskParityWeights(model.cov).weights;
      break;
    default:
      return method satisfies never;
  }
  const prices = instruments.map((id) => {
    const mark = book.mark(id);
    if (mark > 0) return mark;
    const last = candles(id, timeframe, 1)[0]?.close ?? Number.NaN;
    return last;
  });
  const missing = instruments.filter((_, i) => !((prices[i] ?? 0) > 0));
  if (missing.length > 0) throw new RangeError(`no price for ${missing.join(', ')}`);
  const plan = rebalancePlan({
    instruments,
    prices,
    quantities: instruments.map((id) => book.quantity(id)),
    equity: book.equity,
    targetWeights: weights,
    cov: model.cov,
    riskAversion,
    horizon: lookbackBars,
    feeRate: book.feeRate,
  });
  return {
    method,
    timeframe,
    returns: returns.length,
    weights: instruments.map((instrument, i) => ({
      instrument,
      weight: weights[i] ?? 0,
      meanReturn: model.means[i] ?? 0,
      volatility: Math.sqrt(model.cov[i]?.[i] ?? 0),
    })),
    trades: plan.trades.map((t) => ({
      ...t,
      reason: t.trade
        ? `benefit ${t.benefit.toFixed(4)} over ${lookbackBars} bars exceeds the fee ${t.fee.toFixed(4)}`
        : t.notional === 0
          ? 'already at the target'
          : `benefit ${t.benefit.toFixed(4)} does not exceed the fee ${t.fee.toFixed(4)}: skipped`,
    })),
    totalFees: plan.totalFees,
  };
}

/**
 * `trading.rebalance`: the paper market orders that carry out an allocation's traded rows.
 * Sells go first, so the cash they free is there when the buys are decided on; skipped rows
 * send nothing; a sell is reduce-only. Quantities are the plan's, not rounded to a lot: the
 * paper venue fills any size (a live rebalance would have to round them, see sizing.ts).
 */
export function rebalanceOrders(allocation: Allocation, venue: string): OrderRequestWire[] {
  const traded = allocation.trades.filter((t) => t.trade && t.quantity !== 0);
  const sells = traded.filter((t) => t.quantity < 0);
  const buys = traded.filter((t) => t.quantity > 0);
  return [...sells, ...buys].map((t) => ({
    venue,
    instrument: t.instrument,
    side: t.quantity > 0 ? 'buy' : 'sell',
    type: 'market',
    quantity: Math.abs(t.quantity),
    timeInForce: 'GTC',
    postOnly: false,
    // Long-only: a sell only ever takes a position down, never through zero.
    reduceOnly: t.quantity < 0,
  }));
}
