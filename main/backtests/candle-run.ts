import type { z } from 'zod';
import type { backtestCostsSchema } from '../../shared/api/domains/backtests.js';
import type { RoundTrip } from '../../shared/backtest/accounting.js';
import {
  CandleBacktest,
  type BacktestConfig,
  type BacktestResult,
  type CandleSeries,
} from '../../shared/backtest/engine.js';
import { fundingPerBar } from '../../shared/backtest/funding.js';
import { sharpeEstimate, type SharpeEstimate } from '../../shared/backtest/honesty.js';
import { periodReturns, resultMetrics, type Metrics } from '../../shared/backtest/metrics.js';
import { TIMEFRAME_MS, type Timeframe } from '../../shared/domain/timeframes.js';
import { withBarSizing } from '../../shared/trading/sized-strategy.js';
import { FundingStore } from '../storage/funding-store.js';
import type { MarketStore } from '../storage/market-store.js';
import { definitionOf, type StrategyRef } from './param-grid.js';

/**
 * Costs, accounting and latency of a run (the contract's costs, every default filled in):
 * plain data, stored beside the parameters. Candle mode ignores the latency; event mode
 * ignores `slippageBps` and `candleFill` (its fills walk the recorded book).
 */
export type RunCosts = z.output<typeof backtestCostsSchema>;

/** Which candles: [from, to) by bar open time. */
export interface CandleRange {
  readonly instrument: string;
  readonly timeframe: Timeframe;
  readonly from: number;
  readonly to: number;
}

/** Curve intervals in a year of a market that never closes. */
export function periodsPerYear(timeframe: Timeframe): number {
  return (365 * 24 * 3600 * 1000) / TIMEFRAME_MS[timeframe];
}

/**
 * The stored bars of a range, [from, to) by open time, as the engine's columns: read straight
 * into typed arrays (MarketStore.candleColumns), no Candle object per bar. Where funding rates
 * are stored for the instrument, those of the range ride along as a rate per bar (funding.ts);
 * the engine applies them to perpetual accounts only.
 */
export function readSeries(store: MarketStore, range: CandleRange): CandleSeries {
  const columns = store.candleColumns(range.instrument, range.timeframe, range.from, range.to);
  const series = { ...columns, barMs: TIMEFRAME_MS[range.timeframe] };
  const schedule = new FundingStore(store.db).schedule(range.instrument, range.from, range.to);
  if (schedule.ts.length === 0) return series;
  const funding = fundingPerBar(series.openTime, schedule);
  return { ...series, fundingRate: funding.rate, fundingEvents: funding.events };
}

export interface RunOutcome {
  readonly result: BacktestResult;
  readonly metrics: Metrics;
  readonly estimate: SharpeEstimate;
}

/**
 * What both modes share of a run's engine config: the strategy inside its sizing (the same
 * module paper and live trading use), the account rules, fees and the lot step a size beyond
 * buying power is floored to.
 */
export function runConfig(
  strategy: StrategyRef,
  params: unknown,
  costs: RunCosts,
  barMs: number,
): Pick<BacktestConfig, 'strategy' | 'initialCash' | 'fees' | 'account' | 'lotStep'> {
  const definition = definitionOf(strategy);
  const parsed = definition.params.parse(params);
  const unit = (parsed as { quantity?: unknown }).quantity;
  const sized = withBarSizing(definition.create(parsed), costs.sizing, {
    unit: typeof unit === 'number' && unit > 0 ? unit : 1,
    lot: costs.lot,
    tick: costs.tick,
    takerFee: costs.fees.taker,
    barMs,
  });
  return {
    strategy: sized,
    initialCash: costs.initialCash,
    fees: costs.fees,
    account: costs.account,
    lotStep: costs.lot,
  };
}

/** One configuration over the series: the engine, its metrics and its per-period Sharpe estimate. */
export function runCandleConfiguration(
  series: CandleSeries,
  strategy: StrategyRef,
  params: unknown,
  costs: RunCosts,
  timeframe: Timeframe,
): RunOutcome {
  const result = new CandleBacktest({
    ...runConfig(strategy, params, costs, TIMEFRAME_MS[timeframe]),
    slippageBps: costs.slippageBps,
    candleFill: costs.candleFill,
    log: 'trades',
  }).run(series);
  return outcomeOf(result, costs, timeframe);
}

