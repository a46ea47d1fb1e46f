import { describe, expect, it } from 'vitest';
import { cholesky, covariance, solve } from '../../../../shared/risk/covariance.js';
import {
  historicalVar,
  liquidityDrop,
  monteCarloVar,
  parametricVar,
  priceGap,
  spreadWidening,
  tailFigures,
  type StressPosition,
} from '../../../../shared/risk/var.js';

/** z for 99% (Acklam + Halley, as normalQuantile) and the normal density there. */
const Z99 = 2.3263478740408408;
const PHI_Z99 = Math.exp((-Z99 * Z99) / 2) / Math.sqrt(2 * Math.PI);

describe('value at risk', () => {
  it('takes VaR as the m-th worst loss and ES as the mean of the m worst, m = ceil(n (1 - c))', () => {
    const pnl = [-50, -40, -30, 10, 20, 0, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5];
    expect(tailFigures(pnl, 0.9)).toEqual({ valueAtRisk: 40, expectedShortfall: 45, scenarios: 20 });
    expect(tailFigures(pnl, 0.95)).toEqual({ valueAtRisk: 50, expectedShortfall: 50, scenarios: 20 });
    // 100 scenarios at 95%: exactly the 5 worst (no float drift to 6).
    const hundred = Array.from({ length: 100 }, (_, i) => -i);
    expect(tailFigures(hundred, 0.95)).toEqual({ valueAtRisk: 95, expectedShortfall: 97, scenarios: 100 });
  });

  it('revalues a long-short book over recorded returns (historical)', () => {
    // Long 1 A at 100, short 2 B at 50: exposures +100 and -100, PnL = 100 (rA - rB).
    const book = [
      { instrument: 'A', quantity: 1, mark: 100 },
      { instrument: 'B', quantity: -2, mark: 50 },
    ];
    const returns = [
      [0.01, 0.03], // -2
      [-0.02, 0.02], // -4
      [0.05, 0.0], // +5
      [0.0, -0.01], // +1
      [-0.01, -0.02], // +1
    ];
    const figures = historicalVar(book, returns, { confidence: 0.6 });
    // m = ceil(5 x 0.4) = 2: losses 4 and 2.
    expect(figures.valueAtRisk).toBeCloseTo(2, 12);
    expect(figures.expectedShortfall).toBeCloseTo(3, 12);
  });

  it('compounds overlapping h-period returns for a longer horizon (historical)', () => {
    const book = [{ instrument: 'A', quantity: 10, mark: 100 }];
    const returns = [[0.1], [-0.1], [-0.1], [0.2]];
    // Two-period returns: 1.1 x 0.9 - 1 = -0.01, 0.9 x 0.9 - 1 = -0.19, 0.9 x 1.2 - 1 = 0.08.
    const figures = historicalVar(book, returns, { confidence: 0.5, horizon: 2 });
    // m = ceil(3 x 0.5) = 2: losses 190 and 10.
    expect(figures.scenarios).toBe(3);
    expect(figures.valueAtRisk).toBeCloseTo(10, 9);
    expect(figures.expectedShortfall).toBeCloseTo(100, 9);
  });

  it('computes normal VaR and ES from the portfolio covariance (parametric)', () => {
    // Means 0; var A = 10e-4 / 3, var B = 4e-4 / 3, cov 0; exposures 1,000 and 2,000:
    // sigma^2 = 1e6 x 10e-4 / 3 + 4e6 x 4e-4 / 3 = 2600 / 3.
    const book = [
      { instrument: 'A', quantity: 10, mark: 100 },
      { instrument: 'B', quantity: 40, mark: 50 },
    ];
    const returns = [
      [0.01, 0.01],
      [-0.01, 0.01],
      [0.02, -0.01],
      [-0.02, -0.01],
    ];
    const sigma = Math.sqrt(2600 / 3);
    const one = parametricVar(book, returns, { confidence: 0.99 });
    expect(one.valueAtRisk).toBeCloseTo(Z99 * sigma, 9);
    expect(one.expectedShortfall).toBeCloseTo((sigma * PHI_Z99) / 0.01, 9);
    // 4 periods: sigma x 2.
    expect(parametricVar(book, returns, { confidence: 0.99, horizon: 4 }).valueAtRisk).toBeCloseTo(
      2 * Z99 * sigma,
      9,
    );
  });

  it('subtracts the expected gain over the horizon (parametric)', () => {
    const book = [{ instrument: 'A', quantity: 1, mark: 1000 }];
    // Mean 0.01, sample sd 0.01 x sqrt(4/3).
    const returns = [[0.0], [0.02], [0.0], [0.02]];
    const sd = 1000 * Math.sqrt((4 * 1e-4) / 3);
    expect(parametricVar(book, returns, { confidence: 0.99 }).valueAtRisk).toBeCloseTo(-10 + Z99 * sd, 9);
  });

  it('draws correlated normals through the Cholesky factor and lands on the normal figures (Monte Carlo)', () => {
    const book = [
      { instrument: 'A', quantity: 10, mark: 100 },
      { instrument: 'B', quantity: -10, mark: 50 },
    ];
    const returns = [
      [0.01, 0.008],
      [-0.01, -0.012],
      [0.02, 0.018],
      [-0.02, -0.016],
      [0.015, 0.01],
      [-0.005, 0.002],
    ];
    const normal = parametricVar(book, returns, { confidence: 0.99 });
    const mc = monteCarloVar(book, returns, { confidence: 0.99, paths: 200_000, seed: 1 });
    // The 99% quantile of 200,000 draws has a standard error of about 0.4% of VaR: 1% is 2.5 s.e.
    expect(mc.valueAtRisk / normal.valueAtRisk).toBeGreaterThan(0.99);
    expect(mc.valueAtRisk / normal.valueAtRisk).toBeLessThan(1.01);
    expect(mc.expectedShortfall / normal.expectedShortfall).toBeGreaterThan(0.985);
    expect(mc.expectedShortfall / normal.expectedShortfall).toBeLessThan(1.015);
    expect(monteCarloVar(book, returns, { confidence: 0.99, paths: 1000, seed: 1 })).toEqual(
      monteCarloVar(book, returns, { confidence: 0.99, paths: 1000, seed: 1 }),
    );
  });

  it("factors a covariance as L L' and solves small systems", () => {
    expect(
      cholesky([
        [4, 2],
        [2, 3],
      ]),
    ).toEqual([
      [2, 0],
      [1, Math.SQRT2],
    ]);
    // Perfectly correlated: semi-definite, a zero column instead of a failure.
    expect(
      cholesky([
        [1, 1],
        [1, 1],
      ]),
    ).toEqual([
      [1, 0],
      [1, 0],
    ]);
    expect(
      covariance([
        [1, 2],
        [3, 6],
      ]),
    ).toEqual([
      [2, 4],
      [4, 8],
    ]);
    const x = solve(
      [
        [2, 1],
        [1, 3],
      ],
      [3, 5],
    );
    expect(x?.[0]).toBeCloseTo(0.8, 14);
    expect(x?.[1]).toBeCloseTo(1.4, 14);
    expect(
      solve(
        [
          [1, 2],
          [2, 4],
        ],
        [1, 2],
      ),
    ).toBeNull();
  });
});

