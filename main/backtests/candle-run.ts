import type { RoundTrip } from '../../shared/backtest/accounting.js';
import { CandleBacktest, type BacktestResult, type CandleSeries } from '../../shared/backtest/engine.js';
import { sharpeEstimate, type SharpeEstimate } from '../../shared/backtest/honesty.js';
import { periodReturns, resultMetrics, type Metrics } from '../../shared/backtest/metrics.js';
import type { Candle } from '../../shared/domain/candle.js';
import { TIMEFRAME_MS, type Timeframe } from '../../shared/domain/timeframes.js';
import type { MarketStore } from '../storage/market-store.js';
import { candleStrategy, type CandleStrategyKind } from './param-grid.js';

/** Costs and accounting of a candle-mode run: plain data, stored beside the parameters. */
export interface CandleRunCosts {
  readonly initialCash: number;
  readonly fees: { readonly maker: number; readonly taker: number };
  readonly slippageBps: number;
  readonly candleFill: 'open' | 'close';
  /** Annual, simple. */
  readonly riskFreeRate: number;
}

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

export function seriesFromCandles(candles: readonly Candle[], barMs: number): CandleSeries {
  const length = candles.length;
  const series = {
    length,
    barMs,
    openTime: new Float64Array(length),
    open: new Float64Array(length),
    high: new Float64Array(length),
    low: new Float64Array(length),
    close: new Float64Array(length),
    volume: new Float64Array(length),
  };
  candles.forEach((c, i) => {
    series.openTime[i] = c.openTime;
    series.open[i] = c.open;
    series.high[i] = c.high;
    series.low[i] = c.low;
    series.close[i] = c.close;
    series.volume[i] = c.volume;
  });
  return series;
}

/** The stored bars of a range as columns. */
export function readSeries(store: MarketStore, range: CandleRange): CandleSeries {
  const barMs = TIMEFRAME_MS[range.timeframe];
  const limit = Math.max(1, Math.ceil((range.to - range.from) / barMs));
  const candles = store
    .candles(range.instrument, range.timeframe, limit, range.to - 1)
    .filter((c) => c.openTime >= range.from);
  return seriesFromCandles(candles, barMs);
}

export interface CandleRunOutcome {
  readonly result: BacktestResult;
  readonly metrics: Metrics;
  readonly estimate: SharpeEstimate;
}

/** One configuration over the series: the engine, its metrics and its per-period Sharpe estimate. */
export function runCandleConfiguration(
  series: CandleSeries,
  kind: CandleStrategyKind,
  params: unknown,
  costs: CandleRunCosts,
  timeframe: Timeframe,
): CandleRunOutcome {
  const definition = candleStrategy(kind);
  const strategy = definition.create(definition.params.parse(params));
  const result = new CandleBacktest({
    strategy,
    initialCash: costs.initialCash,
    fees: costs.fees,
    slippageBps: costs.slippageBps,
    candleFill: costs.candleFill,
    log: 'trades',
  }).run(series);
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
