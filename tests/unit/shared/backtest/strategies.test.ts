import { describe, expect, it } from 'vitest';
import {
  runCandleBacktest,
  runEventBacktest,
  type CandleSeries,
} from '../../../../shared/backtest/engine.js';
import {
  bollingerReversion,
  bookImbalanceStrategy,
  dualMomentum,
  mlSignal,
  smaCrossover,
  type Predictor,
} from '../../../../shared/backtest/strategies/index.js';
import type { FeatureSource } from '../../../../shared/backtest/strategy.js';
import { createRng } from '../../../../shared/market/rng.js';
import { config, delta, snapshot } from './builders.js';

const MINUTE = 60_000;

/** One-minute bars whose open, high, low and close are all the given close (a line chart). */
function closes(values: readonly number[]): CandleSeries {
  const column = Float64Array.from(values);
  return {
    length: values.length,
    barMs: MINUTE,
    openTime: Float64Array.from(values, (_, i) => i * MINUTE),
    open: column,
    high: column,
    low: column,
    close: column,
    volume: new Float64Array(values.length).fill(1),
  };
}

function fillsOf(result: ReturnType<typeof runCandleBacktest>): (string | number)[][] {
  return result.fills.map((f) => [f.side, f.ts / MINUTE, f.price, f.quantity]);
}

describe('built-in strategies', () => {
  it('SMA crossover buys when the fast average crosses above the slow one and sells when it crosses back', () => {
    // fast 2, slow 3. Bar 2: 8.5 < 9 (the first side seen: no cross). Bar 4: (9+11)/2 = 10 >
    // 28/3 = 9.33: up-cross, buy at bar 5's open 12. Bar 7: (11+9)/2 = 10 < 32/3 = 10.67:
    // down-cross, sell at bar 8's open 8. (shared/backtest/README.md has the conventions.)
    const result = runCandleBacktest(
      config(smaCrossover.create(smaCrossover.params.parse({ fast: 2, slow: 3 }))),
      closes([10, 9, 8, 9, 11, 12, 11, 9, 8]),
    );
    expect(fillsOf(result)).toEqual([
      ['buy', 5, 12, 1],
      ['sell', 8, 8, 1],
    ]);
    // -4 gross, fees 10 bp of 12 + 8 = 0.02.
    expect(result.trips[0]?.netPnl).toBeCloseTo(-4.02, 12);
  });

  it('Bollinger reversion buys a close below the lower band and exits back at the mean', () => {
    // period 3, width 1. Bar 4: window 10, 10, 7: mean 9, std sqrt(6/3) = 1.414, z = -1.41 < -1:
    // buy at bar 5's open 9. Bar 5: window 10, 7, 9, mean 8.67, z = +0.27 >= 0: exit at bar 6's open 10.5.
    const result = runCandleBacktest(
      config(
        bollingerReversion.create(
          bollingerReversion.params.parse({ period: 3, width: 1, allowShort: false }),
        ),
      ),
      closes([10, 10, 10, 10, 7, 9, 10.5, 10]),
    );
    expect(fillsOf(result)).toEqual([
      ['buy', 5, 9, 1],
      ['sell', 6, 10.5, 1],
    ]);
  });

  it('dual momentum is long only while the trailing return beats both zero and the cash hurdle', () => {
    const series = closes([10, 11, 12, 11, 10, 9]);
    // lookback 2. Bar 2: 12/10 - 1 = +20%: buy at bar 3's open 11. Bar 3: 11/11 - 1 = 0: exit at 10.
    const plain = runCandleBacktest(
      config(dualMomentum.create(dualMomentum.params.parse({ lookback: 2 }))),
      series,
    );
    expect(fillsOf(plain)).toEqual([
      ['buy', 3, 11, 1],
      ['sell', 4, 10, 1],
    ]);
    // With cash returning 25% over the lookback, +20% is not enough.
    const hurdle = runCandleBacktest(
      config(dualMomentum.create(dualMomentum.params.parse({ lookback: 2, hurdle: 0.25 }))),
      series,
    );
    expect(hurdle.fills).toEqual([]);
  });

  it('order-book imbalance leans with the heavier side and flips when it turns', () => {
    const strategy = bookImbalanceStrategy.create(bookImbalanceStrategy.params.parse({ minIntervalMs: 0 }));
    const result = runEventBacktest(config(strategy), [
      snapshot(0, 0, [[100, 10]], [[101, 2]]), // (10 - 2) / 12 = +0.67 > 0.35: buy 1 @ 101
      delta(10, 1, 'bid', 100, 2), // (2 - 2) / 4 = 0 < exit 0.1: the long exits, sell 1 @ 100
      delta(10, 2, 'ask', 101, 10), // (2 - 10) / 12 = -0.67 < -0.35: short, sell 1 more @ 100
      delta(20, 3, 'bid', 100, 2),
    ]);
    expect(result.fills.map((f) => [f.side, f.price, f.quantity])).toEqual([
      ['buy', 101, 1],
      ['sell', 100, 1],
      ['sell', 100, 1],
    ]);
    expect(result.position).toBe(-1);
  });

  it('parses parameters with defaults and rejects inconsistent ones', () => {
    expect(bookImbalanceStrategy.params.parse({})).toEqual({
      levels: 5,
      entry: 0.35,
      exit: 0.1,
      minIntervalMs: 1000,
      quantity: 1,
      allowShort: true,
    });
    expect(bookImbalanceStrategy.params.safeParse({ entry: 0.1, exit: 0.2 }).success).toBe(false);
    expect(smaCrossover.params.safeParse({ fast: 30, slow: 10 }).success).toBe(false);
    expect(smaCrossover.params.safeParse({ fast: 2, slow: 3, extra: 1 }).success).toBe(false);
  });
});

