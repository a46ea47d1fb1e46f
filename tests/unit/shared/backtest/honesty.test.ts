import { describe, expect, it } from 'vitest';
import {
  blockBootstrap,
  blockBootstrapSums,
  deflatedSharpeRatio,
  expectedMaxSharpe,
  moments,
  monteCarloTrades,
  normalCdf,
  normalQuantile,
  probabilisticSharpeRatio,
  sharpeEstimate,
  walkForwardSplits,
} from '../../../../shared/backtest/honesty.js';
import { mean } from '../../../../shared/backtest/metrics.js';
import { createRng } from '../../../../shared/market/rng.js';

describe('normal distribution', () => {
  it('matches table values of the CDF and its inverse', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1)).toBeCloseTo(0.8413447460685429, 14);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 14);
    expect(normalCdf(-3.5)).toBeCloseTo(0.000232629079035525, 16);
    expect(normalQuantile(0.99)).toBeCloseTo(2.3263478740408408, 12);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 11);
  });
});

describe('probabilistic and deflated Sharpe ratio', () => {
  it('computes the moments of a return series', () => {
    // +10% three times and -10% twice: a two-point distribution with p = 0.6, so
    // skew = (1 - 2p) / sqrt(p (1 - p)) = -0.2 / sqrt(0.24) and kurtosis = (1 - 6 p q) / (p q) + 3 = 7/6.
    const m = moments([0.1, -0.1, 0.1, 0.1, -0.1]);
    expect(m.mean).toBeCloseTo(0.02, 15);
    expect(m.std).toBeCloseTo(Math.sqrt(0.012), 15);
    expect(m.skewness).toBeCloseTo(-0.2 / Math.sqrt(0.24), 12);
    expect(m.kurtosis).toBeCloseTo(7 / 6, 12);
  });

  it('gives Phi(1) when the test statistic is exactly one', () => {
    // SR 0.1 over 101 returns, skew 0, kurtosis 1: denominator sqrt(1 - 0 + 0) = 1,
    // z = 0.1 * sqrt(100) / 1 = 1.
    expect(
      probabilisticSharpeRatio({ sharpe: 0.1, observations: 101, skewness: 0, kurtosis: 1 }),
    ).toBeCloseTo(0.8413447460685429, 12);
  });

  it('reproduces the worked example of Bailey and López de Prado (2014)', () => {
    // 100 trials, variance of their annualised Sharpe ratios 0.5, 1250 daily returns (250 a
    // year), annualised SR 2.5, skew -3, kurtosis 10.
    // Per period: V = 0.5 / 250 = 0.002; SR = 2.5 / sqrt(250) = 0.158114.
    // SR0 = sqrt(0.002) * ((1 - 0.5772) * Phi^-1(0.99) + 0.5772 * Phi^-1(1 - 1/(100 e)))
    //     = 0.044721 * (0.42278 * 2.32635 + 0.57722 * 2.68021) = 0.044721 * 2.53062 = 0.113172.
    const sr0 = expectedMaxSharpe(100, 0.5 / 250);
    expect(sr0).toBeCloseTo(0.113172, 5);
    // z = (0.158114 - 0.113172) * sqrt(1249) / sqrt(1 + 3 * 0.158114 + (9 / 4) * 0.158114^2)
    //   = 0.044942 * 35.3412 / sqrt(1.530592) = 1.58829 / 1.23717 = 1.28381; Phi(z) = 0.9004.
    const estimate = { sharpe: 2.5 / Math.sqrt(250), observations: 1250, skewness: -3, kurtosis: 10 };
    expect(deflatedSharpeRatio(estimate, 100, 0.5 / 250)).toBeCloseTo(0.9004, 4);
    // One trial: nothing to deflate, DSR = PSR against zero.
    expect(deflatedSharpeRatio(estimate, 1, 0.002)).toBe(probabilisticSharpeRatio(estimate, 0));
  });

  it('estimates the per-period Sharpe ratio net of the risk-free rate', () => {
    const estimate = sharpeEstimate([0.1, -0.1, 0.1, 0.1, -0.1], 0.01);
    expect(estimate.sharpe).toBeCloseTo(0.01 / Math.sqrt(0.012), 12);
    expect(estimate.observations).toBe(5);
  });
});

