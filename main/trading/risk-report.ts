import type { RiskReport } from '../../shared/api/domains/trading.js';
import type { Candle } from '../../shared/domain/candle.js';
import type { Level } from '../../shared/domain/market.js';
import { TIMEFRAME_MS, type Timeframe } from '../../shared/domain/timeframes.js';
import {
  historicalVar,
  liquidityDrop,
  monteCarloVar,
  parametricVar,
  priceGap,
  spreadWidening,
  type BookPosition,
  type RiskFigures,
  type StressPosition,
} from '../../shared/risk/var.js';

/**
 * VaR, expected shortfall and stress scenarios of the positions held now.
 *
 * Returns: close-to-close simple returns of recorded candles, on the bars every held
 * instrument has, and only between bars one timeframe apart (a gap in the record is not a
 * return). The newest bar is still forming and is left out. The timeframe is the best
 * available: 1m when it gives at least MIN_RETURNS returns, else 1s when that gives more.
 *
 * Horizon scaling: h = horizonMs / timeframe periods (rounded, at least 1).
 * - parametric and Monte Carlo: shared/risk/var.ts with horizon h (i.i.d. returns: mean x h,
 *   covariance x h);
 * - historical: var.ts with horizon h (overlapping compounded h-period windows) when the
 *   record holds at least MIN_RETURNS such windows; otherwise the one-period figures x sqrt(h)
 *   (square-root-of-time), since a day of 1m bars is rarely recorded yet.
 * Monte Carlo draws MC_PATHS paths from MC_SEED: the same book and returns give the same figures.
 */

export const MIN_RETURNS = 30;
export const MC_PATHS = 10_000;
export const MC_SEED = 7;
const TIMEFRAMES_TRIED: readonly Timeframe[] = ['1m', '1s'];
const MAX_BARS = 5_000;

export interface HeldPosition extends BookPosition {
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
}

export interface RiskRequest {
  readonly confidence: number;
  readonly horizonMs: number;
  readonly gap: number;
  readonly spreadFactor: number;
  readonly liquidityRemaining: number;
}

/** Aligned returns of `instruments` on one timeframe: rows = periods, columns = instruments. */
export function alignedReturns(
  candlesByInstrument: readonly (readonly Candle[])[],
  barMs: number,
): number[][] {
  if (candlesByInstrument.length === 0) return [];
  const closes = candlesByInstrument.map((candles) => {
    const map = new Map<number, number>();
    // The newest bar is still forming.
    for (const c of candles.slice(0, -1)) map.set(c.openTime, c.close);
    return map;
  });
  const first = closes[0] ?? new Map<number, number>();
  const times = [...first.keys()].filter((t) => closes.every((m) => m.has(t))).sort((a, b) => a - b);
  const rows: number[][] = [];
  for (let i = 1; i < times.length; i++) {
    const t0 = times[i - 1] ?? 0;
    const t1 = times[i] ?? 0;
    if (t1 - t0 !== barMs) continue;
    rows.push(closes.map((m) => (m.get(t1) ?? Number.NaN) / (m.get(t0) ?? Number.NaN) - 1));
  }
  return rows.filter((row) => row.every(Number.isFinite));
}

/** The timeframe and returns the figures use (see the module comment). */
export function bestReturns(
  instruments: readonly string[],
  candles: (instrument: string, timeframe: Timeframe, limit: number) => Candle[],
): { timeframe: Timeframe; returns: number[][] } {
  let best: { timeframe: Timeframe; returns: number[][] } | null = null;
  for (const timeframe of TIMEFRAMES_TRIED) {
    const returns = alignedReturns(
      instruments.map((id) => candles(id, timeframe, MAX_BARS)),
      TIMEFRAME_MS[timeframe],
    );
    if (best === null || returns.length > best.returns.length) best = { timeframe, returns };
    if (returns.length >= MIN_RETURNS) return { timeframe, returns };
  }
  return best ?? { timeframe: '1m', returns: [] };
}

export function horizonPeriods(horizonMs: number, timeframe: Timeframe): number {
  return Math.max(1, Math.round(horizonMs / TIMEFRAME_MS[timeframe]));
}

/** Historical figures at horizon h, by windows when the record allows, else sqrt(h)-scaled. */
export function historicalAtHorizon(
  book: readonly BookPosition[],
  returns: number[][],
  confidence: number,
  h: number,
): RiskFigures {
  if (returns.length - h + 1 >= MIN_RETURNS) return historicalVar(book, returns, { confidence, horizon: h });
  const one = historicalVar(book, returns, { confidence });
  const k = Math.sqrt(h);
  return { ...one, valueAtRisk: one.valueAtRisk * k, expectedShortfall: one.expectedShortfall * k };
}

export function riskReport(
  held: readonly HeldPosition[],
  request: RiskRequest,
  candles: (instrument: string, timeframe: Timeframe, limit: number) => Candle[],
): RiskReport {
  const { confidence, horizonMs } = request;
  const book: BookPosition[] = held.map(({ instrument, quantity, mark }) => ({ instrument, quantity, mark }));
  const { timeframe, returns } =
    book.length === 0
      ? { timeframe: '1m' as Timeframe, returns: [] }
      : bestReturns(
          book.map((p) => p.instrument),
          candles,
        );
  const h = horizonPeriods(horizonMs, timeframe);
  // Covariance needs two returns; with no position every figure is 0 (nothing at risk).
  const usable = returns.length >= 2;
  const figures = (compute: () => RiskFigures) => {
    if (book.length === 0) return { valueAtRisk: 0, expectedShortfall: 0 };
    if (!usable) return { valueAtRisk: null, expectedShortfall: null };
    const f = compute();
    return { valueAtRisk: f.valueAtRisk, expectedShortfall: f.expectedShortfall };
  };
  const stressBook: StressPosition[] = held.filter((p) => p.bids.length > 0 && p.asks.length > 0);
  return {
    confidence,
    horizonMs,
    sample: { timeframe, returns: returns.length },
    methods: [
      { method: 'historical', ...figures(() => historicalAtHorizon(book, returns, confidence, h)) },
      { method: 'parametric', ...figures(() => parametricVar(book, returns, { confidence, horizon: h })) },
      {
        method: 'monte-carlo',
        ...figures(() =>
          monteCarloVar(book, returns, { confidence, horizon: h, paths: MC_PATHS, seed: MC_SEED }),
        ),
      },
    ],
    stress: [
      priceGap(book, -request.gap),
      spreadWidening(stressBook, request.spreadFactor),
      liquidityDrop(stressBook, request.liquidityRemaining),
    ].map((r) => ({ scenario: r.scenario, pnl: r.pnl })),
  };
}
