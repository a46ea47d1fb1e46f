import { describe, expect, it } from 'vitest';
import type { Candle } from '../../../../shared/domain/candle.js';
import type { Timeframe } from '../../../../shared/domain/timeframes.js';
import { historicalVar, monteCarloVar, parametricVar } from '../../../../shared/risk/var.js';
import {
  alignedReturns,
  bestReturns,
  historicalAtHorizon,
  horizonPeriods,
  MC_PATHS,
  MC_SEED,
  MIN_RETURNS,
  riskReport,
} from '../../../../main/trading/risk-report.js';

function candle(instrument: string, openTime: number, close: number, timeframe: Timeframe = '1m'): Candle {
  return {
    instrument,
    timeframe,
    openTime,
    open: close,
    high: close,
    low: close,
    close,
    volume: 1,
    quoteVolume: close,
    trades: 1,
  };
}

const M = 60_000;

describe('risk report', () => {
  it('aligns returns on the bars every instrument has, skips gaps and the forming bar', () => {
    const a = [
      candle('a', 0, 100),
      candle('a', M, 110),
      candle('a', 2 * M, 99),
      candle('a', 4 * M, 100),
      candle('a', 5 * M, 120),
      candle('a', 6 * M, 1),
    ];
    const b = [
      candle('b', 0, 10),
      candle('b', M, 10),
      candle('b', 2 * M, 12),
      candle('b', 4 * M, 12),
      candle('b', 5 * M, 6),
      candle('b', 7 * M, 1),
    ];
    // a's bar at 6M and b's at 7M are still forming; 2M -> 4M is a gap, not a return.
    const rows = alignedReturns([a, b], M);
    expect(rows).toHaveLength(3);
    expect(rows[0]?.[0]).toBeCloseTo(0.1, 12);
    expect(rows[0]?.[1]).toBe(0);
    expect(rows[1]?.[0]).toBeCloseTo(-0.1, 12);
    expect(rows[1]?.[1]).toBeCloseTo(0.2, 12);
    expect(rows[2]?.[0]).toBeCloseTo(0.2, 12);
    expect(rows[2]?.[1]).toBeCloseTo(-0.5, 12);
  });

  it('takes 1m bars when they are enough, else the 1s bars when they give more', () => {
    const series = (timeframe: Timeframe, n: number) =>
      Array.from({ length: n }, (_, i) =>
        candle('a', i * (timeframe === '1m' ? M : 1_000), 100 + (i % 3), timeframe),
      );
    expect(bestReturns(['a'], (_id, tf) => series(tf, tf === '1m' ? MIN_RETURNS + 2 : 500)).timeframe).toBe(
      '1m',
    );
    const few = bestReturns(['a'], (_id, tf) => series(tf, tf === '1m' ? 5 : 500));
    expect([few.timeframe, few.returns.length]).toEqual(['1s', 498]);
    expect(horizonPeriods(86_400_000, '1m')).toBe(1440);
    expect(horizonPeriods(10, '1s')).toBe(1);
  });

  it('scales historical figures by sqrt(h) when the record is shorter than the windows need', () => {
    const book = [{ instrument: 'a', quantity: 2, mark: 100 }];
    const returns = Array.from({ length: 40 }, (_, i) => [((i * 7) % 11) / 1000 - 0.005]);
    const one = historicalVar(book, returns, { confidence: 0.9 });
    const scaled = historicalAtHorizon(book, returns, 0.9, 16);
    expect(scaled.valueAtRisk).toBeCloseTo(one.valueAtRisk * 4, 12);
    expect(historicalAtHorizon(book, returns, 0.9, 5)).toEqual(
      historicalVar(book, returns, { confidence: 0.9, horizon: 5 }),
    );
  });

  it('gives var.ts figures for the held book and the three stress scenarios on its books', () => {
    const closes = Array.from({ length: 60 }, (_, i) => 100 * (1 + 0.01 * Math.sin(i)));
    const candles = closes.map((c, i) => candle('a', i * M, c));
    const held = [
      {
        instrument: 'a',
        quantity: 2,
        mark: 100,
        bids: [
          [99.5, 1],
          [99, 10],
        ] as const,
        asks: [[100.5, 1]] as const,
      },
    ];
    const report = riskReport(
      held.map((h) => ({ ...h, bids: [...h.bids], asks: [...h.asks] })),
      { confidence: 0.95, horizonMs: 5 * M, gap: 0.1, spreadFactor: 3, liquidityRemaining: 0.5 },
      () => candles,
    );
    const returns = alignedReturns([candles], M);
    const book = [{ instrument: 'a', quantity: 2, mark: 100 }];
    expect(report.sample).toEqual({ timeframe: '1m', returns: 58 });
    const hist = historicalVar(book, returns, { confidence: 0.95, horizon: 5 });
    const par = parametricVar(book, returns, { confidence: 0.95, horizon: 5 });
    const mc = monteCarloVar(book, returns, { confidence: 0.95, horizon: 5, paths: MC_PATHS, seed: MC_SEED });
    expect(report.methods).toEqual([
      { method: 'historical', valueAtRisk: hist.valueAtRisk, expectedShortfall: hist.expectedShortfall },
      { method: 'parametric', valueAtRisk: par.valueAtRisk, expectedShortfall: par.expectedShortfall },
      { method: 'monte-carlo', valueAtRisk: mc.valueAtRisk, expectedShortfall: mc.expectedShortfall },
    ]);
    // Gap: 2 x 100 x -10%. Spread x3: 2 x 3 x 0.5. Half the depth: 0.5 at 99.5, 1.5 at 99.
    expect(report.stress).toEqual([
      { scenario: 'price gap -10%', pnl: -20 },
      { scenario: 'spread x3', pnl: -3 },
      { scenario: 'liquidity 50% of depth', pnl: 0.5 * -0.5 + 1.5 * -1 },
    ]);
  });

  it('reports zeros with no position and nulls with too few returns', () => {
    const request = { confidence: 0.99, horizonMs: M, gap: 0.1, spreadFactor: 5, liquidityRemaining: 0.2 };
    expect(riskReport([], request, () => []).methods.map((m) => m.valueAtRisk)).toEqual([0, 0, 0]);
    const held = [{ instrument: 'a', quantity: 1, mark: 100, bids: [], asks: [] }];
    const thin = riskReport(held, request, () => [candle('a', 0, 1), candle('a', M, 2)]);
    expect(thin.methods.map((m) => m.expectedShortfall)).toEqual([null, null, null]);
    expect(thin.stress.map((s) => s.pnl)).toEqual([-10, 0, 0]);
  });
});
