import type { RoundTrip } from '../../shared/backtest/accounting.js';
import type { EquityCurve } from '../../shared/backtest/engine.js';
import {
  deflatedSharpeRatio,
  sharpeEstimate,
  walkForwardSplits,
  type WalkForwardSplit,
} from '../../shared/backtest/honesty.js';
import { computeMetrics, mean, periodReturns, type Metrics } from '../../shared/backtest/metrics.js';
import { periodsPerYear, type CandleRange } from './candle-run.js';
import type { BacktestHonesty } from '../../shared/api/domains/backtests.js';
import { readHonesty, runSingle, runSweep, type BacktestPoolOptions, type SweepSpec } from './sweep-pool.js';

export interface WalkForwardSpec extends Omit<SweepSpec, 'range'> {
  readonly range: CandleRange;
  /** Open times of the bars of the range, ascending: the folds are cut in bars. */
  readonly barOpenTimes: Float64Array;
  readonly trainBars: number;
  readonly testBars: number;
  readonly anchored: boolean;
}

export interface WalkForwardFold {
  readonly trainFrom: number;
  readonly trainTo: number;
  readonly testFrom: number;
  readonly testTo: number;
  /** Null when every configuration was ruined in-sample: the fold's test then stays flat. */
  readonly bestIndex: number | null;
  readonly bestParams: Record<string, unknown>;
  /** Annualised in-sample Sharpe of the chosen configuration (NaN when undefined). */
  readonly inSampleSharpe: number;
  /** Variance of the per-period Sharpe estimates across the configurations of this fold's search. */
  readonly sharpeVariance: number;
  readonly outOfSample: Metrics;
}

export interface WalkForwardOutcome {
  readonly trials: number;
  readonly folds: readonly WalkForwardFold[];
  /** The out-of-sample test curves stitched end to end (each fold continues the previous equity). */
  readonly curve: EquityCurve;
  readonly trips: readonly RoundTrip[];
  readonly outOfSample: Metrics;
  /** Mean in-sample Sharpe over the folds minus the out-of-sample Sharpe (both annualised). */
  readonly sharpeDecay: number;
  /** DSR of the stitched out-of-sample returns over `trials` configurations tried per fold. */
  readonly deflatedSharpe: number;
  /** The stitched curve's and trips' honesty reading, computed in a backtest worker. */
  readonly honesty: BacktestHonesty;
}

/** Work units of a walk-forward job: each fold sweeps every configuration, then runs one test. */
export function walkForwardUnits(folds: number, configurations: number): number {
  return folds * (configurations + 1);
}

/** The folds of a range in bars (shared walkForwardSplits), as [from, to) times. */
export function walkForwardWindows(
  spec: Pick<WalkForwardSpec, 'range' | 'barOpenTimes' | 'trainBars' | 'testBars' | 'anchored'>,
): { split: WalkForwardSplit; train: CandleRange; test: CandleRange }[] {
  const times = spec.barOpenTimes;
  const at = (index: number): number =>
    index < times.length ? (times[index] ?? spec.range.to) : spec.range.to;
  return walkForwardSplits({
    length: times.length,
    train: spec.trainBars,
    test: spec.testBars,
    anchored: spec.anchored,
  }).map((split) => ({
    split,
    train: { ...spec.range, from: at(split.trainStart), to: at(split.trainEnd) },
    test: { ...spec.range, from: at(split.testStart), to: at(split.testEnd) },
  }));
}

/**
 * Walk-forward evaluation in the worker pool: per fold, the grid is swept over the train window,
 * the configuration with the best in-sample Sharpe is run over the test window (starting flat
 * and cold: its indicators warm up inside the test window, as they would going live), and the
 * test curves are stitched. Only out-of-sample results reach the stitched curve, its metrics and
 * its DSR, which counts every configuration tried per fold.
 */
