import { describe, expect, it } from 'vitest';
import { sweepToWire } from '../../../../main/backtests/backtest-api.js';
import { deflate, type SweepRow } from '../../../../main/backtests/sweep-pool.js';
import { computeMetrics } from '../../../../shared/backtest/metrics.js';

/** A sweep row whose curve is `equity` (one point a minute), ruined or not. */
function row(index: number, equity: readonly number[], ruined: boolean): SweepRow {
  const curve = Float64Array.from(equity);
  const metrics = computeMetrics(
    {
      ts: Float64Array.from(equity, (_, i) => i * 60_000),
      equity: curve,
      position: new Float64Array(equity.length),
      trips: [],
      feesPaid: 0,
      tradedNotional: 0,
      accounting: { ruined, reducedOrders: 0, refusedOrders: 0, liquidations: 0, fundingPaid: 0 },
    },
    { periodsPerYear: 525_600 },
  );
  return {
    index,
    params: { fast: index + 2 },
    metrics,
    // Given directly so the ruined row has the highest Sharpe of all: it must still not win.
    estimate: { sharpe: ruined ? 9 : index * 0.01, observations: 45_000, skewness: 0, kurtosis: 3 },
  };
}

describe('sweep ranking', () => {
  it('never ranks a ruined configuration best, whatever its Sharpe, but counts it as a trial', () => {
    const rows = [
      row(0, [100, 101, 102], false),
      row(1, [100, 150, 0], true),
      row(2, [100, 102, 104], false),
    ];
    const ranked = deflate(rows);
    expect(ranked.best).toBe(2);
    // The variance the DSR deflates by includes the ruined trial's Sharpe.
    const sharpes = [0, 9, 0.02];
    const m = sharpes.reduce((a, b) => a + b, 0) / 3;
    expect(ranked.sharpeVariance).toBeCloseTo(sharpes.reduce((s, x) => s + (x - m) ** 2, 0) / 2, 12);
  });

  it('has no best when every configuration is ruined (a walk-forward fold then stays flat)', () => {
    expect(deflate([row(0, [100, 0], true), row(1, [100, 50, 0], true)]).best).toBeNull();
  });

  it('gives every configuration its PSR from the same estimate, and lists skipped combinations', () => {
    const rows = [row(0, [100, 101, 102], false), row(1, [100, 102, 104], false)];
    const wire = sweepToWire({ rows, bars: 3, workers: 1, ...deflate(rows) }, [
      { params: { fast: 30, slow: 30 }, reason: '(root): fast must be shorter than slow' },
    ]);
    // Sharpe 0 per period: P[SR > 0] = 0.5; 0.01 per period over 45 000 observations: 0.983.
    expect(wire.rows[0]?.probabilisticSharpe).toBeCloseTo(0.5, 12);
    expect(wire.rows[1]?.probabilisticSharpe).toBeCloseTo(0.983, 3);
    expect(wire.skipped).toEqual([
      { params: { fast: 30, slow: 30 }, reason: '(root): fast must be shorter than slow' },
    ]);
    expect(wire.rows[1]?.metrics.ruined).toBe(0);
  });
});