describe('bootstrap confidence intervals', () => {
  const returns = Float64Array.from({ length: 60 }, (_, i) => ((i * 7) % 11) / 100 - 0.05);

  it('is reproducible for a seed and brackets the estimate', () => {
    const a = blockBootstrap(returns, mean, { seed: 3, resamples: 500 });
    const b = blockBootstrap(returns, mean, { seed: 3, resamples: 500 });
    expect(a).toEqual(b);
    expect(a.lower).toBeLessThan(a.estimate);
    expect(a.upper).toBeGreaterThan(a.estimate);
    expect(a.distribution.length).toBe(500);
  });

  it('gives bit for bit the same interval from running sums as from copied resamples', () => {
    // Returns with a trend and clusters, a length that is no multiple of the block, so blocks wrap.
    const returns = Float64Array.from({ length: 1001 }, (_, i) => Math.sin(i / 7) * 1e-3 + (i % 13) * 1e-5);
    const sharpe = (sum: number, squares: number, n: number): number => {
      const m = sum / n;
      return (m / Math.sqrt((squares - n * m * m) / (n - 1))) * Math.sqrt(525_600);
    };
    const fromSample = (sample: Float64Array): number => {
      let sum = 0;
      let squares = 0;
      for (const r of sample) {
        sum += r;
        squares += r * r;
      }
      return sharpe(sum, squares, sample.length);
    };
    for (const blockLength of [undefined, 1, 37, 1001]) {
      const options = { seed: 11, resamples: 300, ...(blockLength === undefined ? {} : { blockLength }) };
      const copied = blockBootstrap(returns, fromSample, options);
      const summed = blockBootstrapSums(returns, sharpe, options);
      expect(Array.from(summed.distribution)).toEqual(Array.from(copied.distribution));
      expect([summed.estimate, summed.lower, summed.upper]).toEqual([
        copied.estimate,
        copied.lower,
        copied.upper,
      ]);
    }
    expect(blockBootstrapSums(returns, sharpe, { seed: 11, resamples: 300 }).lower).toBeLessThan(
      blockBootstrapSums(returns, sharpe, { seed: 11, resamples: 300 }).upper,
    );
  });

  it('has no width when every return is the same', () => {
    const flat = blockBootstrap(new Float64Array(20).fill(0.01), mean, {
      seed: 1,
      resamples: 50,
      blockLength: 4,
    });
    expect([flat.lower, flat.upper]).toEqual([0.01, 0.01].map((x) => expect.closeTo(x, 15) as number));
  });

  it('keeps serial dependence inside blocks: a trending series resampled in whole blocks stays a trend', () => {
    // 0, 1, ..., 9: a block of 10 is the whole series rotated, so the sum never changes.
    const trend = Float64Array.from({ length: 10 }, (_, i) => i);
    const sum = (s: Float64Array) => s.reduce((acc, x) => acc + x, 0);
    const ci = blockBootstrap(trend, sum, { seed: 9, resamples: 100, blockLength: 10 });
    expect([ci.lower, ci.upper]).toEqual([45, 45]);
  });
});

describe('Monte Carlo reshuffle of trades', () => {
  it('keeps the final PnL and spreads the drawdown over the orders the trades could have come in', () => {
    // Trades +10, -20, +30 from 100. The six orders give max drawdowns
    // [10,30,-20] 20/140, [30,10,-20] 20/140, [30,-20,10] 20/130, [10,-20,30] 20/110,
    // [-20,10,30] 20/100, [-20,30,10] 20/100: from 1/7 to 0.2.
    const result = monteCarloTrades(Float64Array.from([10, -20, 30]), {
      seed: 5,
      runs: 600,
      initialEquity: 100,
    });
    expect(new Set(result.finalPnl)).toEqual(new Set([20]));
    expect(result.maxDrawdown[0]).toBeCloseTo(1 / 7, 12);
    expect(result.maxDrawdown[599]).toBeCloseTo(0.2, 12);
  });

  it('draws the same trades as rng.int would, run for run', () => {
    // The loop as first written, with rng.int: the seeded outcome must not move.
    const reference = (pnls: Float64Array, mode: 'shuffle' | 'resample'): number[] => {
      const rng = createRng(21);
      const order = Float64Array.from(pnls);
      const out: number[] = [];
      for (let r = 0; r < 50; r++) {
        if (mode === 'shuffle') {
          for (let i = order.length - 1; i > 0; i--) {
            const j = rng.int(0, i + 1);
            const t = order[i] ?? 0;
            order[i] = order[j] ?? 0;
            order[j] = t;
          }
        } else {
          for (let i = 0; i < order.length; i++) order[i] = pnls[rng.int(0, pnls.length)] ?? 0;
        }
        let equity = 1000;
        let peak = equity;
        let worst = 0;
        for (const pnl of order) {
          equity += pnl;
          if (equity > peak) peak = equity;
          else if (peak > 0 && (peak - equity) / peak > worst) worst = (peak - equity) / peak;
        }
        out.push(mode === 'shuffle' ? worst : equity - 1000);
      }
      return out.sort((a, b) => a - b);
    };
    const pnls = Float64Array.from({ length: 97 }, (_, i) => Math.sin(i * 1.7) * 40 + (i % 5) - 2);
    const options = { seed: 21, runs: 50, initialEquity: 1000 };
    expect(Array.from(monteCarloTrades(pnls, { ...options, mode: 'shuffle' }).maxDrawdown)).toEqual(
      reference(pnls, 'shuffle'),
    );
    expect(Array.from(monteCarloTrades(pnls, { ...options, mode: 'resample' }).finalPnl)).toEqual(
      reference(pnls, 'resample'),
    );
  });

  it('varies the final PnL when trades are resampled with replacement', () => {
    const result = monteCarloTrades(Float64Array.from([10, -20, 30]), {
      seed: 5,
      runs: 600,
      initialEquity: 100,
      mode: 'resample',
    });
    expect(result.finalPnl[0]).toBe(-60); // three times -20
    expect(result.finalPnl[599]).toBe(90); // three times +30
  });
});

describe('walk-forward splits', () => {
  it('rolls train and test windows forward by the test length', () => {
    expect(walkForwardSplits({ length: 10, train: 4, test: 2 })).toEqual([
      { trainStart: 0, trainEnd: 4, testStart: 4, testEnd: 6 },
      { trainStart: 2, trainEnd: 6, testStart: 6, testEnd: 8 },
      { trainStart: 4, trainEnd: 8, testStart: 8, testEnd: 10 },
    ]);
  });

  it('anchors the train window and purges a gap before each test window', () => {
    expect(walkForwardSplits({ length: 10, train: 4, test: 2, gap: 1, anchored: true })).toEqual([
      { trainStart: 0, trainEnd: 4, testStart: 5, testEnd: 7 },
      { trainStart: 0, trainEnd: 6, testStart: 7, testEnd: 9 },
    ]);
  });

  it('refuses windows that are not positive integers', () => {
    expect(() => walkForwardSplits({ length: 10, train: 0, test: 2 })).toThrow(RangeError);
  });
});