export async function runWalkForward(
  spec: WalkForwardSpec,
  options: BacktestPoolOptions,
): Promise<WalkForwardOutcome> {
  const windows = walkForwardWindows(spec);
  if (windows.length === 0)
    throw new RangeError(
      `${spec.barOpenTimes.length} bars hold no fold of ${spec.trainBars} train + ${spec.testBars} test bars`,
    );
  const n = spec.configurations.length;
  const total = walkForwardUnits(windows.length, n);
  const perYear = periodsPerYear(spec.range.timeframe);
  const initialCash = spec.costs.initialCash;
  const folds: WalkForwardFold[] = [];
  const ts: number[] = [];
  const equity: number[] = [];
  const position: number[] = [];
  const trips: RoundTrip[] = [];
  let feesPaid = 0;
  let tradedNotional = 0;
  let carried = initialCash;
  let unitsBefore = 0;
  let ruined = false;
  const counts = { reducedOrders: 0, refusedOrders: 0, liquidations: 0, fundingPaid: 0 };

  for (const { train, test } of windows) {
    if (ruined) break; // nothing is left to trade with
    const progress = (done: number): void => options.onProgress?.(unitsBefore + done, total);
    const sweep = await runSweep(
      { ...spec, range: train },
      {
        ...options,
        onProgress: (done) => {
          progress(done);
        },
      },
    );
    if (sweep.best === null) {
      // Every configuration was ruined in-sample (or had no Sharpe): none is chosen, the fold
      // stays flat at the equity carried in.
      progress(n + 1);
      unitsBefore += n + 1;
      const flat = { ts: [test.from, test.to], equity: [carried, carried] };
      ts.push(test.from, test.to);
      equity.push(carried, carried);
      position.push(0, 0);
      folds.push({
        trainFrom: train.from,
        trainTo: train.to,
        testFrom: test.from,
        testTo: test.to,
        bestIndex: null,
        bestParams: {},
        inSampleSharpe: Number.NaN,
        sharpeVariance: sweep.sharpeVariance,
        outOfSample: computeMetrics(
          {
            ts: Float64Array.from(flat.ts),
            equity: Float64Array.from(flat.equity),
            position: new Float64Array(2),
            trips: [],
            feesPaid: 0,
            tradedNotional: 0,
          },
          { periodsPerYear: perYear, riskFreeRate: spec.costs.riskFreeRate },
        ),
      });
      continue;
    }
    const bestIndex = sweep.best;
    const bestRow = sweep.rows[bestIndex];
    const bestParams = spec.configurations[bestIndex] ?? {};
    const outcome = await runSingle(
      { ...spec, range: test, params: bestParams },
      {
        ...options,
        onProgress: (done) => {
          progress(n + done);
        },
      },
    );
    unitsBefore += n + 1;

    // The fold starts from the equity the previous fold ended on: its PnL is added to it.
    const offset = carried - initialCash;
    for (let i = 0; i < outcome.curve.ts.length; i++) {
      const value = (outcome.curve.equity[i] ?? Number.NaN) + offset;
      ts.push(outcome.curve.ts[i] ?? Number.NaN);
      position.push(outcome.curve.position[i] ?? 0);
      // The stitched account is ruined where it reaches zero, whatever the fold alone shows.
      if (!(value > 0)) {
        equity.push(0);
        ruined = true;
        break;
      }
      equity.push(value);
    }
    if (outcome.metrics.ruined > 0) ruined = true;
    counts.reducedOrders += outcome.metrics.reducedOrders;
    counts.refusedOrders += outcome.metrics.refusedOrders;
    counts.liquidations += outcome.metrics.liquidations;
    counts.fundingPaid += outcome.metrics.fundingPaid;
    carried = equity.at(-1) ?? carried;
    trips.push(...outcome.trips);
    feesPaid += outcome.metrics.feesPaid;
    // turnover = traded notional / mean equity of the fold (metrics.ts): undone exactly here.
    const turnover = outcome.metrics.turnover;
    if (Number.isFinite(turnover)) tradedNotional += turnover * mean(outcome.curve.equity);
    folds.push({
      trainFrom: train.from,
      trainTo: train.to,
      testFrom: test.from,
      testTo: test.to,
      bestIndex,
      bestParams,
      inSampleSharpe: bestRow === undefined ? Number.NaN : bestRow.metrics.sharpe,
      sharpeVariance: sweep.sharpeVariance,
      outOfSample: outcome.metrics,
    });
  }

  const curve: EquityCurve = {
    ts: Float64Array.from(ts),
    equity: Float64Array.from(equity),
    position: Float64Array.from(position),
  };
  const riskFreeRate = spec.costs.riskFreeRate;
  const outOfSample = computeMetrics(
    { ...curve, trips, feesPaid, tradedNotional, accounting: { ruined, ...counts } },
    { periodsPerYear: perYear, riskFreeRate },
  );
  const inSample = folds.map((f) => f.inSampleSharpe).filter((s) => Number.isFinite(s));
  const sharpeDecay = inSample.length > 0 ? mean(inSample) - outOfSample.sharpe : Number.NaN;
  // The variance of the Sharpe ratios a search of this grid produces: the per-fold variances
  // of the in-sample sweeps, averaged (each fold searched the same grid on its own data).
  const variances = folds.map((f) => f.sharpeVariance).filter((v) => Number.isFinite(v));
  const estimate = sharpeEstimate(periodReturns(curve.equity), riskFreeRate / perYear);
  const deflatedSharpe =
    variances.length > 0 ? deflatedSharpeRatio(estimate, Math.max(1, n), mean(variances)) : Number.NaN;
  const honesty = await readHonesty(
    curve,
    trips,
    { periodsPerYear: perYear, riskFreeRate, initialCash },
    options,
  );
  return { trials: n, folds, curve, trips, outOfSample, sharpeDecay, deflatedSharpe, honesty };
}
