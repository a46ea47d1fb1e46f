import { describe, expect, it } from 'vitest';
import {
  estimate,
  maxSharpeWeights,
  meanVarianceWeights,
  rebalancePlan,
  riskContributions,
  riskParityWeights,
  type ReturnModel,
} from '../../../../shared/trading/allocation.js';

function expectWeights(actual: readonly number[], expected: readonly number[], digits = 10): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((w, i) => {
    expect(w).toBeCloseTo(expected[i] ?? Number.NaN, digits);
  });
}

/** Two uncorrelated instruments: means 10% and 5%, volatilities 20% and 10%. */
const TWO: ReturnModel = {
  means: [0.1, 0.05],
  cov: [
    [0.04, 0],
    [0, 0.01],
  ],
};

describe('allocation', () => {
  it('estimates means and the sample covariance from returns', () => {
    const model = estimate([
      [0.01, 0.02],
      [0.03, 0.0],
    ]);
    expectWeights(model.means, [0.02, 0.01], 15);
    expect(model.cov[0]?.[0]).toBeCloseTo(0.0002, 15);
    expect(model.cov[0]?.[1]).toBeCloseTo(-0.0002, 15);
  });

  it('solves mean-variance by risk aversion: interior, then at the long-only boundary', () => {
    // lambda 5: w_i = (mu_i - nu) / (lambda sigma_i^2), sum 1 -> nu = 0.02, w = (0.4, 0.6).
    expectWeights(meanVarianceWeights(TWO, { riskAversion: 5 }), [0.4, 0.6]);
    // lambda 0.5 would short the second (-1.2): long-only holds the first only.
    expectWeights(meanVarianceWeights(TWO, { riskAversion: 0.5 }), [1, 0]);
  });

  it('solves mean-variance by target return on 2 and 3 instruments', () => {
    // Two instruments, two constraints: 0.1 w1 + 0.05 (1 - w1) = 0.08 -> w1 = 0.6.
    expectWeights(meanVarianceWeights(TWO, { targetReturn: 0.08 }), [0.6, 0.4]);
    // A third instrument identical to the second and independent: the 0.4 splits in two.
    const three: ReturnModel = {
      means: [0.1, 0.05, 0.05],
      cov: [
        [0.04, 0, 0],
        [0, 0.01, 0],
        [0, 0, 0.01],
      ],
    };
    expectWeights(meanVarianceWeights(three, { targetReturn: 0.08 }), [0.6, 0.2, 0.2]);
    expect(() => meanVarianceWeights(TWO, { targetReturn: 0.12 })).toThrow(RangeError);
  });

  it('finds the maximum-Sharpe (tangency) weights, long only', () => {
    // y proportional to Sigma^-1 mu = (2.5, 5): w = (1/3, 2/3).
    expectWeights(maxSharpeWeights(TWO), [1 / 3, 2 / 3]);
    // With rf 6% the second has a negative excess return: all in the first.
    expectWeights(maxSharpeWeights(TWO, 0.06), [1, 0]);
    expect(() => maxSharpeWeights(TWO, 0.2)).toThrow(RangeError);
  });

  it('gives two uncorrelated instruments inverse-volatility weights under risk parity', () => {
    const result = riskParityWeights(TWO.cov);
    // 1/0.2 : 1/0.1 = 5 : 10.
    expectWeights(result.weights, [1 / 3, 2 / 3], 12);
    expect(result.error).toBeLessThanOrEqual(1e-12);
  });

  it('equalises risk contributions of three correlated instruments', () => {
    // Unit variances, rho(1,2) = 0.5: w1 = w2 = a, w3 = b with 1.5 a^2 = b^2 -> a = 1 / (2 + sqrt(1.5)).
    const cov = [
      [1, 0.5, 0],
      [0.5, 1, 0],
      [0, 0, 1],
    ];
    const a = 1 / (2 + Math.sqrt(1.5));
    const result = riskParityWeights(cov);
    expectWeights(result.weights, [a, a, a * Math.sqrt(1.5)], 12);
    expectWeights(riskContributions(cov, result.weights), [1 / 3, 1 / 3, 1 / 3], 12);
    expect(result.iterations).toBeGreaterThan(1);
  });

  it('plans a rebalance that skips a trade whose benefit is below its fee', () => {
    // Equity 10,000 at weights (0.6, 0.4), target (0.5, 0.5): d = (0.1, -0.1).
    // L(d) = 1/2 x 2 x (0.04 x 0.01 + 0.01 x 0.01) = 0.0005; without d1: 0.0001; without d2: 0.0004.
    // Benefits: 0.0004 x 10,000 = 4 and 0.0001 x 10,000 = 1; fees 0.0012 x 1,000 = 1.2 each.
    const plan = rebalancePlan({
      instruments: ['A', 'B'],
      prices: [100, 50],
      quantities: [60, 80],
      equity: 10_000,
      targetWeights: [0.5, 0.5],
      cov: TWO.cov,
      riskAversion: 2,
      horizon: 1,
      feeRate: 0.0012,
    });
    const [a, b] = plan.trades;
    expect(a).toMatchObject({ instrument: 'A', fromWeight: 0.6, toWeight: 0.5, trade: true });
    expect(a?.notional).toBeCloseTo(-1000, 9);
    expect(a?.quantity).toBeCloseTo(-10, 9);
    expect(a?.benefit).toBeCloseTo(4, 9);
    expect(a?.fee).toBeCloseTo(1.2, 9);
    expect(b).toMatchObject({ instrument: 'B', trade: false });
    expect(b?.benefit).toBeCloseTo(1, 9);
    expect(plan.totalFees).toBeCloseTo(1.2, 9);
    // A cheaper venue makes the second trade worth it too.
    const cheap = rebalancePlan({
      instruments: ['A', 'B'],
      prices: [100, 50],
      quantities: [60, 80],
      equity: 10_000,
      targetWeights: [0.5, 0.5],
      cov: TWO.cov,
      riskAversion: 2,
      horizon: 1,
      feeRate: 0.0008,
    });
    expect(cheap.trades.map((t) => t.trade)).toEqual([true, true]);
    expect(cheap.trades[1]?.quantity).toBeCloseTo(20, 9);
  });
});