/** The metrics of a finished run and its per-period Sharpe estimate (both modes). */
export function outcomeOf(result: BacktestResult, costs: RunCosts, timeframe: Timeframe): RunOutcome {
  const perYear = periodsPerYear(timeframe);
  const metrics = resultMetrics(result, { periodsPerYear: perYear, riskFreeRate: costs.riskFreeRate });
  const estimate = sharpeEstimate(periodReturns(result.curve.equity), costs.riskFreeRate / perYear);
  return { result, metrics, estimate };
}

/** Metric names in the order they are packed into a Float64Array (the worker's wire format). */
export const METRIC_KEYS = [
  'totalReturn',
  'annualizedReturn',
  'volatility',
  'sharpe',
  'sortino',
  'calmar',
  'maxDrawdown',
  'maxDrawdownDurationMs',
  'maxDrawdownPeriods',
  'trades',
  'winRate',
  'profitFactor',
  'averageTrade',
  'averageHoldingMs',
  'turnover',
  'exposure',
  'feesPaid',
  'slippage',
  'ruined',
  'reducedOrders',
  'refusedOrders',
  'liquidations',
  'fundingPaid',
  'fundingEvents',
] as const satisfies readonly (keyof Metrics)[];

const ESTIMATE_KEYS = [
  'sharpe',
  'observations',
  'skewness',
  'kurtosis',
] as const satisfies readonly (keyof SharpeEstimate)[];

/** Metrics and Sharpe estimate packed as numbers (NaN and Infinity survive, which JSON and zod numbers would not). */
export const PACKED_WIDTH = METRIC_KEYS.length + ESTIMATE_KEYS.length;

export function packOutcome(
  metrics: Metrics,
  estimate: SharpeEstimate,
  into: Float64Array,
  offset: number,
): void {
  METRIC_KEYS.forEach((key, k) => {
    into[offset + k] = metrics[key];
  });
  ESTIMATE_KEYS.forEach((key, k) => {
    into[offset + METRIC_KEYS.length + k] = estimate[key];
  });
}

export function unpackOutcome(
  from: Float64Array,
  offset: number,
): { metrics: Metrics; estimate: SharpeEstimate } {
  const at = (k: number): number => from[offset + k] ?? Number.NaN;
  const metrics = Object.fromEntries(METRIC_KEYS.map((key, k) => [key, at(k)])) as unknown as Metrics;
  const base = METRIC_KEYS.length;
  return {
    metrics,
    estimate: {
      sharpe: at(base),
      observations: at(base + 1),
      skewness: at(base + 2),
      kurtosis: at(base + 3),
    },
  };
}

/** Round trips as rows of TRIP_WIDTH numbers (direction +1 long / -1 short first). */
export const TRIP_WIDTH = 11;

export function packTrips(trips: readonly RoundTrip[]): Float64Array<ArrayBuffer> {
  const out = new Float64Array(trips.length * TRIP_WIDTH);
  trips.forEach((t, i) => {
    out.set(
      [
        t.direction === 'long' ? 1 : -1,
        t.entryTs,
        t.exitTs,
        t.holdingMs,
        t.quantity,
        t.entryPrice,
        t.exitPrice,
        t.pnl,
        t.fees,
        t.netPnl,
        t.slippage,
      ],
      i * TRIP_WIDTH,
    );
  });
  return out;
}

export function unpackTrips(packed: Float64Array): RoundTrip[] {
  const trips: RoundTrip[] = [];
  for (let o = 0; o + TRIP_WIDTH <= packed.length; o += TRIP_WIDTH) {
    const v = (k: number): number => packed[o + k] ?? Number.NaN;
    trips.push({
      direction: v(0) > 0 ? 'long' : 'short',
      entryTs: v(1),
      exitTs: v(2),
      holdingMs: v(3),
      quantity: v(4),
      entryPrice: v(5),
      exitPrice: v(6),
      pnl: v(7),
      fees: v(8),
      netPnl: v(9),
      slippage: v(10),
    });
  }
  return trips;
}