/** A one-feature logistic regression, fitted by batch gradient descent on the log loss. */
function fitLogistic(
  x: Float64Array,
  y: Float64Array,
  iterations = 2000,
  rate = 0.5,
): { w: number; b: number } {
  let w = 0;
  let b = 0;
  const n = x.length;
  for (let step = 0; step < iterations; step++) {
    let gw = 0;
    let gb = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[i] ?? 0;
      const p = 1 / (1 + Math.exp(-(w * xi + b)));
      const error = p - (y[i] ?? 0); // d(log loss)/d(logit)
      gw += error * xi;
      gb += error;
    }
    w -= (rate * gw) / n;
    b -= (rate * gb) / n;
  }
  return { w, b };
}

describe('ML-signal strategy', () => {
  /**
   * A market with a planted signal: x_t ~ N(0, 1) is known at bar t's close and the next bar
   * returns 0.2% * x_t plus 0.05% noise. Bar t+1 opens at bar t's close.
   */
  const bars = 400;
  const rng = createRng(17);
  const signal = new Float64Array(bars);
  const open = new Float64Array(bars);
  const close = new Float64Array(bars);
  let price = 100;
  for (let t = 0; t < bars; t++) {
    open[t] = price;
    price *= 1 + 0.002 * (t > 0 ? (signal[t - 1] ?? 0) : 0) + 0.0005 * rng.normal();
    close[t] = price;
    signal[t] = rng.normal();
  }
  const series: CandleSeries = {
    length: bars,
    barMs: MINUTE,
    openTime: Float64Array.from({ length: bars }, (_, i) => i * MINUTE),
    open,
    high: Float64Array.from(open, (o, i) => Math.max(o, close[i] ?? o)),
    low: Float64Array.from(open, (o, i) => Math.min(o, close[i] ?? o)),
    close,
    volume: new Float64Array(bars).fill(1),
  };
  // Training set: the first half; label = the next bar closes up.
  const half = bars / 2;
  const x = signal.slice(0, half);
  const y = Float64Array.from(x, (_, t) => ((close[t + 1] ?? 0) > (close[t] ?? 0) ? 1 : 0));
  const { w, b } = fitLogistic(x, y);
  const model: Predictor = { predict: (row) => 1 / (1 + Math.exp(-(w * (row[0] ?? 0) + b))) };

  /** The feature row at bar t's close is [x_t]. */
  function features(): FeatureSource {
    const row = new Float64Array(1);
    let bar = 0;
    return {
      onBar: () => {
        row[0] = signal[bar++] ?? Number.NaN;
      },
      current: () => row,
    };
  }

  it('learns the planted relation: a positive weight', () => {
    expect(w).toBeGreaterThan(1);
  });

  it('trades in the direction of the model and earns the planted edge', () => {
    const result = runCandleBacktest(
      config(mlSignal.create(mlSignal.params.parse({}), model), {
        features: features(),
        fees: { maker: 0, taker: 0 },
      }),
      series,
    );
    expect(result.fills.length).toBeGreaterThan(20);
    for (const fill of result.fills) {
      // Filled at bar t+1's open after deciding on x_t at bar t's close.
      const decidedOn = signal[fill.ts / MINUTE - 1] ?? Number.NaN;
      const up = model.predict(Float64Array.of(decidedOn));
      if (fill.side === 'buy') expect(up).toBeGreaterThan(0.55);
      else expect(up).toBeLessThan(0.45);
    }
    expect(result.finalEquity).toBeGreaterThan(result.initialCash);
  });
});