describe('stress scenarios', () => {
  const book: StressPosition[] = [
    {
      instrument: 'A',
      quantity: 3,
      mark: 100,
      bids: [
        [99.5, 2],
        [99, 5],
      ],
      asks: [
        [100.5, 1],
        [101, 3],
      ],
    },
    {
      instrument: 'B',
      quantity: -2,
      mark: 50,
      bids: [[49.9, 10]],
      asks: [
        [50.1, 1],
        [50.2, 0.5],
      ],
    },
  ];

  it('gaps prices on all instruments or one', () => {
    expect(priceGap(book, -0.1)).toMatchObject({ scenario: 'price gap -10%', byInstrument: [-30, 10] });
    expect(priceGap(book, -0.1).pnl).toBeCloseTo(-20, 12);
    expect(priceGap(book, -0.1, 'A')).toMatchObject({
      pnl: -30,
      byInstrument: [-30, 0],
      scenario: 'price gap -10% on A',
    });
  });

  it('widens the spread k times on the exit cost', () => {
    const result = spreadWidening(book, 3);
    // A: 3 x 3 x 0.5 = 4.5; B: 2 x 3 x 0.1 = 0.6.
    expect(result.byInstrument[0]).toBeCloseTo(-4.5, 12);
    expect(result.byInstrument[1]).toBeCloseTo(-0.6, 12);
    expect(result.pnl).toBeCloseTo(-5.1, 12);
  });

  it('exits by walking a thinner book and reports what it could not absorb', () => {
    const result = liquidityDrop(book, 0.5);
    // A sells 1 at 99.5 and 2 at 99: -0.5 - 2 = -2.5.
    // B buys 0.5 at 50.1 and 0.25 at 50.2, 1.25 left valued at 50.2: -0.05 - 0.05 - 0.25.
    expect(result.byInstrument[0]).toBeCloseTo(-2.5, 12);
    expect(result.byInstrument[1]).toBeCloseTo(-0.35, 12);
    expect(result.unfilled).toBe(1.25);
    // The full book absorbs A at 2 x 99.5 + 1 x 99: -2.
    expect(liquidityDrop(book, 1).byInstrument[0]).toBeCloseTo(-2, 12);
  });
});
